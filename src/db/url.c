/*
 * DATABASE_URL parsing. Pure apart from libpq's parser; thread-safe.
 */
#include "db/url.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static int
parse_sqlite(const char *rest, struct db_url *url, char *err, size_t errlen)
{
	/* "sqlite:///abs" and "sqlite://rel" are common spellings too. */
	if (strncmp(rest, "//", 2) == 0)
		rest += 2;
	if (*rest == '\0') {
		(void)snprintf(err, errlen, "the SQLite path is empty");
		return -1;
	}
	if (strcmp(rest, ":memory:") == 0) {
		(void)snprintf(err, errlen,
		    "an in-memory database is not shared between threads; "
		    "give a file path");
		return -1;
	}
	url->kind = DB_SQLITE;
	url->path = xstrdup(rest);
	url->display = xstrdup(rest);
	return 0;
}

static const char *
option_value(PQconninfoOption *opts, const char *name)
{
	for (; opts != NULL && opts->keyword != NULL; opts++) {
		if (strcmp(opts->keyword, name) == 0)
			return opts->val;
	}
	return NULL;
}

static int
parse_postgres(const char *s, struct db_url *url, char *err, size_t errlen)
{
	PQconninfoOption *opts;
	char             *perr = NULL;
	const char       *user, *host, *port, *dbname;
	struct buf        d;

	opts = PQconninfoParse(s, &perr);
	if (opts == NULL) {
		size_t n;

		(void)snprintf(err, errlen, "%s",
		    perr != NULL ? perr : "not a valid PostgreSQL URL");
		n = strlen(err);
		while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
			err[--n] = '\0';
		PQfreemem(perr);
		return -1;
	}
	user = option_value(opts, "user");
	host = option_value(opts, "host");
	port = option_value(opts, "port");
	dbname = option_value(opts, "dbname");
	buf_init(&d, 0);
	(void)!buf_appendf(&d, "postgres://%s%s%s%s%s%s%s", user ? user : "",
	    option_value(opts, "password") ? ":***" : "", user ? "@" : "",
	    host ? host : "", port ? ":" : "", port ? port : "",
	    dbname ? "/" : "");
	if (dbname != NULL)
		(void)!buf_append_cstr(&d, dbname);
	PQconninfoFree(opts);
	url->kind = DB_POSTGRES;
	url->conninfo = xstrdup(s);
	url->display = buf_release(&d, NULL);
	return 0;
}

int
db_url_parse(const char *s, struct db_url *url, char *err, size_t errlen)
{
	memset(url, 0, sizeof(*url));
	if (strncmp(s, "sqlite:", 7) == 0)
		return parse_sqlite(s + 7, url, err, errlen);
	if (strncmp(s, "postgres://", 11) == 0 ||
	    strncmp(s, "postgresql://", 13) == 0)
		return parse_postgres(s, url, err, errlen);
	(void)snprintf(err, errlen, "unknown scheme");
	return -1;
}

void
db_url_cleanup(struct db_url *url)
{
	free(url->path);
	free(url->conninfo);
	free(url->display);
	memset(url, 0, sizeof(*url));
}
