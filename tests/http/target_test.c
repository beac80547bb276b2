/*
 * Unit tests for src/http/target.c: control bytes, raw or %-escaped, in
 * the path and in query argument names; %00 in values.
 */
#include "http/target.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static int
check(const char *s)
{
	return target_check(str_from_cstr(s));
}

static void
test_ordinary_targets(void **state)
{
	static const char *const ok[] = {
	    "/",
	    "/api/v1/health",
	    "/docs/swagger-ui.css",
	    "/api/v1/organizations?limit=10&offset=20",
	    "/search?q=a%20b&x=%7E",
	    "/a%2Fb",
	    "/%zz%4",      /* not escapes: kept literally */
	    "/p?q=%0A%09", /* control bytes in a value are text */
	    "/p?=v&&a",    /* empty names */
	    "/p?q=a=b%0D", /* '=' inside a value */
	    "/%7e%C3%A9",  /* upper- and lower-case hex, UTF-8 */
	    "/p?a+b=1",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (check(ok[i]) != 0)
			fail_msg("refused: %s", ok[i]);
}

static void
test_escaped_control_bytes(void **state)
{
	static const char *const bad[] = {
	    "/api/v1/health%00",
	    "/docs/swagger-ui.css%00.png",
	    "/a%0ab",
	    "/a%0Ab",
	    "/a%0d",
	    "/a%1F",
	    "/a%7f",
	    "/a%7F?x=1",
	    "/p?a%00b=1",
	    "/p?ok=1&a%0a=2",
	    "/p?a%7f",
	    "/p?q=%00",
	    "/p?q=1&r=x%00y",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (check(bad[i]) != -1)
			fail_msg("accepted: %s", bad[i]);
}

static void
test_raw_control_bytes(void **state)
{
	static const char        raw_nul[] = "/api/v1/health\0x";
	static const char *const bad[] = {
	    "/a\tb",
	    "/a\rb",
	    "/a\x01",
	    "/a\x7f",
	    "/p?q=a\x1b",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (check(bad[i]) != -1)
			fail_msg("accepted raw byte in: %s", bad[i]);
	assert_int_equal(target_check(
	                     (struct str){raw_nul, sizeof(raw_nul) - 1}),
	    -1);
	/* Bytes past len are not looked at. */
	assert_int_equal(target_check((struct str){raw_nul, 14}), 0);
}

static void
test_escape_at_the_end(void **state)
{
	(void)state;
	assert_int_equal(check("/a%0"), 0);
	assert_int_equal(check("/a%"), 0);
	assert_int_equal(check("/a%00"), -1);
	assert_int_equal(target_check((struct str){"/a%00", 4}), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ordinary_targets),
	    cmocka_unit_test(test_escaped_control_bytes),
	    cmocka_unit_test(test_raw_control_bytes),
	    cmocka_unit_test(test_escape_at_the_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
