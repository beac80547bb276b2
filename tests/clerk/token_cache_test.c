/*
 * Unit tests for src/clerk/token_cache.c: lookups, expiry with the leeway,
 * copying only the bytes in use, overwriting a key, which entry a full set
 * gives up, and use from several threads at once. A cache of TOKEN_CACHE_WAYS
 * slots has a single set, so every key lands in it.
 */
#include "clerk/token_cache.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define LEEWAY 5
#define NOW    1700000000

/* Sets e's data to text, its NUL included. */
static void
set_text(struct token_cache_entry *e, const char *text)
{
	size_t n = strlen(text) + 1;

	assert_true(n <= sizeof(e->data));
	memcpy(e->data, text, n);
	e->len = (uint16_t)n;
}

static const char *
text_of(const struct token_cache_entry *e)
{
	return (const char *)e->data;
}

/* An entry whose key and data both say n. */
static struct token_cache_entry
entry(unsigned n, int64_t exp)
{
	struct token_cache_entry e;
	char                     text[64];

	memset(&e, 0, sizeof(e));
	memset(e.key, 0xa5, sizeof(e.key));
	memcpy(e.key + 8, &n, sizeof(n));
	e.exp = exp;
	(void)snprintf(text, sizeof(text), "user_%u org_%u", n, n);
	set_text(&e, text);
	return e;
}

/* True when the entry for n is live in c at now. */
static bool
has(struct token_cache *c, unsigned n, int64_t now)
{
	struct token_cache_entry want = entry(n, 0), got;

	return token_cache_get(c, want.key, now, &got);
}

static void
test_new_refuses_bad_sizes(void **state)
{
	(void)state;
	assert_null(token_cache_new(0, LEEWAY));
	assert_null(token_cache_new(TOKEN_CACHE_WAYS / 2, LEEWAY));
	assert_null(token_cache_new(3 * TOKEN_CACHE_WAYS, LEEWAY));
	token_cache_free(NULL);
}

static void
test_put_get(void **state)
{
	struct token_cache      *c = token_cache_new(1024, LEEWAY);
	struct token_cache_entry e = entry(7, NOW + 60), got;

	(void)state;
	assert_non_null(c);
	assert_false(token_cache_get(c, e.key, NOW, &got));
	token_cache_put(c, &e, NOW);
	memset(&got, 0, sizeof(got));
	assert_true(token_cache_get(c, e.key, NOW, &got));
	assert_memory_equal(got.key, e.key, sizeof(e.key));
	assert_int_equal(got.exp, NOW + 60);
	assert_int_equal(got.len, strlen("user_7 org_7") + 1);
	assert_string_equal(text_of(&got), "user_7 org_7");
	assert_false(has(c, 8, NOW));
	token_cache_free(c);
}

/* Only the bytes in use are copied out: the rest of out is untouched. */
static void
test_get_copies_used_bytes(void **state)
{
	struct token_cache      *c = token_cache_new(1024, LEEWAY);
	struct token_cache_entry e = entry(3, NOW + 60), got;

	(void)state;
	memset(e.data + e.len, 0x11, sizeof(e.data) - e.len);
	token_cache_put(c, &e, NOW);
	memset(&got, 0xee, sizeof(got));
	assert_true(token_cache_get(c, e.key, NOW, &got));
	assert_string_equal(text_of(&got), "user_3 org_3");
	assert_int_equal(got.data[got.len], 0xee);
	assert_int_equal(got.data[sizeof(got.data) - 1], 0xee);
	token_cache_free(c);
}

/* A full entry is kept whole; one claiming more is not kept at all. */
static void
test_data_size_limits(void **state)
{
	struct token_cache      *c = token_cache_new(1024, LEEWAY);
	struct token_cache_entry e = entry(4, NOW + 60), got;

	(void)state;
	memset(e.data, 'x', sizeof(e.data));
	e.len = TOKEN_CACHE_DATA;
	token_cache_put(c, &e, NOW);
	assert_true(token_cache_get(c, e.key, NOW, &got));
	assert_int_equal(got.len, TOKEN_CACHE_DATA);
	assert_memory_equal(got.data, e.data, sizeof(e.data));
	e = entry(5, NOW + 60);
	e.len = TOKEN_CACHE_DATA + 1;
	token_cache_put(c, &e, NOW);
	assert_false(has(c, 5, NOW));
	token_cache_free(c);
}

/* Live while exp > now - leeway, like the token's own exp check. */
static void
test_expiry_with_leeway(void **state)
{
	struct token_cache      *c = token_cache_new(1024, LEEWAY);
	struct token_cache_entry e = entry(1, NOW);

	(void)state;
	token_cache_put(c, &e, NOW - 30);
	assert_true(has(c, 1, NOW - 30));
	assert_true(has(c, 1, NOW));
	assert_true(has(c, 1, NOW + LEEWAY - 1));
	assert_false(has(c, 1, NOW + LEEWAY));
	assert_false(has(c, 1, NOW + 3600));
	token_cache_free(c);
}

/* A key stored again replaces its entry and takes no second slot. */
static void
test_same_key_overwrites(void **state)
{
	struct token_cache      *c = token_cache_new(TOKEN_CACHE_WAYS, LEEWAY);
	struct token_cache_entry e = entry(1, NOW + 60), got;
	unsigned                 n;

	(void)state;
	token_cache_put(c, &e, NOW);
	set_text(&e, "user_again");
	e.exp = NOW + 120;
	token_cache_put(c, &e, NOW);
	token_cache_put(c, &e, NOW);
	for (n = 2; n <= TOKEN_CACHE_WAYS; n++) {
		struct token_cache_entry o = entry(n, NOW + 10);

		token_cache_put(c, &o, NOW);
	}
	assert_true(token_cache_get(c, e.key, NOW, &got));
	assert_string_equal(text_of(&got), "user_again");
	assert_int_equal(got.exp, NOW + 120);
	for (n = 2; n <= TOKEN_CACHE_WAYS; n++)
		assert_true(has(c, n, NOW));
	token_cache_free(c);
}

/* A full set gives up the entry that expires first. */
static void
test_full_set_evicts_first_to_expire(void **state)
{
	static const int64_t     exps[TOKEN_CACHE_WAYS] = {300, 100, 400, 200};
	struct token_cache      *c = token_cache_new(TOKEN_CACHE_WAYS, LEEWAY);
	struct token_cache_entry e;
	unsigned                 n;

	(void)state;
	for (n = 0; n < TOKEN_CACHE_WAYS; n++) {
		e = entry(n, NOW + exps[n]);
		token_cache_put(c, &e, NOW);
	}
	for (n = 0; n < TOKEN_CACHE_WAYS; n++)
		assert_true(has(c, n, NOW));
	e = entry(99, NOW + 50);
	token_cache_put(c, &e, NOW);
	assert_true(has(c, 99, NOW));
	assert_false(has(c, 1, NOW)); /* exp NOW + 100, the earliest */
	assert_true(has(c, 0, NOW));
	assert_true(has(c, 2, NOW));
	assert_true(has(c, 3, NOW));
	token_cache_free(c);
}

/* An expired entry's slot is taken before any live entry is evicted. */
static void
test_expired_slot_reused_first(void **state)
{
	struct token_cache      *c = token_cache_new(TOKEN_CACHE_WAYS, LEEWAY);
	struct token_cache_entry e;
	unsigned                 n;

	(void)state;
	for (n = 0; n < TOKEN_CACHE_WAYS; n++) {
		/* Entry 2 expires first, but entry 0 is already dead. */
		e = entry(n, n == 0 ? NOW - 100 : NOW + 100 * n);
		token_cache_put(c, &e, NOW - 200);
	}
	e = entry(50, NOW + 1000);
	token_cache_put(c, &e, NOW);
	assert_true(has(c, 50, NOW));
	for (n = 1; n < TOKEN_CACHE_WAYS; n++)
		assert_true(has(c, n, NOW));
	token_cache_free(c);
}

#define THREADS 4
#define ROUNDS  20000
#define KEYS    64

struct worker {
	struct token_cache *c;
	unsigned            base;
	unsigned            torn; /* entries whose fields disagree */
	unsigned            hits;
};

/* Stores and reads entries whose fields all carry their key's number. */
static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned       i;

	for (i = 0; i < ROUNDS; i++) {
		unsigned                 n = w->base + i % KEYS;
		struct token_cache_entry e = entry(n, NOW + 60 + i % 7), got;

		token_cache_put(w->c, &e, NOW);
		n = (w->base + i * 7) % (THREADS * KEYS);
		e = entry(n, 0);
		if (!token_cache_get(w->c, e.key, NOW, &got))
			continue;
		w->hits++;
		if (got.len != e.len ||
		    strcmp(text_of(&got), text_of(&e)) != 0 ||
		    memcmp(got.key, e.key, sizeof(e.key)) != 0)
			w->torn++;
	}
	return NULL;
}

/* Threads share a cache smaller than their keys: no torn entries. */
static void
test_concurrent_use(void **state)
{
	struct token_cache *c = token_cache_new(64, LEEWAY);
	struct worker       w[THREADS];
	pthread_t           t[THREADS];
	unsigned            i, hits = 0;

	(void)state;
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){c, i * KEYS, 0, 0};
		assert_int_equal(pthread_create(&t[i], NULL, worker_main,
		                     &w[i]),
		    0);
	}
	for (i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].torn, 0);
		hits += w[i].hits;
	}
	assert_true(hits > 0);
	token_cache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_new_refuses_bad_sizes),
	    cmocka_unit_test(test_put_get),
	    cmocka_unit_test(test_get_copies_used_bytes),
	    cmocka_unit_test(test_data_size_limits),
	    cmocka_unit_test(test_expiry_with_leeway),
	    cmocka_unit_test(test_same_key_overwrites),
	    cmocka_unit_test(test_full_set_evicts_first_to_expire),
	    cmocka_unit_test(test_expired_slot_reused_first),
	    cmocka_unit_test(test_concurrent_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
