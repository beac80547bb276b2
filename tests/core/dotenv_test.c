/*
 * Unit tests for src/core/dotenv.c: the .env syntax, its errors (with line
 * numbers) and dotenv_load().
 */
#include "core/dotenv.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Parses a string literal; asserts success. */
#define PARSE_OK(env, lit)                                                   \
	do {                                                                 \
		char err_[128] = "";                                         \
		assert_int_equal(dotenv_parse((lit), sizeof(lit) - 1, (env), \
		                     err_, sizeof(err_)),                    \
		    0);                                                      \
		assert_string_equal(err_, "");                               \
	} while (0)

/* Parses a string literal; asserts the exact error and an empty env. */
#define PARSE_FAILS(lit, want_err)                                           \
	do {                                                                 \
		struct dotenv env_;                                          \
		char          err_[128] = "";                                \
		assert_int_equal(dotenv_parse((lit), sizeof(lit) - 1, &env_, \
		                     err_, sizeof(err_)),                    \
		    -1);                                                     \
		assert_string_equal(err_, (want_err));                       \
		assert_null(env_.entries);                                   \
		assert_int_equal(env_.count, 0);                             \
		dotenv_cleanup(&env_);                                       \
	} while (0)

static void
test_basic(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env, "A=1\nB=two\nLONG_NAME_2=x y z\n");
	assert_int_equal(env.count, 3);
	assert_string_equal(env.entries[0].key, "A");
	assert_string_equal(env.entries[0].value, "1");
	assert_string_equal(dotenv_get(&env, "B"), "two");
	assert_string_equal(dotenv_get(&env, "LONG_NAME_2"), "x y z");
	assert_null(dotenv_get(&env, "C"));
	assert_null(dotenv_get(&env, "a"));
	dotenv_cleanup(&env);
	assert_null(env.entries);
	assert_int_equal(env.count, 0);
}

static void
test_empty_input(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env, "");
	assert_int_equal(env.count, 0);
	assert_null(dotenv_get(&env, "A"));
	dotenv_cleanup(&env);
}

static void
test_comments_and_blank_lines(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env,
	    "# leading comment\n"
	    "\n"
	    "   \n"
	    "\t\n"
	    "  # indented comment\n"
	    "A=1\n"
	    "#B=2\n"
	    "\n");
	assert_int_equal(env.count, 1);
	assert_string_equal(dotenv_get(&env, "A"), "1");
	assert_null(dotenv_get(&env, "B"));
	dotenv_cleanup(&env);
}

static void
test_no_trailing_newline(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env, "A=1\nB=2");
	assert_int_equal(env.count, 2);
	assert_string_equal(dotenv_get(&env, "B"), "2");
	dotenv_cleanup(&env);
}

static void
test_export_prefix(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env,
	    "export A=1\n"
	    "export   B='two'\n"
	    "  export C=\"3\"\n"
	    "export=plain\n");
	assert_int_equal(env.count, 4);
	assert_string_equal(dotenv_get(&env, "A"), "1");
	assert_string_equal(dotenv_get(&env, "B"), "two");
	assert_string_equal(dotenv_get(&env, "C"), "3");
	/* "export" without a following space is an ordinary key. */
	assert_string_equal(dotenv_get(&env, "export"), "plain");
	dotenv_cleanup(&env);
}

static void
test_spaces_around_equals(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env, "  A = 1  \nB\t=\t'x'\t\nC=\n");
	assert_string_equal(dotenv_get(&env, "A"), "1");
	assert_string_equal(dotenv_get(&env, "B"), "x");
	assert_string_equal(dotenv_get(&env, "C"), "");
	dotenv_cleanup(&env);
}

static void
test_single_quotes_literal(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env, "A='x\\ny $HOME # not a comment \"q\"'\nB=''\n");
	assert_string_equal(dotenv_get(&env, "A"),
	    "x\\ny $HOME # not a comment \"q\"");
	assert_string_equal(dotenv_get(&env, "B"), "");
	dotenv_cleanup(&env);
}

static void
test_double_quotes_escapes(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env,
	    "A=\"a\\nb\\tc\\rd\\\"e\\\\f\\$g\"\n"
	    "B=\"keep \\q and # this\"\n"
	    "C=\"\"\n");
	assert_string_equal(dotenv_get(&env, "A"), "a\nb\tc\rd\"e\\f$g");
	/* Unknown escapes keep their backslash. */
	assert_string_equal(dotenv_get(&env, "B"), "keep \\q and # this");
	assert_string_equal(dotenv_get(&env, "C"), "");
	dotenv_cleanup(&env);
}

static void
test_multiline_pem(void **state)
{
	struct dotenv     env;
	char              err[128] = "";
	static const char text[] =
	    "A=1\n"
	    "CLERK_JWT_KEY=\"-----BEGIN PUBLIC KEY-----\n"
	    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC\n"
	    "AQAB\n"
	    "-----END PUBLIC KEY-----\"\n"
	    "B=2\n"
	    "oops\n";

	(void)state;
	PARSE_OK(&env,
	    "A=1\n"
	    "CLERK_JWT_KEY=\"-----BEGIN PUBLIC KEY-----\n"
	    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC\n"
	    "AQAB\n"
	    "-----END PUBLIC KEY-----\"\n"
	    "B=2\n");
	assert_int_equal(env.count, 3);
	assert_string_equal(dotenv_get(&env, "CLERK_JWT_KEY"),
	    "-----BEGIN PUBLIC KEY-----\n"
	    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC\n"
	    "AQAB\n"
	    "-----END PUBLIC KEY-----");
	assert_string_equal(dotenv_get(&env, "B"), "2");
	dotenv_cleanup(&env);
	/* Lines inside the quoted value still count toward line numbers. */
	assert_int_equal(dotenv_parse(text, sizeof(text) - 1, &env, err,
	                     sizeof(err)),
	    -1);
	assert_string_equal(err, "line 7: expected KEY=VALUE");
	dotenv_cleanup(&env);
}

static void
test_unquoted_trailing_comment(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env,
	    "A=value # comment\n"
	    "B=value\t# tab comment\n"
	    "C=two words   # c\n"
	    "D=\"quoted\" # c\n"
	    "E='single'# c\n");
	assert_string_equal(dotenv_get(&env, "A"), "value");
	assert_string_equal(dotenv_get(&env, "B"), "value");
	assert_string_equal(dotenv_get(&env, "C"), "two words");
	assert_string_equal(dotenv_get(&env, "D"), "quoted");
	assert_string_equal(dotenv_get(&env, "E"), "single");
	dotenv_cleanup(&env);
}

static void
test_hash_inside_unquoted_value(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env,
	    "A=abc#def\n"
	    "URL=https://example.com/page#frag\n"
	    "C=#start\n");
	assert_string_equal(dotenv_get(&env, "A"), "abc#def");
	assert_string_equal(dotenv_get(&env, "URL"),
	    "https://example.com/page#frag");
	assert_string_equal(dotenv_get(&env, "C"), "#start");
	dotenv_cleanup(&env);
}

/* dotenv.h: 'a " #" starts a comment', also when the value is empty. */
static void
test_empty_value_with_comment(void **state)
{
	struct dotenv env;
	char          a[64], b[64];

	(void)state;
	PARSE_OK(&env, "A= # not set yet\nB=\t# nor this\n");
	assert_int_equal(env.count, 2);
	(void)snprintf(a, sizeof(a), "%s", dotenv_get(&env, "A"));
	(void)snprintf(b, sizeof(b), "%s", dotenv_get(&env, "B"));
	dotenv_cleanup(&env);
	assert_string_equal(a, "");
	assert_string_equal(b, "");
}

static void
test_crlf(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env,
	    "# comment\r\n"
	    "\r\n"
	    "A=1\r\n"
	    "B=two words \r\n"
	    "C=\"three\"\r\n"
	    "D='four'\r\n"
	    "E=five # c\r\n"
	    "F=\r\n"
	    "G=last\r\n");
	assert_int_equal(env.count, 7);
	assert_string_equal(dotenv_get(&env, "A"), "1");
	assert_string_equal(dotenv_get(&env, "B"), "two words");
	assert_string_equal(dotenv_get(&env, "C"), "three");
	assert_string_equal(dotenv_get(&env, "D"), "four");
	assert_string_equal(dotenv_get(&env, "E"), "five");
	assert_string_equal(dotenv_get(&env, "F"), "");
	assert_string_equal(dotenv_get(&env, "G"), "last");
	dotenv_cleanup(&env);
}

static void
test_last_assignment_wins(void **state)
{
	struct dotenv env;

	(void)state;
	PARSE_OK(&env, "A=1\nB=x\nA=2\nA=3\n");
	assert_int_equal(env.count, 4);
	assert_string_equal(dotenv_get(&env, "A"), "3");
	assert_string_equal(dotenv_get(&env, "B"), "x");
	dotenv_cleanup(&env);
}

static void
test_uses_len_not_nul(void **state)
{
	struct dotenv env;
	char          err[64];

	(void)state;
	assert_int_equal(dotenv_parse("A=1B=2", 3, &env, err, sizeof(err)), 0);
	assert_int_equal(env.count, 1);
	assert_string_equal(dotenv_get(&env, "A"), "1");
	dotenv_cleanup(&env);
}

static void
test_error_missing_key(void **state)
{
	(void)state;
	PARSE_FAILS("=value\n", "line 1: expected KEY=VALUE");
	PARSE_FAILS("A=1\n=value\nB=2\n", "line 2: expected KEY=VALUE");
	PARSE_FAILS("A=1\n\n# c\n  = x\n", "line 4: expected KEY=VALUE");
}

static void
test_error_missing_equals(void **state)
{
	(void)state;
	PARSE_FAILS("KEY\n", "line 1: expected KEY=VALUE");
	PARSE_FAILS("A=1\nKEY", "line 2: expected KEY=VALUE");
	PARSE_FAILS("A=1\r\nKEY\r\n", "line 2: expected KEY=VALUE");
	PARSE_FAILS("KEY value\n", "line 1: expected KEY=VALUE");
	PARSE_FAILS("1KEY=x\n", "line 1: expected KEY=VALUE");
	PARSE_FAILS("KEY-NAME=x\n", "line 1: expected KEY=VALUE");
}

static void
test_error_unterminated_quote(void **state)
{
	(void)state;
	PARSE_FAILS("A=\"abc\nB=1\n", "line 1: unterminated quoted value");
	PARSE_FAILS("A=1\nB='abc\n", "line 2: unterminated quoted value");
	PARSE_FAILS("A=\"abc\\\"", "line 1: unterminated quoted value");
}

static void
test_error_text_after_quote(void **state)
{
	(void)state;
	PARSE_FAILS("A=\"x\" y\n",
	    "line 1: unexpected text after the closing quote");
	PARSE_FAILS("A=1\nB='x'y\n",
	    "line 2: unexpected text after the closing quote");
}

static void
test_error_truncated_to_errlen(void **state)
{
	struct dotenv env;
	char          err[8];

	(void)state;
	memset(err, 'X', sizeof(err));
	assert_int_equal(dotenv_parse("KEY", 3, &env, err, sizeof(err)), -1);
	assert_string_equal(err, "line 1:");
	dotenv_cleanup(&env);
}

static void
test_load_missing_file(void **state)
{
	struct dotenv env;
	char          err[64] = "";

	(void)state;
	env.count = 42;
	assert_int_equal(dotenv_load("/nonexistent/dir/.env", &env, err,
	                     sizeof(err)),
	    0);
	assert_int_equal(env.count, 0);
	assert_null(env.entries);
	assert_null(dotenv_get(&env, "A"));
	assert_string_equal(err, "");
	dotenv_cleanup(&env);
}

/* Writes text to a new temporary file; returns its path in path. */
static void
write_temp(char *path, size_t pathlen, const char *text)
{
	FILE *f;
	int   fd;

	(void)snprintf(path, pathlen, "/tmp/dotenv_test.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd != -1);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
test_load_file(void **state)
{
	struct dotenv env;
	char          path[64], err[64] = "";

	(void)state;
	write_temp(path, sizeof(path), "# app\nPORT=8080\nHOST='0.0.0.0'\n");
	assert_int_equal(dotenv_load(path, &env, err, sizeof(err)), 0);
	assert_int_equal(env.count, 2);
	assert_string_equal(dotenv_get(&env, "PORT"), "8080");
	assert_string_equal(dotenv_get(&env, "HOST"), "0.0.0.0");
	dotenv_cleanup(&env);
	assert_int_equal(unlink(path), 0);
	write_temp(path, sizeof(path), "A=1\nbroken\n");
	assert_int_equal(dotenv_load(path, &env, err, sizeof(err)), -1);
	assert_string_equal(err, "line 2: expected KEY=VALUE");
	assert_int_equal(env.count, 0);
	dotenv_cleanup(&env);
	assert_int_equal(unlink(path), 0);
}

static void
test_load_empty_file(void **state)
{
	struct dotenv env;
	char          path[64], err[64] = "";

	(void)state;
	write_temp(path, sizeof(path), "");
	assert_int_equal(dotenv_load(path, &env, err, sizeof(err)), 0);
	assert_int_equal(env.count, 0);
	dotenv_cleanup(&env);
	assert_int_equal(unlink(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_empty_input),
	    cmocka_unit_test(test_comments_and_blank_lines),
	    cmocka_unit_test(test_no_trailing_newline),
	    cmocka_unit_test(test_export_prefix),
	    cmocka_unit_test(test_spaces_around_equals),
	    cmocka_unit_test(test_single_quotes_literal),
	    cmocka_unit_test(test_double_quotes_escapes),
	    cmocka_unit_test(test_multiline_pem),
	    cmocka_unit_test(test_unquoted_trailing_comment),
	    cmocka_unit_test(test_hash_inside_unquoted_value),
	    cmocka_unit_test(test_empty_value_with_comment),
	    cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_last_assignment_wins),
	    cmocka_unit_test(test_uses_len_not_nul),
	    cmocka_unit_test(test_error_missing_key),
	    cmocka_unit_test(test_error_missing_equals),
	    cmocka_unit_test(test_error_unterminated_quote),
	    cmocka_unit_test(test_error_text_after_quote),
	    cmocka_unit_test(test_error_truncated_to_errlen),
	    cmocka_unit_test(test_load_missing_file),
	    cmocka_unit_test(test_load_file),
	    cmocka_unit_test(test_load_empty_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
