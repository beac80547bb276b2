/*
 * Unit tests for src/cli/common.c: DATABASE_URL as the commands read it,
 * the configuration's text (config_parse() over a small table) parsed by
 * cli_database_url(), and refused with a line that names the variable.
 */
#include "cli/cli.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

struct var {
	const char *name;
	const char *value;
};

/* ctx is a struct var array ending with a NULL name. */
static const char *
table_lookup(const char *name, void *ctx)
{
	const struct var *v;

	for (v = ctx; v->name != NULL; v++) {
		if (strcmp(v->name, name) == 0)
			return v->value;
	}
	return NULL;
}

/* DATABASE_URL=value (NULL: unset) through the configuration into url. */
static int
parse(const char *value, struct db_url *url, char *err, size_t errlen)
{
	struct var    vars[] = {{"DATABASE_URL", value}, {NULL, NULL}};
	struct config cfg;
	int           rc;

	if (value == NULL)
		vars[0].name = NULL;
	assert_int_equal(config_parse(&cfg, table_lookup, vars, err, errlen),
	    0);
	rc = cli_database_url(cfg.database_url, url, err, errlen);
	config_cleanup(&cfg);
	return rc;
}

static void
test_default_is_sqlite(void **state)
{
	struct db_url url;
	char          err[256] = "";

	(void)state;
	assert_int_equal(parse(NULL, &url, err, sizeof(err)), 0);
	assert_int_equal(url.kind, DB_SQLITE);
	assert_string_equal(url.path, "data/mysaas.db");
	assert_null(url.conninfo);
	db_url_cleanup(&url);
	/* An empty value is unset. */
	assert_int_equal(parse("", &url, err, sizeof(err)), 0);
	assert_string_equal(url.path, "data/mysaas.db");
	db_url_cleanup(&url);
}

static void
test_postgres(void **state)
{
	struct db_url url;
	char          err[256] = "";

	(void)state;
	assert_int_equal(parse("postgres://app:s3cret@db.internal:5433/mysaas",
	                     &url, err, sizeof(err)),
	    0);
	assert_int_equal(url.kind, DB_POSTGRES);
	assert_string_equal(url.conninfo,
	    "postgres://app:s3cret@db.internal:5433/mysaas");
	assert_string_equal(url.display,
	    "postgres://app:***@db.internal:5433/mysaas");
	db_url_cleanup(&url);
}

static void
test_sqlite_url(void **state)
{
	struct db_url url;
	char          err[256] = "";

	(void)state;
	assert_int_equal(parse("sqlite:///var/lib/mysaas/db.sqlite", &url, err,
	                     sizeof(err)),
	    0);
	assert_int_equal(url.kind, DB_SQLITE);
	assert_string_equal(url.path, "/var/lib/mysaas/db.sqlite");
	db_url_cleanup(&url);
}

/* value is refused with "DATABASE_URL: ..." containing want. */
static void
assert_refused(const char *value, const char *want)
{
	struct db_url url;
	char          err[512] = "";

	if (parse(value, &url, err, sizeof(err)) != -1) {
		db_url_cleanup(&url);
		fail_msg("\"%s\" accepted", value);
	}
	assert_null(url.path);
	assert_null(url.conninfo);
	if (strncmp(err, "DATABASE_URL: ", 14) != 0)
		fail_msg("error for \"%s\" does not name DATABASE_URL: \"%s\"",
		    value, err);
	if (strstr(err, want) == NULL)
		fail_msg("error for \"%s\" lacks \"%s\": \"%s\"", value, want,
		    err);
}

static void
test_bad_database_url(void **state)
{
	(void)state;
	assert_refused("mysql://u:p@h/db", "unknown scheme");
	assert_refused("sqlite:", "empty");
	assert_refused("sqlite::memory:", "in-memory");
	assert_refused("postgres://h/db?nosuch=1", "nosuch");
}

/* The startup error line must not carry the database password. */
static void
test_error_hides_password(void **state)
{
	struct db_url url;
	char          err[512] = "";

	(void)state;
	assert_int_equal(parse("postgres://app:s3cret@[::1/mysaas", &url, err,
	                     sizeof(err)),
	    -1);
	assert_true(strncmp(err, "DATABASE_URL: ", 14) == 0);
	if (strstr(err, "s3cret") != NULL)
		fail_msg("password in the error: \"%s\"", err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_is_sqlite),
	    cmocka_unit_test(test_postgres),
	    cmocka_unit_test(test_sqlite_url),
	    cmocka_unit_test(test_bad_database_url),
	    cmocka_unit_test(test_error_hides_password),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
