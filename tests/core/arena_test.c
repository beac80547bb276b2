/*
 * Unit tests for src/core/arena.c: alignment, big allocations, copies,
 * printf and the order of deferred cleanups.
 */
#include "core/arena.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NALLOCS 1000

static void
assert_aligned(const void *p)
{
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % 16, 0);
}

static void
test_new_free_empty(void **state)
{
	struct arena *a;

	(void)state;
	a = arena_new();
	assert_non_null(a);
	arena_free(a);
	arena_free(NULL);
}

/*
 * Many small allocations of every size from 1 to NALLOCS, across several
 * chunks: each is aligned, writable over its whole length, and none
 * overlaps another (each keeps its own fill byte until the end).
 */
static void
test_many_allocations_aligned(void **state)
{
	struct arena  *a = arena_new();
	unsigned char *p[NALLOCS];
	size_t         i, j;

	(void)state;
	for (i = 0; i < NALLOCS; i++) {
		size_t len = i % 300 + 1;

		p[i] = arena_alloc(a, len);
		assert_aligned(p[i]);
		memset(p[i], (int)(i & 0xff), len);
	}
	for (i = 0; i < NALLOCS; i++) {
		size_t len = i % 300 + 1;

		for (j = 0; j < len; j++)
			assert_int_equal(p[i][j], i & 0xff);
	}
	arena_free(a);
}

static void
test_zero_length(void **state)
{
	struct arena *a = arena_new();
	char         *p, *q;

	(void)state;
	p = arena_alloc(a, 0);
	q = arena_alloc(a, 0);
	assert_aligned(p);
	assert_aligned(q);
	assert_ptr_not_equal(p, q);
	arena_free(a);
}

static void
test_big_allocations(void **state)
{
	static const size_t sizes[] = {2049, 3000, 8192, 8193, 100000};
	struct arena       *a = arena_new();
	unsigned char      *big[ARRAY_LEN(sizes)], *small[ARRAY_LEN(sizes)];
	size_t              i, j;

	(void)state;
	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		/* Interleave small ones, which share the current chunk. */
		small[i] = arena_alloc(a, 24);
		assert_aligned(small[i]);
		memset(small[i], 0xa0 + (int)i, 24);
		big[i] = arena_alloc(a, sizes[i]);
		assert_aligned(big[i]);
		memset(big[i], (int)i + 1, sizes[i]);
	}
	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		for (j = 0; j < 24; j++)
			assert_int_equal(small[i][j], 0xa0 + i);
		for (j = 0; j < sizes[i]; j++)
			assert_int_equal(big[i][j], i + 1);
	}
	arena_free(a);
}

static void
test_big_first(void **state)
{
	struct arena *a = arena_new();
	char         *big, *small;

	(void)state;
	/* A big allocation in an empty arena, then small ones after it. */
	big = arena_alloc(a, 5000);
	assert_aligned(big);
	memset(big, 'B', 5000);
	small = arena_alloc(a, 10);
	assert_aligned(small);
	memset(small, 'S', 10);
	assert_true(small + 10 <= big || small >= big + 5000);
	assert_int_equal(big[0], 'B');
	assert_int_equal(big[4999], 'B');
	arena_free(a);
}

static void
test_strndup(void **state)
{
	struct arena *a = arena_new();
	char         *s;

	(void)state;
	s = arena_strndup(a, "a\0b\0c", 5);
	assert_memory_equal(s, "a\0b\0c", 5);
	assert_int_equal(s[5], '\0');
	s = arena_strndup(a, "hello world", 5);
	assert_string_equal(s, "hello");
	s = arena_strndup(a, "ignored", 0);
	assert_string_equal(s, "");
	s = arena_strndup(a, NULL, 0);
	assert_string_equal(s, "");
	arena_free(a);
}

static void
test_strndup_big(void **state)
{
	struct arena *a = arena_new();
	char         *src, *s;

	(void)state;
	src = malloc(10000);
	assert_non_null(src);
	memset(src, 'q', 10000);
	src[5000] = '\0';
	s = arena_strndup(a, src, 10000);
	assert_aligned(s);
	assert_memory_equal(s, src, 10000);
	assert_int_equal(s[10000], '\0');
	free(src);
	arena_free(a);
}

static void
test_printf(void **state)
{
	struct arena *a = arena_new();
	char         *s;

	(void)state;
	s = arena_printf(a, "%s-%d-%05.1f", "abc", 42, 3.14159);
	assert_string_equal(s, "abc-42-003.1");
	s = arena_printf(a, "%s", "");
	assert_string_equal(s, "");
	/* Longer than a chunk. */
	s = arena_printf(a, "%09000d|%s", 5, "end");
	assert_int_equal(strlen(s), 9004);
	assert_int_equal(s[0], '0');
	assert_int_equal(s[8999], '5');
	assert_string_equal(s + 9000, "|end");
	arena_free(a);
}

struct trace {
	int order[64];
	int n;
};

struct probe {
	struct trace *t;
	int           id;
};

static void
record(void *ptr)
{
	struct probe *p = ptr;

	assert_true(p->t->n < 64);
	p->t->order[p->t->n++] = p->id;
}

static void
test_defer_order(void **state)
{
	struct arena *a = arena_new();
	struct trace  t = {{0}, 0};
	struct probe  probes[5];
	int           i;

	(void)state;
	for (i = 0; i < 5; i++) {
		probes[i].t = &t;
		probes[i].id = i + 1;
		arena_defer(a, record, &probes[i]);
	}
	assert_int_equal(t.n, 0);
	arena_free(a);
	assert_int_equal(t.n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(t.order[i], 5 - i);
}

/* Cleanups spread over several chunks still run once, newest first. */
static void
test_defer_across_chunks(void **state)
{
	struct arena *a = arena_new();
	struct trace  t = {{0}, 0};
	struct probe  probes[40];
	int           i;

	(void)state;
	for (i = 0; i < 40; i++) {
		probes[i].t = &t;
		probes[i].id = i;
		arena_defer(a, record, &probes[i]);
		(void)!arena_alloc(a, 1000);
		if (i % 7 == 0)
			(void)!arena_alloc(a, 4000);
	}
	arena_free(a);
	assert_int_equal(t.n, 40);
	for (i = 0; i < 40; i++)
		assert_int_equal(t.order[i], 39 - i);
}

/* The usual use: hand a heap object to the arena (checked by LSan). */
static void
test_defer_frees_heap(void **state)
{
	struct arena *a = arena_new();
	char         *p = malloc(100);

	(void)state;
	assert_non_null(p);
	memset(p, 'x', 100);
	arena_defer(a, free, p);
	arena_defer(a, free, NULL);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_free_empty),
	    cmocka_unit_test(test_many_allocations_aligned),
	    cmocka_unit_test(test_zero_length),
	    cmocka_unit_test(test_big_allocations),
	    cmocka_unit_test(test_big_first),
	    cmocka_unit_test(test_strndup),
	    cmocka_unit_test(test_strndup_big),
	    cmocka_unit_test(test_printf),
	    cmocka_unit_test(test_defer_order),
	    cmocka_unit_test(test_defer_across_chunks),
	    cmocka_unit_test(test_defer_frees_heap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
