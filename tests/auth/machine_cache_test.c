/*
 * Unit tests for src/auth/machine_cache.c: accepted verdicts kept until
 * the time given, refusals likewise, an outage keeps nothing, the bound
 * (the oldest goes first, never one in flight), and the single flight's
 * bookkeeping: one lookup leads, the others wait and are called back
 * with the result, at once when it is already known, and refused past
 * the waiters' bound.
 */
#include "auth/machine_cache.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"

#define NOW 1700000000000LL

/* A key whose first byte (its shard) is shard and whose rest says n. */
static void
key_of(unsigned char key[MACHINE_CACHE_KEY_SIZE], unsigned char shard,
    unsigned n)
{
	memset(key, 0x5a, MACHINE_CACHE_KEY_SIZE);
	key[0] = shard;
	memcpy(key + 1, &n, sizeof(n));
}

static enum machine_cache_state
look(struct machine_cache *c, const unsigned char *key, int64_t now, bool lead,
    struct arena *a, const char **text, bool *owner)
{
	const void *data;
	size_t      len;
	bool        own;

	enum machine_cache_state st =
	    machine_cache_lookup(c, key, now, lead, a, &data, &len, &own);

	if (text != NULL)
		*text = data;
	if (owner != NULL)
		*owner = own;
	if (st == MACHINE_CACHE_ACCEPTED)
		assert_int_equal(len, strlen(data) + 1);
	return st;
}

static void
accept(struct machine_cache *c, const unsigned char *key, const char *text,
    int64_t until, int64_t now)
{
	machine_cache_finish(c, key, MACHINE_CACHE_ACCEPTED, text,
	    strlen(text) + 1, until, now);
}

static void
accepted_until_the_time_given(void **state)
{
	struct machine_cache *c = machine_cache_new(64);
	struct arena         *a = arena_new();
	unsigned char         k[MACHINE_CACHE_KEY_SIZE];
	const char           *text;
	bool                  owner;

	(void)state;
	key_of(k, 1, 1);
	assert_int_equal(look(c, k, NOW, true, a, NULL, &owner),
	    MACHINE_CACHE_LEAD);
	assert_true(owner);
	accept(c, k, "verdict", NOW + 60000, NOW);
	assert_int_equal(look(c, k, NOW + 59999, true, a, &text, NULL),
	    MACHINE_CACHE_ACCEPTED);
	assert_string_equal(text, "verdict");
	/* Expired: unknown again, and this lookup leads. */
	assert_int_equal(look(c, k, NOW + 60000, true, a, NULL, &owner),
	    MACHINE_CACHE_LEAD);
	assert_true(owner);
	machine_cache_free(c);
	arena_free(a);
}

static void
refused_for_a_while_and_outages_keep_nothing(void **state)
{
	struct machine_cache *c = machine_cache_new(64);
	struct arena         *a = arena_new();
	unsigned char         k[MACHINE_CACHE_KEY_SIZE];

	(void)state;
	key_of(k, 2, 1);
	assert_int_equal(look(c, k, NOW, true, a, NULL, NULL),
	    MACHINE_CACHE_LEAD);
	machine_cache_finish(c, k, MACHINE_CACHE_REFUSED, NULL, 0, NOW + 10000,
	    NOW);
	assert_int_equal(look(c, k, NOW + 9999, true, a, NULL, NULL),
	    MACHINE_CACHE_REFUSED);
	assert_int_equal(look(c, k, NOW + 10000, true, a, NULL, NULL),
	    MACHINE_CACHE_LEAD);
	machine_cache_finish(c, k, MACHINE_CACHE_UNAVAILABLE, NULL, 0, 0,
	    NOW + 10000);
	assert_int_equal(machine_cache_size(c), 0);
	assert_int_equal(look(c, k, NOW + 10001, false, a, NULL, NULL),
	    MACHINE_CACHE_LEAD);
	assert_int_equal(machine_cache_size(c), 0); /* lead false: unmarked */
	/* A verdict nobody led (a JWT) is stored too. */
	accept(c, k, "jwt", NOW + 20000, NOW);
	assert_int_equal(look(c, k, NOW + 1, false, a, NULL, NULL),
	    MACHINE_CACHE_ACCEPTED);
	/* An answer already out of date is not kept. */
	key_of(k, 2, 2);
	accept(c, k, "old", NOW - 1, NOW);
	assert_int_equal(look(c, k, NOW, false, a, NULL, NULL),
	    MACHINE_CACHE_LEAD);
	machine_cache_free(c);
	arena_free(a);
}

static void
bounded_oldest_first_never_in_flight(void **state)
{
	/* 16 shards of one entry each: keys of one shard compete. */
	struct machine_cache *c = machine_cache_new(16);
	struct arena         *a = arena_new();
	unsigned char         k1[MACHINE_CACHE_KEY_SIZE];
	unsigned char         k2[MACHINE_CACHE_KEY_SIZE];
	unsigned char         k3[MACHINE_CACHE_KEY_SIZE];
	bool                  owner;

	(void)state;
	key_of(k1, 3, 1);
	key_of(k2, 3, 2);
	key_of(k3, 3, 3);
	accept(c, k1, "one", NOW + 60000, NOW);
	accept(c, k2, "two", NOW + 60000, NOW);
	assert_int_equal(machine_cache_size(c), 1);
	assert_int_equal(look(c, k1, NOW, false, a, NULL, NULL),
	    MACHINE_CACHE_LEAD);
	assert_int_equal(look(c, k2, NOW, false, a, NULL, NULL),
	    MACHINE_CACHE_ACCEPTED);
	/* k3 in flight takes the place of k2 ... */
	assert_int_equal(look(c, k3, NOW, true, a, NULL, &owner),
	    MACHINE_CACHE_LEAD);
	assert_true(owner);
	/* ... and is not given up for k1: k1 verifies unmarked. */
	assert_int_equal(look(c, k1, NOW, true, a, NULL, &owner),
	    MACHINE_CACHE_LEAD);
	assert_false(owner);
	assert_int_equal(look(c, k3, NOW, true, a, NULL, NULL),
	    MACHINE_CACHE_IN_FLIGHT);
	accept(c, k1, "one", NOW + 60000, NOW); /* no room: not kept */
	assert_int_equal(look(c, k3, NOW, true, a, NULL, NULL),
	    MACHINE_CACHE_IN_FLIGHT);
	assert_int_equal(machine_cache_size(c), 1);
	machine_cache_free(c);
	arena_free(a);
}

struct woken {
	int                          calls;
	enum machine_cache_state     result;
	struct machine_cache_waiter *w;
};

static void
on_ready(void *arg)
{
	struct woken *x = arg;

	x->calls++;
	x->result = x->w->result;
}

static void
waiter_init(struct machine_cache_waiter *w, struct woken *x)
{
	memset(w, 0, sizeof(*w));
	memset(x, 0, sizeof(*x));
	w->ready = on_ready;
	w->arg = x;
	x->w = w;
}

static void
one_leads_the_others_wait(void **state)
{
	struct machine_cache       *c = machine_cache_new(64);
	struct arena               *a = arena_new();
	unsigned char               k[MACHINE_CACHE_KEY_SIZE];
	struct machine_cache_waiter w[3];
	struct woken                x[3];
	bool                        owner;
	int                         i;

	(void)state;
	key_of(k, 4, 1);
	assert_int_equal(look(c, k, NOW, true, a, NULL, &owner),
	    MACHINE_CACHE_LEAD);
	assert_true(owner);
	for (i = 0; i < 3; i++) {
		assert_int_equal(look(c, k, NOW, true, a, NULL, NULL),
		    MACHINE_CACHE_IN_FLIGHT);
		waiter_init(&w[i], &x[i]);
		machine_cache_wait(c, k, &w[i]);
		assert_int_equal(x[i].calls, 0);
	}
	accept(c, k, "v", NOW + 60000, NOW);
	for (i = 0; i < 3; i++) {
		assert_int_equal(x[i].calls, 1);
		assert_int_equal(x[i].result, MACHINE_CACHE_ACCEPTED);
	}
	/* Finished already: called back at once. */
	waiter_init(&w[0], &x[0]);
	machine_cache_wait(c, k, &w[0]);
	assert_int_equal(x[0].calls, 1);
	assert_int_equal(x[0].result, MACHINE_CACHE_ACCEPTED);

	/* An outage reaches the waiters as such. */
	key_of(k, 4, 2);
	assert_int_equal(look(c, k, NOW, true, a, NULL, NULL),
	    MACHINE_CACHE_LEAD);
	waiter_init(&w[1], &x[1]);
	machine_cache_wait(c, k, &w[1]);
	machine_cache_finish(c, k, MACHINE_CACHE_UNAVAILABLE, NULL, 0, 0, NOW);
	assert_int_equal(x[1].calls, 1);
	assert_int_equal(x[1].result, MACHINE_CACHE_UNAVAILABLE);
	/* Nothing in flight or known: look again. */
	waiter_init(&w[2], &x[2]);
	machine_cache_wait(c, k, &w[2]);
	assert_int_equal(x[2].calls, 1);
	assert_int_equal(x[2].result, MACHINE_CACHE_LEAD);
	machine_cache_free(c);
	arena_free(a);
}

static void
waiters_are_bounded(void **state)
{
	struct machine_cache        *c = machine_cache_new(64);
	struct arena                *a = arena_new();
	unsigned char                k[MACHINE_CACHE_KEY_SIZE];
	struct machine_cache_waiter *w;
	struct woken                *x, extra;
	struct machine_cache_waiter  extra_w;
	size_t                       i;

	(void)state;
	w = test_calloc(MACHINE_CACHE_MAX_WAITERS, sizeof(*w));
	x = test_calloc(MACHINE_CACHE_MAX_WAITERS, sizeof(*x));
	key_of(k, 5, 1);
	assert_int_equal(look(c, k, NOW, true, a, NULL, NULL),
	    MACHINE_CACHE_LEAD);
	for (i = 0; i < MACHINE_CACHE_MAX_WAITERS; i++) {
		waiter_init(&w[i], &x[i]);
		machine_cache_wait(c, k, &w[i]);
	}
	waiter_init(&extra_w, &extra);
	machine_cache_wait(c, k, &extra_w);
	assert_int_equal(extra.calls, 1);
	assert_int_equal(extra.result, MACHINE_CACHE_UNAVAILABLE);
	machine_cache_finish(c, k, MACHINE_CACHE_REFUSED, NULL, 0, NOW + 10000,
	    NOW);
	for (i = 0; i < MACHINE_CACHE_MAX_WAITERS; i++) {
		assert_int_equal(x[i].calls, 1);
		assert_int_equal(x[i].result, MACHINE_CACHE_REFUSED);
	}
	test_free(w);
	test_free(x);
	machine_cache_free(c);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(accepted_until_the_time_given),
	    cmocka_unit_test(refused_for_a_while_and_outages_keep_nothing),
	    cmocka_unit_test(bounded_oldest_first_never_in_flight),
	    cmocka_unit_test(one_leads_the_others_wait),
	    cmocka_unit_test(waiters_are_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
