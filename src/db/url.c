/*
 * DATABASE_URL parsing. Pure apart from libpq's parser; thread-safe.
 */
#include "db/url.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/str.h"

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

/*
 * libpq's parse errors quote the offending part of the URL, which may be
 * the password: keep only the text before the quote (but for an unknown
 * query parameter, whose name is quoted).
 */
static void
reason_without_quote(const char *msg, char *err, size_t errlen)
{
	const char *cut;
	size_t      n;

	if (msg == NULL || *msg == '\0')
		msg = "not a valid PostgreSQL URL";
	/* A query parameter's name is safe, and the useful part. */
	cut = strncmp(msg, "invalid URI query parameter", 27) == 0
	    ? NULL
	    : strstr(msg, ": \"");
	n = cut != NULL ? (size_t)(cut - msg) : strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	(void)snprintf(err, errlen, "%.*s", (int)n, msg);
}

/* libpq keeps the port as text; each entry of a "p1,p2" list must be a
 * TCP port. */
static bool
ports_valid(const char *ports)
{
	const char *p = ports;

	if (p == NULL)
		return true;
	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t      len = end != NULL ? (size_t)(end - p) : strlen(p);
		int64_t     v;

		if (len > 0 &&
		    (p[0] == '+' ||
		        str_to_i64((struct str){p, len}, 1, 65535, &v) == -1))
			return false;
		p += len;
		if (*p == ',')
			p++;
	}
	return true;
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
		reason_without_quote(perr, err, errlen);
		PQfreemem(perr);
		return -1;
	}
	if (!ports_valid(option_value(opts, "port"))) {
		(void)snprintf(err, errlen,
		    "the port must be a number from 1 to 65535");
		PQconninfoFree(opts);
		return -1;
	}
	user = option_value(opts, "user");
	host = option_value(opts, "host");
	port = option_value(opts, "port");
	dbname = option_value(opts, "dbname");
	buf_init(&d, 0);
	(void)!buf_appendf(&d, "postgres://%s%s%s%s%s%s%s", user ? user : "",
	    option_value(opts, "password") ? ":***" : "",
	    user || option_value(opts, "password") ? "@" : "", host ? host : "",
	    port ? ":" : "", port ? port : "", dbname ? "/" : "");
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
