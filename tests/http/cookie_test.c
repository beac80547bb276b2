/*
 * Unit tests for src/http/cookie.c: names compared exactly (RFC 6265 names
 * are case-sensitive), the first of a name winning, spaces around pairs,
 * quoted values, and pairs that are not pairs.
 */
#include "http/cookie.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* The value of name in header, or NULL; kept in a static buffer. */
static const char *
find(const char *header, const char *name)
{
	static char out[256];
	struct str  v;

	if (!cookie_find(str_from_cstr(header), name, &v))
		return NULL;
	assert_true(v.len < sizeof(out));
	memcpy(out, v.p, v.len);
	out[v.len] = '\0';
	return out;
}

static void
test_finds_by_exact_name(void **state)
{
	(void)state;
	assert_string_equal(find("__session=abc", "__session"), "abc");
	assert_string_equal(find("a=1; __session=abc; b=2", "__session"),
	    "abc");
	assert_string_equal(find("a=1;b=2", "b"), "2");
	/* Case matters; a longer or shorter name is another cookie. */
	assert_null(find("__Session=abc", "__session"));
	assert_null(find("__SESSION=abc", "__session"));
	assert_null(find("__session_x=abc", "__session"));
	assert_null(find("session=abc", "__session"));
	assert_null(find("x__session=abc", "__session"));
	assert_null(find("", "__session"));
	assert_string_equal(find("__Session=A; __session=B", "__session"), "B");
	assert_string_equal(find("__Session=A; __session=B", "__Session"), "A");
}

static void
test_first_of_a_name_wins(void **state)
{
	(void)state;
	assert_string_equal(find("a=1; a=2", "a"), "1");
	assert_string_equal(find("a=; a=2", "a"), "");
}

static void
test_spaces_and_empty_parts(void **state)
{
	(void)state;
	assert_string_equal(find("  a = 1 ;  b\t=\t2  ", "a"), "1");
	assert_string_equal(find("  a = 1 ;  b\t=\t2  ", "b"), "2");
	assert_string_equal(find(";;a=1;;", "a"), "1");
	assert_string_equal(find("a=", "a"), "");
	/* Only the first '=' splits: a value may hold more. */
	assert_string_equal(find("t=x.y=z==", "t"), "x.y=z==");
	/* A part without '=' is no cookie, and hides none. */
	assert_null(find("a", "a"));
	assert_string_equal(find("a; a=1", "a"), "1");
	assert_null(find("=1", ""));
}

static void
test_quoted_values(void **state)
{
	(void)state;
	assert_string_equal(find("a=\"1 2\"", "a"), "1 2");
	assert_string_equal(find("a=\"\"", "a"), "");
	assert_string_equal(find("a= \"x\" ", "a"), "x");
	/* Not a quoted string: kept as it is. */
	assert_string_equal(find("a=\"", "a"), "\"");
	assert_string_equal(find("a=\"x", "a"), "\"x");
	assert_string_equal(find("a=x\"", "a"), "x\"");
}

static void
test_null_header(void **state)
{
	struct str v;

	(void)state;
	assert_false(cookie_find(STR_NULL, "a", &v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_finds_by_exact_name),
	    cmocka_unit_test(test_first_of_a_name_wins),
	    cmocka_unit_test(test_spaces_and_empty_parts),
	    cmocka_unit_test(test_quoted_values),
	    cmocka_unit_test(test_null_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
