/*
 * Unit tests for src/core/log.c: every %s of log_write is escaped, so a
 * value holding quotes, backslashes, newlines or (outside quotes) spaces
 * stays inside its field and its line; the JSON format reads the escapes
 * back into the original text; the other conversions print as printf.
 * stderr is redirected to a temporary file for each test.
 */
#include "core/log.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#define CAPTURE_MAX 8192

struct capture {
	FILE *file;
	int   saved;
	char  text[CAPTURE_MAX];
};

static int
setup(void **state)
{
	struct capture *c = calloc(1, sizeof(*c));

	if (c == NULL || (c->file = tmpfile()) == NULL)
		return -1;
	(void)fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	if (c->saved == -1 || dup2(fileno(c->file), STDERR_FILENO) == -1)
		return -1;
	log_setup(LOG_DEBUG, LOG_TEXT);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct capture *c = *state;

	(void)dup2(c->saved, STDERR_FILENO);
	(void)close(c->saved);
	(void)fclose(c->file);
	free(c);
	log_setup(LOG_INFO, LOG_TEXT);
	return 0;
}

/* What was logged since the last call. */
static const char *
captured(struct capture *c)
{
	size_t n;

	rewind(c->file);
	n = fread(c->text, 1, sizeof(c->text) - 1, c->file);
	c->text[n] = '\0';
	rewind(c->file);
	if (ftruncate(fileno(c->file), 0) == -1)
		c->text[0] = '\0';
	return c->text;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* The part of the text line after "<ts> level=<level> ". */
static const char *
message_of(const char *line)
{
	const char *p = strstr(line, " level=");

	assert_non_null(p);
	p = strchr(p + 1, ' ');
	assert_non_null(p);
	return p + 1;
}

static void
test_quoted_value_is_escaped(void **state)
{
	struct capture *c = *state;
	const char     *text;

	log_write(LOG_ERROR, "msg=\"failed\" error=\"%s\" n=%d",
	    "ERROR:  duplicate key \"users_email_key\"\nDETAIL:  a\\b", 7);
	text = captured(c);
	assert_int_equal(count_lines(text), 1);
	assert_string_equal(message_of(text),
	    "msg=\"failed\" error=\"ERROR:  duplicate key "
	    "\\x22users_email_key\\x22\\x0aDETAIL:  a\\x5cb\" n=7\n");
}

static void
test_unquoted_value_cannot_forge_a_field(void **state)
{
	struct capture *c = *state;

	log_write(LOG_INFO, "reason=%s path=%s", "x level=error", "/a=b\r");
	assert_string_equal(message_of(captured(c)),
	    "reason=x\\x20level\\x3derror path=/a\\x3db\\x0d\n");
}

static void
test_other_conversions(void **state)
{
	struct capture *c = *state;

	log_write(LOG_INFO,
	    "a=%lld b=%ld c=%u d=%zu e=%.1f f=%5d g=%% h=%.3s "
	    "i=%.*s j=%x",
	    (long long)-9000000000, 42L, 7u, (size_t)12, 2.25, 3, "abcdef", 2,
	    "xyz", 255u);
	assert_string_equal(message_of(captured(c)),
	    "a=-9000000000 b=42 c=7 d=12 e=2.2 f=    3 g=% h=abc i=xy "
	    "j=ff\n");
}

static void
test_null_string_and_long_line(void **state)
{
	struct capture *c = *state;
	char            big[3000];
	const char     *text, *volatile none = NULL;

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_write(LOG_INFO, "v=\"%s\" w=\"%s\"", none, big);
	text = captured(c);
	assert_int_equal(count_lines(text), 1);
	assert_non_null(strstr(text, "v=\"\" w=\"qqq"));
	assert_true(strlen(text) > sizeof(big));
}

static void
test_json_reads_the_escapes_back(void **state)
{
	struct capture *c = *state;
	const char     *original = "say \"hi\"\nback\\slash tab\t=";
	json_error_t    err;
	json_t         *obj;

	log_setup(LOG_DEBUG, LOG_JSON);
	log_write(LOG_WARN, "req=%s msg=\"db failed\" error=\"%s\" word=%s",
	    "abc", original, "two words");
	obj = json_loads(captured(c), 0, &err);
	assert_non_null(obj);
	assert_string_equal(json_string_value(json_object_get(obj, "level")),
	    "warn");
	assert_string_equal(json_string_value(json_object_get(obj, "req")),
	    "abc");
	assert_string_equal(json_string_value(json_object_get(obj, "msg")),
	    "db failed");
	assert_string_equal(json_string_value(json_object_get(obj, "error")),
	    original);
	assert_string_equal(json_string_value(json_object_get(obj, "word")),
	    "two words");
	json_decref(obj);
}

static void
test_log_escape_fixed_buffer(void **state)
{
	char out[16];

	(void)state;
	assert_string_equal(log_escape(out, sizeof(out), "a\"b", 80),
	    "a\\x22b");
	/* Truncated at the buffer, never in the middle of an escape. */
	assert_string_equal(log_escape(out, sizeof(out), "\"\"\"\"", 80),
	    "\\x22\\x22\\x22");
	assert_string_equal(log_escape(out, sizeof(out), "abcdef", 3), "abc");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_quoted_value_is_escaped, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(
	        test_unquoted_value_cannot_forge_a_field, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_conversions, setup,
	        teardown),
	    cmocka_unit_test_setup_teardown(test_null_string_and_long_line,
	        setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_reads_the_escapes_back,
	        setup, teardown),
	    cmocka_unit_test(test_log_escape_fixed_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
