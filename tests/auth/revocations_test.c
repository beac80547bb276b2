/*
 * Unit tests for src/auth/revocations.c without a database: the check's
 * answers for no set, empty ids, added ids and others, from several
 * threads at once while ids are added; freeing a set never started.
 */
#include "auth/revocations.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

static void
test_answers(void **state)
{
	struct revocations *rv = revocations_new(NULL);

	(void)state;
	assert_false(revocations_contains(NULL, "sess_a"));
	assert_false(revocations_contains(rv, "sess_a"));
	assert_false(revocations_contains(rv, NULL));
	assert_false(revocations_contains(rv, ""));
	revocations_add(rv, "sess_a");
	revocations_add(rv, NULL);
	revocations_add(rv, "");
	revocations_add(NULL, "sess_b");
	assert_true(revocations_contains(rv, "sess_a"));
	assert_false(revocations_contains(rv, "sess_b"));
	assert_false(revocations_contains(rv, ""));
	/* Stopping a set never started does nothing. */
	revocations_stop(rv);
	revocations_free(rv);
	revocations_free(NULL);
}

#define IDS 2000

static struct revocations *shared;

static void *
adder(void *arg)
{
	char sid[40];
	int  i;

	(void)arg;
	for (i = 0; i < IDS; i++) {
		(void)snprintf(sid, sizeof(sid), "sess_%027d", i);
		revocations_add(shared, sid);
	}
	return NULL;
}

static void *
checker(void *arg)
{
	long *misses = arg;
	char  sid[40];
	int   i;

	for (i = 0; i < IDS * 10; i++) {
		(void)snprintf(sid, sizeof(sid), "sess_other_%021d", i % IDS);
		if (!revocations_contains(shared, sid))
			(*misses)++;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t a, b, c;
	long      m1 = 0, m2 = 0;
	char      sid[40];
	int       i;

	(void)state;
	shared = revocations_new(NULL);
	pthread_create(&a, NULL, adder, NULL);
	pthread_create(&b, NULL, checker, &m1);
	pthread_create(&c, NULL, checker, &m2);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	pthread_join(c, NULL);
	assert_int_equal(m1, IDS * 10);
	assert_int_equal(m2, IDS * 10);
	for (i = 0; i < IDS; i++) {
		(void)snprintf(sid, sizeof(sid), "sess_%027d", i);
		assert_true(revocations_contains(shared, sid));
	}
	revocations_free(shared);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answers),
	    cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
