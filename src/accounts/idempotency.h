/*
 * The stored answers of requests that carried an Idempotency-Key (DESIGN
 * 12.4), in idempotency_keys, by (key, principal). A request claims its key
 * with a row whose status is NULL (in progress), committed on its own, so
 * that every instance on the database sees the claim; its answer is stored
 * in the row afterwards. A claim older than IDEMPOTENCY_ABANDONED_MS was
 * left by a request that never finished (a crash, a lost connection) and
 * may be taken over; a row older than IDEMPOTENCY_TTL_MS counts as absent
 * and is deleted by idempotency_sweep(). Each call runs in autocommit on
 * the caller's connection (no transaction open); bound parameters only.
 */
#ifndef ACCOUNTS_IDEMPOTENCY_H
#define ACCOUNTS_IDEMPOTENCY_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "db/db.h"

/* How long an answer is kept. */
#define IDEMPOTENCY_TTL_MS (24LL * 3600 * 1000)
/*
 * The age at which a claim whose answer never came is abandoned: well
 * past the longest a write can take (Clerk's 10 s timeout, a few seconds
 * waiting for the database, the transaction).
 */
#define IDEMPOTENCY_ABANDONED_MS (60LL * 1000)

/* What a request is, for its key. Strings are borrowed. */
struct idempotency_request {
	const char *key;
	const char *principal; /* who: a Clerk user id, a machine subject */
	const char *method;
	const char *path;
	const char *body_hash; /* of the request's body, hex */
	int64_t     now_ms;
};

enum idempotency_outcome {
	IDEMPOTENCY_CLAIMED,     /* the request runs; claimed_at names it */
	IDEMPOTENCY_REPLAY,      /* answer status and body as stored */
	IDEMPOTENCY_IN_PROGRESS, /* the first request is still running */
	IDEMPOTENCY_MISMATCH,    /* the key was used for another request */
};

struct idempotency_found {
	enum idempotency_outcome outcome;
	/* IDEMPOTENCY_CLAIMED: the claim's time, which idempotency_store()
	 * and idempotency_release() are given back. */
	char claimed_at[ISO_TIME_SIZE];
	/* IDEMPOTENCY_REPLAY: the stored answer (body in the arena). */
	int         status;
	const char *body;
	size_t      body_len;
};

/*
 * Claims q's key for q, or finds what holds it: 0 with *f filled, -1 on a
 * database error (db_errmsg(c)).
 */
int idempotency_claim(struct db_conn *c, const struct idempotency_request *q,
    struct arena *a, struct idempotency_found *f) MUST_CHECK;
/*
 * Stores the answer of the claim (key, principal, claimed_at): 1 stored,
 * 0 when the claim is no longer this request's (taken over as
 * abandoned), -1 on a database error.
 */
int idempotency_store(struct db_conn *c, const char *key, const char *principal,
    const char *claimed_at, int status, const char *body,
    size_t len) MUST_CHECK;
/* Drops the claim, so that the key can run again; 0, or -1. */
int idempotency_release(struct db_conn *c, const char *key,
    const char *principal, const char *claimed_at) MUST_CHECK;
/*
 * Deletes up to limit rows older than IDEMPOTENCY_TTL_MS at now_ms;
 * *deleted gets how many. 0, or -1 on a database error.
 */
int idempotency_sweep(struct db_conn *c, int64_t now_ms, int64_t limit,
    int64_t *deleted) MUST_CHECK;

#endif
