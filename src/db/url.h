/*
 * DATABASE_URL parsing: "sqlite:PATH" or "postgres://..." ("postgresql://").
 * PostgreSQL URLs are validated by libpq's own parser, never by hand.
 */
#ifndef DB_URL_H
#define DB_URL_H

#include <stddef.h>

#include "core/mem.h"

enum db_kind {
	DB_SQLITE = 0,
	DB_POSTGRES,
};

struct db_url {
	enum db_kind kind;
	char        *path;     /* SQLite: the file path */
	char        *conninfo; /* PostgreSQL: the URL, as libpq takes it */
	char        *display;  /* safe to log: the password replaced by *** */
};

/* Parses s into url (db_url_cleanup() it); -1 with a reason in err. */
int  db_url_parse(const char *s, struct db_url *url, char *err,
     size_t errlen) MUST_CHECK;
void db_url_cleanup(struct db_url *url);

#endif
