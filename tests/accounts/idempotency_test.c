/*
 * Unit tests for src/accounts/idempotency.c on a migrated in-memory SQLite
 * database: a claim, the same request again while it runs (in progress)
 * and once answered (replay), another request with the key (mismatch),
 * another principal, a released claim, an abandoned claim taken over (and
 * the late answer of its first request refused), an expired answer, the
 * sweep. Times are given, so nothing waits.
 */
#include "accounts/idempotency.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/arena.h"
#include "memdb.h"

#define T0 1800000000000LL /* 2027-01-15, ms */

static struct idempotency_request
request(const char *key, const char *hash, int64_t now)
{
	struct idempotency_request q = {key, "user_1", "POST",
	    "/api/v1/organizations/1/invitations", hash, now};

	return q;
}

static enum idempotency_outcome
claim(struct db_conn *c, struct arena *a, const struct idempotency_request *q,
    struct idempotency_found *f)
{
	assert_int_equal(idempotency_claim(c, q, a, f), 0);
	return f->outcome;
}

static void
test_claim_store_replay(void **state)
{
	struct db                 *db = memdb_open();
	struct db_conn            *c = db_acquire(db);
	struct arena              *a = arena_new();
	struct idempotency_request q = request("k1", "h1", T0);
	struct idempotency_found   f, g;

	(void)state;
	assert_int_equal(claim(c, a, &q, &f), IDEMPOTENCY_CLAIMED);
	assert_string_equal(f.claimed_at, "2027-01-15T08:00:00.000Z");
	q.now_ms = T0 + 1000;
	assert_int_equal(claim(c, a, &q, &g), IDEMPOTENCY_IN_PROGRESS);
	q.body_hash = "h2";
	assert_int_equal(claim(c, a, &q, &g), IDEMPOTENCY_MISMATCH);
	q.body_hash = "h1";
	q.method = "PATCH";
	assert_int_equal(claim(c, a, &q, &g), IDEMPOTENCY_MISMATCH);
	q.method = "POST";
	assert_int_equal(idempotency_store(c, "k1", "user_1", f.claimed_at, 201,
	                     "{\"a\":1}", 7),
	    1);
	assert_int_equal(claim(c, a, &q, &g), IDEMPOTENCY_REPLAY);
	assert_int_equal(g.status, 201);
	assert_int_equal(g.body_len, 7);
	assert_memory_equal(g.body, "{\"a\":1}", 7);
	/* Stored once: a second store of the claim changes nothing. */
	assert_int_equal(idempotency_store(c, "k1", "user_1", f.claimed_at, 500,
	                     "", 0),
	    0);
	/* The key is the principal's own. */
	q.principal = "user_2";
	assert_int_equal(claim(c, a, &q, &g), IDEMPOTENCY_CLAIMED);
	/* An empty body (a 204) is replayed as one. */
	assert_int_equal(idempotency_store(c, "k1", "user_2", g.claimed_at, 204,
	                     "", 0),
	    1);
	assert_int_equal(claim(c, a, &q, &g), IDEMPOTENCY_REPLAY);
	assert_int_equal(g.status, 204);
	assert_int_equal(g.body_len, 0);
	arena_free(a);
	db_release(db, c);
	db_close(db);
}

static void
test_release_abandon_expire(void **state)
{
	struct db                 *db = memdb_open();
	struct db_conn            *c = db_acquire(db);
	struct arena              *a = arena_new();
	struct idempotency_request q = request("k2", "h1", T0);
	struct idempotency_found   f, g;

	(void)state;
	assert_int_equal(claim(c, a, &q, &f), IDEMPOTENCY_CLAIMED);
	assert_int_equal(idempotency_release(c, "k2", "user_1", f.claimed_at),
	    0);
	assert_int_equal(claim(c, a, &q, &f), IDEMPOTENCY_CLAIMED);
	/* Still running at the bound; abandoned past it, whatever the
	 * request that finds it. */
	q.now_ms = T0 + IDEMPOTENCY_ABANDONED_MS;
	assert_int_equal(claim(c, a, &q, &g), IDEMPOTENCY_IN_PROGRESS);
	q.now_ms = T0 + IDEMPOTENCY_ABANDONED_MS + 1;
	q.body_hash = "h3";
	assert_int_equal(claim(c, a, &q, &g), IDEMPOTENCY_CLAIMED);
	/* The first request's late answer is not stored over the new claim. */
	assert_int_equal(idempotency_store(c, "k2", "user_1", f.claimed_at, 200,
	                     "{}", 2),
	    0);
	assert_int_equal(idempotency_store(c, "k2", "user_1", g.claimed_at, 200,
	                     "{}", 2),
	    1);
	/* An answer lives 24 h; after that the key is free again. */
	q.now_ms += IDEMPOTENCY_TTL_MS - 1;
	assert_int_equal(claim(c, a, &q, &f), IDEMPOTENCY_REPLAY);
	q.now_ms += 2;
	q.body_hash = "h4";
	assert_int_equal(claim(c, a, &q, &f), IDEMPOTENCY_CLAIMED);
	arena_free(a);
	db_release(db, c);
	db_close(db);
}

static void
test_sweep(void **state)
{
	struct db               *db = memdb_open();
	struct db_conn          *c = db_acquire(db);
	struct arena            *a = arena_new();
	struct idempotency_found f;
	char                     key[16];
	int64_t                  n = 0;
	int                      i;

	(void)state;
	for (i = 0; i < 7; i++) {
		struct idempotency_request q;

		(void)snprintf(key, sizeof(key), "s%d", i);
		q = request(key, "h", T0 + i * 1000);
		assert_int_equal(claim(c, a, &q, &f), IDEMPOTENCY_CLAIMED);
	}
	/* At T0 + 24 h + 3.5 s, the rows of T0 .. T0 + 3 s have expired. */
	assert_int_equal(idempotency_sweep(c, T0 + IDEMPOTENCY_TTL_MS + 3500, 3,
	                     &n),
	    0);
	assert_int_equal(n, 3);
	assert_int_equal(idempotency_sweep(c, T0 + IDEMPOTENCY_TTL_MS + 3500, 3,
	                     &n),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(idempotency_sweep(c, T0 + IDEMPOTENCY_TTL_MS + 3500, 3,
	                     &n),
	    0);
	assert_int_equal(n, 0);
	arena_free(a);
	db_release(db, c);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_claim_store_replay),
	    cmocka_unit_test(test_release_abandon_expire),
	    cmocka_unit_test(test_sweep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
