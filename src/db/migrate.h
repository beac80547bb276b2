/*
 * Schema migrations: numbered SQL files per backend, embedded in the binary
 * (build/gen/migrations.c), recorded in schema_migrations.
 */
#ifndef DB_MIGRATE_H
#define DB_MIGRATE_H

#include <stddef.h>
#include <stdio.h>

#include "core/mem.h"
#include "db/db.h"

struct migration {
	int         version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations_sqlite[];
extern const size_t           migrations_sqlite_count;
extern const struct migration migrations_postgres[];
extern const size_t           migrations_postgres_count;

/*
 * Applies every pending migration, each in its own transaction; safe when
 * several processes run it at once. *applied gets how many ran. -1 with a
 * reason in err.
 */
int migrate_apply(struct db *db, int *applied, char *err,
    size_t errlen) MUST_CHECK;
/* Prints "[X] 0001_init" / "[ ] 0002_x" lines, like Django's showmigrations. */
int migrate_list(struct db *db, FILE *out, char *err, size_t errlen) MUST_CHECK;
/* Number of embedded migrations not yet applied; -1 on error. */
int migrate_pending(struct db *db, char *err, size_t errlen) MUST_CHECK;

#endif
