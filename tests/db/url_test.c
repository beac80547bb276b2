/*
 * Unit tests for src/db/url.c: DATABASE_URL schemes, the loggable display
 * form, and refusals with a reason.
 */
#include "db/url.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* s is refused with an error containing want; url is left empty. */
#define ASSERT_REFUSED(s, want) assert_refused((s), (want), __LINE__)

static void
assert_refused(const char *s, const char *want, int line)
{
	struct db_url u;
	char          err[512] = "";
	int           rc;
	bool          empty;

	rc = db_url_parse(s, &u, err, sizeof(err));
	empty = u.path == NULL && u.conninfo == NULL && u.display == NULL;
	db_url_cleanup(&u);
	if (rc != -1)
		fail_msg("line %d: \"%s\" accepted", line, s);
	if (!empty)
		fail_msg("line %d: \"%s\" refused but url not empty", line, s);
	if (strstr(err, want) == NULL)
		fail_msg("line %d: \"%s\": error \"%s\" lacks \"%s\"", line, s,
		    err, want);
}

/*
 * Parses a postgres URL and copies its display form into display, freeing
 * everything before returning, so a failed assertion leaks nothing.
 */
static int
pg_display(const char *s, char *display, size_t len)
{
	struct db_url u;
	char          err[512] = "";
	int           rc;

	display[0] = '\0';
	rc = db_url_parse(s, &u, err, sizeof(err));
	if (rc == 0) {
		assert_int_equal(u.kind, DB_POSTGRES);
		assert_null(u.path);
		assert_string_equal(u.conninfo, s);
		(void)snprintf(display, len, "%s", u.display);
	}
	db_url_cleanup(&u);
	return rc;
}

static void
test_sqlite_relative(void **state)
{
	struct db_url u;
	char          err[128] = "";

	(void)state;
	assert_int_equal(db_url_parse("sqlite:data/mysaas.db", &u, err,
	                     sizeof(err)),
	    0);
	assert_int_equal(u.kind, DB_SQLITE);
	assert_string_equal(u.path, "data/mysaas.db");
	assert_string_equal(u.display, "data/mysaas.db");
	assert_null(u.conninfo);
	db_url_cleanup(&u);
	assert_null(u.path);
	assert_null(u.display);
	db_url_cleanup(&u);
}

static void
test_sqlite_slashes(void **state)
{
	struct db_url u;
	char          err[128] = "";

	(void)state;
	assert_int_equal(db_url_parse("sqlite:///var/lib/mysaas.db", &u, err,
	                     sizeof(err)),
	    0);
	assert_int_equal(u.kind, DB_SQLITE);
	assert_string_equal(u.path, "/var/lib/mysaas.db");
	db_url_cleanup(&u);
	assert_int_equal(db_url_parse("sqlite://rel.db", &u, err, sizeof(err)),
	    0);
	assert_string_equal(u.path, "rel.db");
	db_url_cleanup(&u);
	assert_int_equal(db_url_parse("sqlite:/abs.db", &u, err, sizeof(err)),
	    0);
	assert_string_equal(u.path, "/abs.db");
	db_url_cleanup(&u);
}

static void
test_sqlite_empty_refused(void **state)
{
	(void)state;
	ASSERT_REFUSED("sqlite:", "the SQLite path is empty");
	ASSERT_REFUSED("sqlite://", "the SQLite path is empty");
}

static void
test_sqlite_memory_refused(void **state)
{
	(void)state;
	ASSERT_REFUSED("sqlite::memory:", "in-memory");
	ASSERT_REFUSED("sqlite://:memory:", "in-memory");
}

static void
test_postgres_display(void **state)
{
	char d[256];

	(void)state;
	assert_int_equal(pg_display("postgres://app:s3cret@db.example.com:5432"
	                            "/mysaas",
	                     d, sizeof(d)),
	    0);
	assert_string_equal(d, "postgres://app:***@db.example.com:5432/mysaas");
	assert_null(strstr(d, "s3cret"));
	assert_int_equal(pg_display("postgres://app@localhost/mysaas", d,
	                     sizeof(d)),
	    0);
	assert_string_equal(d, "postgres://app@localhost/mysaas");
	assert_int_equal(pg_display("postgres://localhost", d, sizeof(d)), 0);
	assert_string_equal(d, "postgres://localhost");
}

static void
test_postgresql_scheme(void **state)
{
	char d[256];

	(void)state;
	assert_int_equal(pg_display("postgresql://app:pw@h:5433/db", d,
	                     sizeof(d)),
	    0);
	assert_string_equal(d, "postgres://app:***@h:5433/db");
}

static void
test_password_never_displayed(void **state)
{
	char d[256];

	(void)state;
	/* Percent-encoded in the URL. */
	assert_int_equal(pg_display("postgres://app:p%40ss%3Aw0rd@h/db", d,
	                     sizeof(d)),
	    0);
	assert_string_equal(d, "postgres://app:***@h/db");
	assert_null(strstr(d, "p@ss"));
	assert_null(strstr(d, "w0rd"));
	/* As a query parameter. */
	assert_int_equal(pg_display("postgres://app@h/db?password=qsecret"
	                            "&sslmode=require",
	                     d, sizeof(d)),
	    0);
	assert_string_equal(d, "postgres://app:***@h/db");
	assert_null(strstr(d, "qsecret"));
}

/* Without a user name the display still separates "***" from the host. */
static void
test_password_without_user_display(void **state)
{
	char d[256];

	(void)state;
	assert_int_equal(pg_display("postgres://:s3cret@h/db", d, sizeof(d)),
	    0);
	assert_null(strstr(d, "s3cret"));
	assert_string_equal(d, "postgres://:***@h/db");
}

static void
test_postgres_malformed_refused(void **state)
{
	(void)state;
	ASSERT_REFUSED("postgres://h/db?nosuch=1", "nosuch");
	ASSERT_REFUSED("postgres://u@[::1/db", "]");
	ASSERT_REFUSED("postgres://u@h/db%zz", "percent");
}

/* libpq keeps the port as text; a non-numeric one must still be refused. */
static void
test_postgres_bad_port_refused(void **state)
{
	(void)state;
	ASSERT_REFUSED("postgres://app:pw@db:abc/mysaas", "port");
	ASSERT_REFUSED("postgres://app:pw@db:99999/mysaas", "port");
}

/* The reason is logged at startup, so it must not echo the password. */
static void
test_error_hides_password(void **state)
{
	static const char *const urls[] = {
	    "postgres://app:s3cret@[::1/mysaas",
	    "postgres://app:s3cr%zzet@db/mysaas",
	};
	struct db_url u;
	char          err[512];
	size_t        i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(urls); i++) {
		err[0] = '\0';
		assert_int_equal(db_url_parse(urls[i], &u, err, sizeof(err)),
		    -1);
		db_url_cleanup(&u);
		assert_true(err[0] != '\0');
		if (strstr(err, "s3cr") != NULL)
			fail_msg("password in the error: \"%s\"", err);
	}
}

static void
test_error_has_no_trailing_newline(void **state)
{
	struct db_url u;
	char          err[512] = "";
	size_t        n;

	(void)state;
	assert_int_equal(db_url_parse("postgres://h/db?nosuch=1", &u, err,
	                     sizeof(err)),
	    -1);
	db_url_cleanup(&u);
	n = strlen(err);
	assert_true(n > 0);
	assert_true(err[n - 1] != '\n' && err[n - 1] != ' ');
}

static void
test_unknown_scheme_refused(void **state)
{
	(void)state;
	ASSERT_REFUSED("mysql://u:p@h/db", "unknown scheme");
	ASSERT_REFUSED("", "unknown scheme");
	ASSERT_REFUSED("data/mysaas.db", "unknown scheme");
	ASSERT_REFUSED("SQLITE:x.db", "unknown scheme");
	ASSERT_REFUSED("postgres:/h/db", "unknown scheme");
	ASSERT_REFUSED("postgres:h", "unknown scheme");
	ASSERT_REFUSED("pg://h/db", "unknown scheme");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sqlite_relative),
	    cmocka_unit_test(test_sqlite_slashes),
	    cmocka_unit_test(test_sqlite_empty_refused),
	    cmocka_unit_test(test_sqlite_memory_refused),
	    cmocka_unit_test(test_postgres_display),
	    cmocka_unit_test(test_postgresql_scheme),
	    cmocka_unit_test(test_password_never_displayed),
	    cmocka_unit_test(test_password_without_user_display),
	    cmocka_unit_test(test_postgres_malformed_refused),
	    cmocka_unit_test(test_postgres_bad_port_refused),
	    cmocka_unit_test(test_error_hides_password),
	    cmocka_unit_test(test_error_has_no_trailing_newline),
	    cmocka_unit_test(test_unknown_scheme_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
