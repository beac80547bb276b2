/*
 * Unit tests for src/core/str.c: length-carrying comparisons and checked
 * integer parsing.
 */
#include "core/str.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define SENTINEL INT64_C(0x5a5a5a5a)

/* Macros, not functions, so that a failure reports the caller's line. */
#define ASSERT_PARSES(s, min, max, want)                                    \
	do {                                                                \
		int64_t v_ = SENTINEL;                                      \
		assert_int_equal(str_to_i64(str_from_cstr(s), (min), (max), \
		                     &v_),                                  \
		    0);                                                     \
		assert_true(v_ == (want));                                  \
	} while (0)

/* s is refused and the output is left untouched. */
#define ASSERT_REFUSED(s, min, max)                                         \
	do {                                                                \
		int64_t v_ = SENTINEL;                                      \
		assert_int_equal(str_to_i64(str_from_cstr(s), (min), (max), \
		                     &v_),                                  \
		    -1);                                                    \
		assert_true(v_ == SENTINEL);                                \
	} while (0)

static void
test_from_cstr(void **state)
{
	struct str s;

	(void)state;
	s = str_from_cstr("abc");
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.p, "abc", 3);
	s = str_from_cstr(NULL);
	assert_non_null(s.p);
	assert_int_equal(s.len, 0);
	s = str_from_cstr("");
	assert_int_equal(s.len, 0);
}

static void
test_to_i64_plain(void **state)
{
	(void)state;
	ASSERT_PARSES("0", INT64_MIN, INT64_MAX, 0);
	ASSERT_PARSES("42", INT64_MIN, INT64_MAX, 42);
	ASSERT_PARSES("-42", INT64_MIN, INT64_MAX, -42);
	ASSERT_PARSES("007", 0, 100, 7);
	/* 20 characters is the longest accepted input. */
	ASSERT_PARSES("00000000000000000042", 0, 100, 42);
}

static void
test_to_i64_bounds(void **state)
{
	(void)state;
	ASSERT_PARSES("1", 1, 10, 1);
	ASSERT_PARSES("10", 1, 10, 10);
	ASSERT_REFUSED("0", 1, 10);
	ASSERT_REFUSED("11", 1, 10);
	ASSERT_PARSES("-5", -5, 5, -5);
	ASSERT_REFUSED("-6", -5, 5);
	ASSERT_REFUSED("6", -5, 5);
	ASSERT_REFUSED("-1", 0, 100);
}

static void
test_to_i64_int64_limits(void **state)
{
	(void)state;
	ASSERT_PARSES("9223372036854775807", INT64_MIN, INT64_MAX, INT64_MAX);
	ASSERT_PARSES("-9223372036854775808", INT64_MIN, INT64_MAX, INT64_MIN);
	ASSERT_PARSES("+9223372036854775807", INT64_MIN, INT64_MAX, INT64_MAX);
}

static void
test_to_i64_overflow_by_one(void **state)
{
	(void)state;
	ASSERT_REFUSED("9223372036854775808", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("-9223372036854775809", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("+9223372036854775808", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("18446744073709551616", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("99999999999999999999", INT64_MIN, INT64_MAX);
}

static void
test_to_i64_too_long(void **state)
{
	(void)state;
	/* 21 digits, even when the value itself would fit. */
	ASSERT_REFUSED("000000000000000000001", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("123456789012345678901", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("-000000000000000000001", INT64_MIN, INT64_MAX);
}

static void
test_to_i64_signs_signed_range(void **state)
{
	(void)state;
	ASSERT_PARSES("-0", INT64_MIN, INT64_MAX, 0);
	ASSERT_PARSES("+5", INT64_MIN, INT64_MAX, 5);
	ASSERT_PARSES("+0", -1, 1, 0);
}

/* str.h: "signs on unsigned ranges ... are refused". */
static void
test_to_i64_plus_unsigned_range(void **state)
{
	(void)state;
	ASSERT_REFUSED("+5", 0, 100);
	ASSERT_REFUSED("+1", 1, 1024);
}

static void
test_to_i64_minus_zero_unsigned_range(void **state)
{
	(void)state;
	ASSERT_REFUSED("-0", 0, 100);
}

static void
test_to_i64_malformed(void **state)
{
	(void)state;
	ASSERT_REFUSED("", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("-", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("+", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("--1", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("+-1", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED(" 5", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("5 ", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("\t5", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("5\n", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("- 5", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("12a", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("a12", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("1.5", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("1e3", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("0x10", INT64_MIN, INT64_MAX);
	ASSERT_REFUSED("1_000", INT64_MIN, INT64_MAX);
}

static void
test_to_i64_uses_len(void **state)
{
	struct str s = {"123456", 3};
	struct str nul = {"1\0"
	                  "2",
	    3};
	struct str empty = {"7", 0};
	int64_t    v = SENTINEL;

	(void)state;
	assert_int_equal(str_to_i64(s, 0, 1000, &v), 0);
	assert_true(v == 123);
	v = SENTINEL;
	assert_int_equal(str_to_i64(nul, 0, 1000, &v), -1);
	assert_true(v == SENTINEL);
	assert_int_equal(str_to_i64(empty, 0, 1000, &v), -1);
	assert_true(v == SENTINEL);
	assert_int_equal(str_to_i64(STR_NULL, 0, 1000, &v), -1);
	assert_true(v == SENTINEL);
}

static void
test_eq(void **state)
{
	struct str a = {"abcdef", 3};
	struct str nul1 = {"a\0b", 3}, nul2 = {"a\0c", 3};

	(void)state;
	assert_true(str_eq(STR_LIT("abc"), STR_LIT("abc")));
	assert_true(str_eq(a, STR_LIT("abc")));
	assert_false(str_eq(STR_LIT("abc"), STR_LIT("abd")));
	assert_false(str_eq(STR_LIT("abc"), STR_LIT("ab")));
	assert_false(str_eq(STR_LIT("ab"), STR_LIT("abc")));
	assert_false(str_eq(STR_LIT("abc"), STR_LIT("ABC")));
	assert_true(str_eq(STR_LIT(""), STR_LIT("")));
	assert_true(str_eq(STR_NULL, STR_LIT("")));
	assert_true(str_eq(STR_NULL, STR_NULL));
	assert_false(str_eq(STR_NULL, STR_LIT("x")));
	assert_true(str_eq(nul1, nul1));
	assert_false(str_eq(nul1, nul2));
}

static void
test_eq_cstr(void **state)
{
	struct str a = {"abcdef", 3};

	(void)state;
	assert_true(str_eq_cstr(a, "abc"));
	assert_false(str_eq_cstr(a, "abcdef"));
	assert_false(str_eq_cstr(a, "ab"));
	assert_true(str_eq_cstr(STR_NULL, ""));
	assert_true(str_eq_cstr(STR_NULL, NULL));
	assert_false(str_eq_cstr(STR_LIT("a\0b"), "a"));
}

static void
test_eq_nocase(void **state)
{
	(void)state;
	assert_true(
	    str_eq_nocase(STR_LIT("Content-Type"), STR_LIT("content-type")));
	assert_true(str_eq_nocase(STR_LIT("ABCXYZ"), STR_LIT("abcxyz")));
	assert_true(str_eq_nocase(STR_LIT(""), STR_NULL));
	assert_false(str_eq_nocase(STR_LIT("abc"), STR_LIT("abcd")));
	assert_false(str_eq_nocase(STR_LIT("abc"), STR_LIT("abd")));
	/* Only A-Z fold: '@'/'`', '['/'{' and '^'/'~' differ by 0x20. */
	assert_false(str_eq_nocase(STR_LIT("@"), STR_LIT("`")));
	assert_false(str_eq_nocase(STR_LIT("["), STR_LIT("{")));
	assert_false(str_eq_nocase(STR_LIT("^"), STR_LIT("~")));
	/* Non-ASCII bytes are compared as they are (no Latin-1 folding). */
	assert_false(str_eq_nocase(STR_LIT("\xc4"), STR_LIT("\xe4")));
	assert_true(str_eq_nocase(STR_LIT("\xc4"), STR_LIT("\xc4")));
}

static void
test_has_prefix(void **state)
{
	struct str a = {"Bearer xyz", 6};

	(void)state;
	assert_true(str_has_prefix(STR_LIT("Bearer xyz"), "Bearer "));
	assert_true(str_has_prefix(STR_LIT("abc"), "abc"));
	assert_true(str_has_prefix(STR_LIT("abc"), ""));
	assert_true(str_has_prefix(STR_LIT(""), ""));
	assert_false(str_has_prefix(STR_LIT("abc"), "abcd"));
	assert_false(str_has_prefix(STR_LIT("bearer xyz"), "Bearer "));
	assert_false(str_has_prefix(STR_LIT(""), "a"));
	/* The length bounds the match, not a NUL. */
	assert_true(str_has_prefix(a, "Bearer"));
	assert_false(str_has_prefix(a, "Bearer "));
}

static void
test_is_utf8(void **state)
{
	(void)state;
	assert_true(str_is_utf8("", 0));
	assert_true(str_is_utf8("plain \t\n ascii", 15));
	assert_true(str_is_utf8("Zo\xc3\xab \xf0\x9f\x98\x80", 9));
	assert_false(str_is_utf8("A\xff"
	                         "B",
	    3));
	assert_false(str_is_utf8("\xc3", 1));         /* cut short */
	assert_false(str_is_utf8("\xc0\xaf", 2));     /* overlong */
	assert_false(str_is_utf8("\xed\xa0\x80", 3)); /* surrogate */
	/* Only len bytes count. */
	assert_true(str_is_utf8("ok\xff", 2));
}

static void
test_errno(void **state)
{
	char buf[128], tiny[4];

	(void)state;
	assert_ptr_equal(str_errno(ENOENT, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "No such file or directory");
	/* Too small for the message: a truncated, terminated string. */
	assert_ptr_equal(str_errno(ENOENT, tiny, sizeof(tiny)), tiny);
	assert_true(strlen(tiny) < sizeof(tiny));
}

/* Collects the items of s split on ',' as "[a][b]". */
static void
split_all(const char *s, char *out, size_t size)
{
	struct str rest = str_from_cstr(s), item;
	size_t     used = 0;
	int        n;

	out[0] = '\0';
	while (str_split_next(&rest, ',', &item)) {
		n = snprintf(out + used, size - used, "[%.*s]", (int)item.len,
		    item.p);
		assert_true(n >= 0 && (size_t)n < size - used);
		used += (size_t)n;
	}
}

static void
test_split_next(void **state)
{
	struct str rest = STR_NULL, item;
	char       got[64];

	(void)state;
	/* JavaScript's "...".split(","). */
	split_all("a,b", got, sizeof(got));
	assert_string_equal(got, "[a][b]");
	split_all("", got, sizeof(got));
	assert_string_equal(got, "[]");
	split_all("a,", got, sizeof(got));
	assert_string_equal(got, "[a][]");
	split_all(",,x", got, sizeof(got));
	assert_string_equal(got, "[][][x]");
	split_all(" a , b ", got, sizeof(got));
	assert_string_equal(got, "[ a ][ b ]");
	/* Nothing left: no item. */
	assert_false(str_split_next(&rest, ',', &item));
	/* The length bounds the text, not a NUL. */
	rest = (struct str){"x,y,z", 3};
	assert_true(str_split_next(&rest, ',', &item));
	assert_true(str_eq_cstr(item, "x"));
	assert_true(str_split_next(&rest, ',', &item));
	assert_true(str_eq_cstr(item, "y"));
	assert_false(str_split_next(&rest, ',', &item));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_from_cstr),
	    cmocka_unit_test(test_to_i64_plain),
	    cmocka_unit_test(test_to_i64_bounds),
	    cmocka_unit_test(test_to_i64_int64_limits),
	    cmocka_unit_test(test_to_i64_overflow_by_one),
	    cmocka_unit_test(test_to_i64_too_long),
	    cmocka_unit_test(test_to_i64_signs_signed_range),
	    cmocka_unit_test(test_to_i64_plus_unsigned_range),
	    cmocka_unit_test(test_to_i64_minus_zero_unsigned_range),
	    cmocka_unit_test(test_to_i64_malformed),
	    cmocka_unit_test(test_to_i64_uses_len),
	    cmocka_unit_test(test_eq),
	    cmocka_unit_test(test_eq_cstr),
	    cmocka_unit_test(test_eq_nocase),
	    cmocka_unit_test(test_has_prefix),
	    cmocka_unit_test(test_is_utf8),
	    cmocka_unit_test(test_errno),
	    cmocka_unit_test(test_split_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
