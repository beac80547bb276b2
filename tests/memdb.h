/*
 * An in-memory SQLite database with every migration applied, for the
 * unit tests that read the mirror. One connection (a pool of one): each
 * SQLite connection to ":memory:" is a database of its own. Include
 * after <cmocka.h>: failures assert.
 */
#ifndef TESTS_MEMDB_H
#define TESTS_MEMDB_H

#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"

/* A migrated in-memory database; db_close() it. */
static inline struct db *
memdb_open(void)
{
	static char   path[] = ":memory:";
	struct db_url url = {DB_SQLITE, path, NULL, path};
	struct db    *db;
	char          err[256] = "";
	int           applied = 0;

	log_setup(LOG_WARN, LOG_TEXT); /* no line per migration */
	db = db_open(&url, 1, err, sizeof(err));
	if (db == NULL)
		fail_msg("db_open: %s", err);
	if (migrate_apply(db, &applied, err, sizeof(err)) == -1)
		fail_msg("migrate_apply: %s", err);
	assert_true(applied > 0);
	return db;
}

/* Runs statements (no parameters) on the database's one connection. */
static inline void
memdb_exec(struct db *db, const char *sql)
{
	struct db_conn *c = db_acquire(db);

	assert_non_null(c);
	if (db_exec_script(c, sql) == -1)
		fail_msg("%s: %s", sql, db_errmsg(c));
	db_release(db, c);
}

#endif
