/*
 * Unit tests for src/admin/util.c: URL encoding, LIKE escaping, redirect
 * targets, the Origin/Referer match, token comparison, text, email and
 * role checks, timestamp display and the throttle window.
 */
#include "admin/util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void
check_enc(const char *in, bool keep_slash, const char *want)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(admin_urlencode(&b, in, keep_slash), 0);
	assert_string_equal(b.data != NULL ? b.data : "", want);
	buf_cleanup(&b);
}

static void
test_urlencode(void **state)
{
	(void)state;
	check_enc("", false, "");
	check_enc("abcXYZ019-._~", false, "abcXYZ019-._~");
	check_enc("a b&c=d", false, "a%20b%26c%3Dd");
	check_enc("/admin/users/", false, "%2Fadmin%2Fusers%2F");
	check_enc("/admin/users/", true, "/admin/users/");
	check_enc("' OR 1=1 --", false, "%27%20OR%201%3D1%20--");
	check_enc("\xE2\x9C\x93\n#?%", false, "%E2%9C%93%0A%23%3F%25");
}

static void
test_urlencode_full_buffer(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	assert_int_equal(admin_urlencode(&b, "a b c", false), -1);
	buf_cleanup(&b);
}

static void
check_like(const char *term, const char *want)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(admin_like_contains(&b, term, strlen(term)), 0);
	assert_string_equal(b.data, want);
	buf_cleanup(&b);
}

static void
test_like_escapes_metacharacters(void **state)
{
	(void)state;
	check_like("", "%%");
	check_like("alice", "%alice%");
	check_like("100%", "%100\\%%");
	check_like("a_b", "%a\\_b%");
	check_like("back\\slash", "%back\\\\slash%");
	check_like("' OR 1=1 --", "%' OR 1=1 --%");
	check_like("%_\\", "%\\%\\_\\\\%");
}

static void
test_next(void **state)
{
	(void)state;
	assert_true(admin_next_ok("/admin/"));
	assert_true(admin_next_ok("/admin/users/user/?q=a%20b"));
	assert_true(admin_next_ok("/"));
	assert_false(admin_next_ok(NULL));
	assert_false(admin_next_ok(""));
	assert_false(admin_next_ok("//evil.example/"));
	assert_false(admin_next_ok("/\\evil.example"));
	assert_false(admin_next_ok("https://evil.example/"));
	assert_false(admin_next_ok("javascript:alert(1)"));
	assert_false(admin_next_ok("/\t/evil.example"));
	assert_false(admin_next_ok("/admin/\n"));
	assert_false(admin_next_ok("/a b"));
	assert_false(admin_next_ok("/admin/\\x"));
	assert_false(admin_next_ok(" /admin/"));
}

static void
test_origin(void **state)
{
	(void)state;
	assert_true(admin_origin_matches("http://127.0.0.1:8000", false, "http",
	    "127.0.0.1:8000"));
	assert_true(admin_origin_matches("HTTP://Example.COM", false, "http",
	    "example.com"));
	assert_true(admin_origin_matches("https://example.com", false, "https",
	    "example.com"));
	assert_false(admin_origin_matches("http://example.com", false, "https",
	    "example.com"));
	assert_false(admin_origin_matches("https://example.com", false, "http",
	    "example.com"));
	assert_false(admin_origin_matches("http://example.com.evil.io", false,
	    "http", "example.com"));
	assert_false(admin_origin_matches("http://example.com:81", false,
	    "http", "example.com"));
	assert_false(admin_origin_matches("http://example.com/", false, "http",
	    "example.com"));
	assert_false(
	    admin_origin_matches("null", false, "http", "example.com"));
	assert_false(admin_origin_matches("http://evil.io", false, "http",
	    "example.com"));
	assert_false(admin_origin_matches(NULL, false, "http", "example.com"));
	assert_false(admin_origin_matches("http://", false, "http", ""));
	assert_false(
	    admin_origin_matches("http://example.com", false, "http", NULL));
	/* Referer: the origin, then a path or nothing. */
	assert_true(admin_origin_matches("http://example.com/admin/x", true,
	    "http", "example.com"));
	assert_true(admin_origin_matches("http://example.com", true, "http",
	    "example.com"));
	assert_false(admin_origin_matches("http://example.com.evil.io/admin/",
	    true, "http", "example.com"));
	assert_false(admin_origin_matches("http://example.com@evil.io/", true,
	    "http", "example.com"));
	assert_false(admin_origin_matches("http://example.com:8000/", true,
	    "http", "example.com"));
}

static void
test_token_eq(void **state)
{
	char a[65], b[65];

	(void)state;
	memset(a, 'a', 64);
	a[64] = '\0';
	memcpy(b, a, sizeof(a));
	assert_true(admin_token_eq(a, b));
	b[63] = 'b';
	assert_false(admin_token_eq(a, b));
	b[63] = 'a';
	b[0] = 'b';
	assert_false(admin_token_eq(a, b));
	assert_false(admin_token_eq(a, "aaaa"));
	assert_false(admin_token_eq("", ""));
	assert_false(admin_token_eq(NULL, a));
	assert_false(admin_token_eq(a, NULL));
}

static void
test_is_hex(void **state)
{
	(void)state;
	assert_true(admin_is_hex("0123456789abcdef", 16));
	assert_false(admin_is_hex("0123456789ABCDEF", 16));
	assert_false(admin_is_hex("0123456789abcdeff", 16));
	assert_false(admin_is_hex("0123456789abcde", 16));
	assert_false(admin_is_hex("0123456789abcdeg", 16));
	assert_false(admin_is_hex(NULL, 16));
}

static void
test_text(void **state)
{
	(void)state;
	assert_true(admin_text_ok("plain", 5, false));
	assert_true(admin_text_ok("", 0, false));
	assert_true(admin_text_ok("caf\xC3\xA9 \xF0\x9F\x98\x80", 10, false));
	assert_true(admin_text_ok("<img src=x onerror=alert(1)>", 28, false));
	assert_false(admin_text_ok("a\0b", 3, false));
	assert_false(admin_text_ok("a\nb", 3, false));
	assert_true(admin_text_ok("a\r\nb\tc", 6, true));
	assert_false(admin_text_ok("a\x7f", 2, true));
	assert_false(admin_text_ok("\xC3", 1, false));         /* truncated */
	assert_false(admin_text_ok("\xC0\xAF", 2, false));     /* overlong */
	assert_false(admin_text_ok("\xED\xA0\x80", 3, false)); /* surrogate */
	assert_false(
	    admin_text_ok("\xF4\x90\x80\x80", 4, false)); /* > U+10FFFF */
	assert_false(admin_text_ok("\xFF", 1, false));
}

static void
test_email(void **state)
{
	char long_email[300];

	(void)state;
	assert_true(admin_email_ok("a@b"));
	assert_true(admin_email_ok("first.last+tag@example.co.uk"));
	assert_false(admin_email_ok(NULL));
	assert_false(admin_email_ok(""));
	assert_false(admin_email_ok("no-at"));
	assert_false(admin_email_ok("@b"));
	assert_false(admin_email_ok("a@"));
	assert_false(admin_email_ok("a@b@c"));
	assert_false(admin_email_ok("a b@c"));
	assert_false(admin_email_ok("<a>@c"));
	assert_false(admin_email_ok("a@c\n"));
	memset(long_email, 'a', sizeof(long_email));
	long_email[100] = '@';
	long_email[299] = '\0';
	assert_false(admin_email_ok(long_email));
}

static void
test_role(void **state)
{
	(void)state;
	assert_true(admin_role_ok("org:admin"));
	assert_true(admin_role_ok("org:member"));
	assert_true(admin_role_ok("org:billing_manager-2:x"));
	assert_false(admin_role_ok(NULL));
	assert_false(admin_role_ok("admin"));
	assert_false(admin_role_ok("org:"));
	assert_false(admin_role_ok("org:a b"));
	assert_false(admin_role_ok("org:<b>"));
	assert_false(admin_role_ok("ORG:admin"));
	assert_false(
	    admin_role_ok("org:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                  "aaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void
test_time_display(void **state)
{
	char out[ADMIN_TIME_SIZE];

	(void)state;
	admin_time_display("2026-11-26T20:10:27.123Z", out);
	assert_string_equal(out, "2026-11-26 20:10:27 UTC");
	admin_time_display("2026-11-26 20:10:27.123456+00", out);
	assert_string_equal(out, "2026-11-26 20:10:27 UTC");
	admin_time_display("2026-11-26 20:10:27+00", out);
	assert_string_equal(out, "2026-11-26 20:10:27 UTC");
	admin_time_display("yesterday", out);
	assert_string_equal(out, "yesterday");
	admin_time_display("2026-11-26X20:10:27", out);
	assert_string_equal(out, "2026-11-26X20:10:27");
	admin_time_display(NULL, out);
	assert_string_equal(out, "");
}

static void
test_throttle(void **state)
{
	char since[ISO_TIME_SIZE];

	(void)state;
	assert_false(admin_throttled(0, 0));
	assert_false(
	    admin_throttled(ADMIN_THROTTLE_MAX - 1, ADMIN_THROTTLE_MAX - 1));
	assert_true(admin_throttled(ADMIN_THROTTLE_MAX, 0));
	assert_true(admin_throttled(0, ADMIN_THROTTLE_MAX));
	assert_true(admin_throttled(100, 100));
	/* The window is 15 minutes back from now. */
	admin_throttle_since(INT64_C(1764187827123), since);
	assert_string_equal(since, "2025-11-26T19:55:27.123Z");
	admin_throttle_since(INT64_C(900000), since);
	assert_string_equal(since, "1970-01-01T00:00:00.000Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_urlencode),
	    cmocka_unit_test(test_urlencode_full_buffer),
	    cmocka_unit_test(test_like_escapes_metacharacters),
	    cmocka_unit_test(test_next),
	    cmocka_unit_test(test_origin),
	    cmocka_unit_test(test_token_eq),
	    cmocka_unit_test(test_is_hex),
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_email),
	    cmocka_unit_test(test_role),
	    cmocka_unit_test(test_time_display),
	    cmocka_unit_test(test_throttle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
