/*
 * Unit tests for src/cli/common.c: DATABASE_URL as the commands read it,
 * parsed by cli_database_url() and refused with a line that names the
 * variable. The configuration keeps the text (tests/core/config_test.c).
 */
#include "cli/cli.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* A configuration lookup that gives every variable the value ctx. */
static const char *
lookup_all(const char *name, void *ctx)
{
	(void)name;
	return ctx;
}

/* The URL of a configuration whose variables are all unset or "". */
static void
parse_default(char *value)
{
	struct config cfg;
	struct db_url url;
	char          err[256] = "";

	assert_int_equal(config_parse(&cfg, lookup_all, value, err,
	                     sizeof(err)),
	    0);
	assert_int_equal(cli_database_url(cfg.database_url, &url, err,
	                     sizeof(err)),
	    0);
	assert_int_equal(url.kind, DB_SQLITE);
	assert_string_equal(url.path, "data/mysaas.db");
	assert_null(url.conninfo);
	db_url_cleanup(&url);
	config_cleanup(&cfg);
}

static void
test_default_is_sqlite(void **state)
{
	static char empty[] = "";

	(void)state;
	parse_default(NULL);
	parse_default(empty);
}

static void
test_postgres(void **state)
{
	struct db_url url;
	char          err[256] = "";

	(void)state;
	assert_int_equal(cli_database_url("postgres://"
	                                  "app:s3cret@db.internal:5433/mysaas",
	                     &url, err, sizeof(err)),
	    0);
	assert_int_equal(url.kind, DB_POSTGRES);
	assert_string_equal(url.conninfo,
	    "postgres://app:s3cret@db.internal:5433/mysaas");
	assert_string_equal(url.display,
	    "postgres://app:***@db.internal:5433/mysaas");
	db_url_cleanup(&url);
	assert_int_equal(cli_database_url("sqlite:///var/lib/mysaas/db.sqlite",
	                     &url, err, sizeof(err)),
	    0);
	assert_int_equal(url.kind, DB_SQLITE);
	assert_string_equal(url.path, "/var/lib/mysaas/db.sqlite");
	db_url_cleanup(&url);
}

/*
 * text is refused with "DATABASE_URL: ..." containing want and not
 * secret (NULL: no check); url is left empty.
 */
static void
assert_refused(const char *text, const char *want, const char *secret)
{
	struct db_url url;
	char          err[512] = "";

	if (cli_database_url(text, &url, err, sizeof(err)) != -1) {
		db_url_cleanup(&url);
		fail_msg("\"%s\" accepted", text);
	}
	assert_null(url.path);
	assert_null(url.conninfo);
	if (strncmp(err, "DATABASE_URL: ", 14) != 0 ||
	    strstr(err, want) == NULL)
		fail_msg("error for \"%s\": \"%s\" (want DATABASE_URL: ... %s)",
		    text, err, want);
	if (secret != NULL && strstr(err, secret) != NULL)
		fail_msg("password in the error: \"%s\"", err);
}

static void
test_bad_database_url(void **state)
{
	(void)state;
	assert_refused("mysql://u:p@h/db", "unknown scheme", NULL);
	assert_refused("sqlite:", "empty", NULL);
	assert_refused("sqlite::memory:", "in-memory", NULL);
	assert_refused("postgres://h/db?nosuch=1", "nosuch", NULL);
	/* The startup error line must not carry the database password. */
	assert_refused("postgres://app:s3cret@[::1/mysaas", "", "s3cret");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_is_sqlite),
	    cmocka_unit_test(test_postgres),
	    cmocka_unit_test(test_bad_database_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
