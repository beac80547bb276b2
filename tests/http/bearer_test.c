/*
 * Unit tests for src/http/bearer.c: the Bearer scheme in any case, white
 * space around the token, a bare value, and other schemes ignored.
 */
#include "http/bearer.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* The token of header, or NULL; kept in a static buffer. */
static const char *
token(const char *header)
{
	static char out[256];
	struct str  t;

	if (!bearer_token(str_from_cstr(header), &t))
		return NULL;
	assert_true(t.len > 0 && t.len < sizeof(out));
	memcpy(out, t.p, t.len);
	out[t.len] = '\0';
	return out;
}

static void
test_scheme_in_any_case(void **state)
{
	(void)state;
	assert_string_equal(token("Bearer tok"), "tok");
	assert_string_equal(token("bearer tok"), "tok");
	assert_string_equal(token("BEARER tok"), "tok");
	assert_string_equal(token("bEaReR tok"), "tok");
}

static void
test_white_space_ignored(void **state)
{
	(void)state;
	assert_string_equal(token("bearer   tok  "), "tok");
	assert_string_equal(token("  Bearer tok"), "tok");
	assert_string_equal(token("Bearer\ttok\t"), "tok");
	assert_string_equal(token(" \t Bearer \t tok \t "), "tok");
	/* Inside the token, a space stays (and fails verification). */
	assert_string_equal(token("Bearer a b"), "a b");
}

/* A single value with no space is the token, as Clerk's SDK reads it. */
static void
test_bare_value(void **state)
{
	(void)state;
	assert_string_equal(token("tok"), "tok");
	assert_string_equal(token("  tok  "), "tok");
	assert_string_equal(token("Bearer"), "Bearer");
	assert_string_equal(token("Bearer "), "Bearer");
}

static void
test_other_schemes_and_empty(void **state)
{
	(void)state;
	assert_null(token("Basic dXNlcjpwYXNz"));
	assert_null(token("Token tok"));
	assert_null(token("Bearerx tok"));
	assert_null(token("Bear tok"));
	assert_null(token(""));
	assert_null(token("   "));
	assert_null(token("\t"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_scheme_in_any_case),
	    cmocka_unit_test(test_white_space_ignored),
	    cmocka_unit_test(test_bare_value),
	    cmocka_unit_test(test_other_schemes_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
