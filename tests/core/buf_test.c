/*
 * Unit tests for src/core/buf.c: growth, the NUL terminator, the hard
 * maximum, the lifecycle verbs and size-overflow refusal.
 */
#include "core/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Contents, length and terminator of b are exactly want[0..len). */
#define ASSERT_BUF(b, want, wlen)                               \
	do {                                                    \
		assert_int_equal((b)->len, (wlen));             \
		assert_non_null((b)->data);                     \
		assert_memory_equal((b)->data, (want), (wlen)); \
		assert_int_equal((b)->data[(b)->len], '\0');    \
		assert_true((b)->cap > (b)->len);               \
	} while (0)

static void
test_init_is_empty(void **state)
{
	struct buf b;
	struct str s;

	(void)state;
	buf_init(&b, 123);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 123);
	s = buf_str(&b);
	assert_non_null(s.p);
	assert_int_equal(s.len, 0);
	assert_string_equal(s.p, "");
	buf_cleanup(&b);
}

static void
test_append_grows(void **state)
{
	struct buf b;
	char       want[1000];
	size_t     i;

	(void)state;
	for (i = 0; i < sizeof(want); i++)
		want[i] = (char)('a' + i % 26);
	buf_init(&b, 0);
	/* 7-byte pieces cross every power-of-two boundary up to 1024. */
	for (i = 0; i + 7 <= sizeof(want); i += 7) {
		assert_int_equal(buf_append(&b, want + i, 7), 0);
		ASSERT_BUF(&b, want, i + 7);
	}
	assert_int_equal(buf_append(&b, want + i, sizeof(want) - i), 0);
	ASSERT_BUF(&b, want, sizeof(want));
	buf_cleanup(&b);
}

static void
test_append_binary(void **state)
{
	struct buf b;
	struct str s;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "a\0b", 3), 0);
	assert_int_equal(buf_append_cstr(&b, "cd"), 0);
	ASSERT_BUF(&b, "a\0bcd", 5);
	s = buf_str(&b);
	assert_ptr_equal(s.p, b.data);
	assert_int_equal(s.len, 5);
	buf_cleanup(&b);
}

static void
test_append_empty(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_append_cstr(&b, ""), 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b).p, "");
	buf_cleanup(&b);
}

static void
test_appendf(void **state)
{
	struct buf b;
	char       want[600];

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_appendf(&b, "%s=%d", "port", 8000), 0);
	ASSERT_BUF(&b, "port=8000", 9);
	assert_int_equal(buf_appendf(&b, "%s", ""), 0);
	ASSERT_BUF(&b, "port=8000", 9);
	assert_int_equal(buf_appendf(&b, ";%c%zu", 'x', (size_t)42), 0);
	ASSERT_BUF(&b, "port=8000;x42", 13);
	buf_reset(&b);
	/* One call larger than the first allocation and its doubling. */
	memset(want, '0', sizeof(want));
	want[sizeof(want) - 1] = '7';
	assert_int_equal(buf_appendf(&b, "%0600d", 7), 0);
	ASSERT_BUF(&b, want, sizeof(want));
	assert_true(b.cap >= 601);
	buf_cleanup(&b);
}

static void
test_max_refuses_append(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 10);
	assert_int_equal(buf_append_cstr(&b, "12345"), 0);
	assert_int_equal(buf_append_cstr(&b, "678901"), -1);
	ASSERT_BUF(&b, "12345", 5);
	/* Exactly max is allowed; the NUL does not count. */
	assert_int_equal(buf_append_cstr(&b, "67890"), 0);
	ASSERT_BUF(&b, "1234567890", 10);
	assert_int_equal(buf_append(&b, "x", 1), -1);
	ASSERT_BUF(&b, "1234567890", 10);
	/* An empty append still fits. */
	assert_int_equal(buf_append(&b, "", 0), 0);
	ASSERT_BUF(&b, "1234567890", 10);
	buf_cleanup(&b);
}

static void
test_max_refuses_appendf(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_appendf(&b, "%s", "123456"), 0);
	assert_int_equal(buf_appendf(&b, "%d", 789), -1);
	ASSERT_BUF(&b, "123456", 6);
	assert_int_equal(buf_appendf(&b, "%d", 78), 0);
	ASSERT_BUF(&b, "12345678", 8);
	assert_int_equal(buf_appendf(&b, "%c", 'z'), -1);
	ASSERT_BUF(&b, "12345678", 8);
	buf_cleanup(&b);
}

static void
test_max_refuses_first_append(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	assert_int_equal(buf_append_cstr(&b, "hello"), -1);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b).p, "");
	assert_int_equal(buf_appendf(&b, "%s", "hello"), -1);
	assert_int_equal(b.len, 0);
	buf_cleanup(&b);
}

static void
test_reset_keeps_storage(void **state)
{
	struct buf b;
	char      *data;
	size_t     cap;

	(void)state;
	buf_init(&b, 0);
	buf_reset(&b); /* nothing allocated yet */
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_append_cstr(&b, "some text"), 0);
	data = b.data;
	cap = b.cap;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_ptr_equal(b.data, data);
	assert_int_equal(b.cap, cap);
	assert_int_equal(b.data[0], '\0');
	assert_string_equal(buf_str(&b).p, "");
	assert_int_equal(buf_append_cstr(&b, "new"), 0);
	ASSERT_BUF(&b, "new", 3);
	buf_cleanup(&b);
}

static void
test_reset_then_max(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 4);
	assert_int_equal(buf_append_cstr(&b, "abcd"), 0);
	buf_reset(&b);
	/* The cap applies to the current contents, not to the history. */
	assert_int_equal(buf_append_cstr(&b, "wxyz"), 0);
	ASSERT_BUF(&b, "wxyz", 4);
	buf_cleanup(&b);
}

static void
test_release(void **state)
{
	struct buf b;
	char      *p;
	size_t     len = 99;

	(void)state;
	buf_init(&b, 100);
	assert_int_equal(buf_append_cstr(&b, "owned"), 0);
	p = buf_release(&b, &len);
	assert_int_equal(len, 5);
	assert_string_equal(p, "owned");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 100);
	free(p);
	/* The buffer is usable again after release. */
	assert_int_equal(buf_append_cstr(&b, "again"), 0);
	ASSERT_BUF(&b, "again", 5);
	p = buf_release(&b, NULL);
	assert_string_equal(p, "again");
	free(p);
	buf_cleanup(&b);
}

static void
test_release_empty(void **state)
{
	struct buf b;
	char      *p;
	size_t     len = 99;

	(void)state;
	buf_init(&b, 0);
	p = buf_release(&b, &len);
	assert_non_null(p);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);
	buf_cleanup(&b);
}

static void
test_cleanup_twice_and_reinit(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_append_cstr(&b, "x"), 0);
	buf_cleanup(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	buf_cleanup(&b);
	buf_init(&b, 2);
	assert_int_equal(buf_append_cstr(&b, "ab"), 0);
	ASSERT_BUF(&b, "ab", 2);
	buf_cleanup(&b);
}

static void
test_huge_len_refused(void **state)
{
	struct buf b;

	(void)state;
	/* len + extra overflows size_t. */
	buf_init(&b, 0);
	assert_int_equal(buf_append_cstr(&b, "abc"), 0);
	assert_int_equal(buf_append(&b, "x", SIZE_MAX), -1);
	assert_int_equal(buf_append(&b, "x", SIZE_MAX - 2), -1);
	ASSERT_BUF(&b, "abc", 3);
	buf_cleanup(&b);
	/* len fits, but len + the NUL does not. */
	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "x", SIZE_MAX), -1);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	buf_cleanup(&b);
	/* A cap refuses before any allocation is attempted. */
	buf_init(&b, 1024);
	assert_int_equal(buf_append(&b, "x", SIZE_MAX / 2), -1);
	assert_int_equal(buf_append(&b, "x", 1025), -1);
	assert_null(b.data);
	buf_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_init_is_empty),
	    cmocka_unit_test(test_append_grows),
	    cmocka_unit_test(test_append_binary),
	    cmocka_unit_test(test_append_empty),
	    cmocka_unit_test(test_appendf),
	    cmocka_unit_test(test_max_refuses_append),
	    cmocka_unit_test(test_max_refuses_appendf),
	    cmocka_unit_test(test_max_refuses_first_append),
	    cmocka_unit_test(test_reset_keeps_storage),
	    cmocka_unit_test(test_reset_then_max),
	    cmocka_unit_test(test_release),
	    cmocka_unit_test(test_release_empty),
	    cmocka_unit_test(test_cleanup_twice_and_reinit),
	    cmocka_unit_test(test_huge_len_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
