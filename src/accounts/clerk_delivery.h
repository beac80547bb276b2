/*
 * One webhook delivery recorded in webhook_events and applied, exactly
 * once, on the caller's connection inside the caller's transaction.
 */
#ifndef ACCOUNTS_CLERK_DELIVERY_H
#define ACCOUNTS_CLERK_DELIVERY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/clerk_sync.h"
#include "core/mem.h"
#include "db/db.h"

enum delivery_outcome {
	DELIVERY_APPLIED = 0,
	DELIVERY_IGNORED,
	DELIVERY_DUPLICATE, /* already applied or ignored: nothing written */
	DELIVERY_FAILED,    /* stored as failed: answer 422 */
};

struct delivery {
	const char   *svix_id;
	const char   *type;
	const char   *payload; /* the raw body, byte for byte */
	size_t        payload_len;
	const json_t *event;
	int64_t       received_ms;
	/* Results. */
	enum delivery_outcome outcome;
	char                  error[SYNC_ERROR_SIZE];
};

/*
 * Records and applies d on c (inside a transaction, under a savepoint the
 * caller rolls back on -1). Returns 0 with d->outcome set, or -1 on a
 * database error (d->error says which).
 */
int clerk_delivery_process(struct db_conn *c, struct delivery *d) MUST_CHECK;
/*
 * The keys of what d may write (its svix id; the Clerk ids of the user,
 * organization, membership or session it names), hashed, into keys (at
 * most max, DELIVERY_LOCK_KEYS is enough); returns how many. Writers that
 * lock them in order before applying (db_lock_keys) never deadlock over
 * those rows.
 */
#define DELIVERY_LOCK_KEYS 6
size_t clerk_delivery_lock_keys(const struct delivery *d, int64_t *keys,
    size_t max) MUST_CHECK;
/* "applied" | "ignored" | "duplicate" | "failed". */
const char *delivery_outcome_str(enum delivery_outcome o);

#endif
