/*
 * Unit tests for src/core/strset.c: membership, growth past many resizes,
 * stamps that only move forward, pruning by stamp (and the shrink after
 * it), and the keys a set refuses.
 */
#include "core/strset.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* A Clerk-shaped session id for i. */
static void
sid_of(int i, char out[40])
{
	(void)snprintf(out, 40, "sess_%027d", i);
}

static void
test_empty(void **state)
{
	struct strset *s = strset_new();

	(void)state;
	assert_int_equal(strset_count(s), 0);
	assert_false(strset_contains(s, "sess_1"));
	assert_false(strset_contains(s, ""));
	assert_false(strset_contains(s, NULL));
	assert_int_equal(strset_prune(s, INT64_MAX), 0);
	strset_free(s);
	strset_free(NULL);
}

static void
test_add_contains(void **state)
{
	struct strset *s = strset_new();

	(void)state;
	assert_int_equal(strset_add(s, "sess_a", 10), 0);
	assert_int_equal(strset_add(s, "sess_b", 20), 0);
	assert_true(strset_contains(s, "sess_a"));
	assert_true(strset_contains(s, "sess_b"));
	/* Prefixes and extensions of a held key are other keys. */
	assert_false(strset_contains(s, "sess_"));
	assert_false(strset_contains(s, "sess_ab"));
	assert_false(strset_contains(s, "SESS_A"));
	/* Adding again changes nothing but the stamp. */
	assert_int_equal(strset_add(s, "sess_a", 5), 0);
	assert_int_equal(strset_count(s), 2);
	strset_free(s);
}

static void
test_growth(void **state)
{
	struct strset *s = strset_new();
	char           sid[40];
	int            i;

	(void)state;
	for (i = 0; i < 20000; i++) {
		sid_of(i, sid);
		assert_int_equal(strset_add(s, sid, i), 0);
	}
	assert_int_equal(strset_count(s), 20000);
	for (i = 0; i < 20000; i++) {
		sid_of(i, sid);
		assert_true(strset_contains(s, sid));
	}
	for (i = 20000; i < 40000; i++) {
		sid_of(i, sid);
		assert_false(strset_contains(s, sid));
	}
	strset_free(s);
}

static void
test_prune(void **state)
{
	struct strset *s = strset_new();
	char           sid[40];
	int            i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		sid_of(i, sid);
		assert_int_equal(strset_add(s, sid, i), 0);
	}
	/* A later stamp keeps an old key alive. */
	sid_of(3, sid);
	assert_int_equal(strset_add(s, sid, 5000), 0);
	assert_int_equal(strset_prune(s, 900), 899);
	assert_int_equal(strset_count(s), 101);
	for (i = 0; i < 1000; i++) {
		sid_of(i, sid);
		assert_int_equal(strset_contains(s, sid), i >= 900 || i == 3);
	}
	/* Still usable after the shrink. */
	for (i = 0; i < 1000; i++) {
		sid_of(i, sid);
		assert_int_equal(strset_add(s, sid, 10000), 0);
	}
	assert_int_equal(strset_count(s), 1000);
	assert_int_equal(strset_prune(s, 10000), 0);
	assert_int_equal(strset_prune(s, 10001), 1000);
	assert_int_equal(strset_count(s), 0);
	assert_false(strset_contains(s, sid));
	strset_free(s);
}

static void
test_refused_keys(void **state)
{
	struct strset *s = strset_new();
	char longest[STRSET_KEY_MAX + 1], too_long[STRSET_KEY_MAX + 2];

	(void)state;
	memset(longest, 'x', STRSET_KEY_MAX);
	longest[STRSET_KEY_MAX] = '\0';
	memset(too_long, 'x', STRSET_KEY_MAX + 1);
	too_long[STRSET_KEY_MAX + 1] = '\0';
	assert_int_equal(strset_add(s, "", 1), -1);
	assert_int_equal(strset_add(s, NULL, 1), -1);
	assert_int_equal(strset_add(s, too_long, 1), -1);
	assert_int_equal(strset_count(s), 0);
	assert_int_equal(strset_add(s, longest, 1), 0);
	assert_true(strset_contains(s, longest));
	/* A longer key sharing the first 55 bytes is not held. */
	assert_false(strset_contains(s, too_long));
	strset_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_add_contains),
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_prune),
	    cmocka_unit_test(test_refused_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
