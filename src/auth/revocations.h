/*
 * The sessions whose tokens are refused (DESIGN section 11.3): a session
 * that Clerk ended, removed or revoked refuses its tokens on every
 * instance within a second of the acknowledgement of its webhook, even
 * tokens the verified-token cache holds. Each instance keeps the ids in
 * memory, read on every authenticated request, filled at start from the
 * sessions mirror and kept current by a poller thread that reads the
 * sessions changed since its last look; the instance that receives the
 * webhook adds the id at once. A session absent from the mirror refuses
 * nothing. Owned by "serve" (started before the server, stopped after
 * it); revocations_contains() and revocations_add() are safe from any
 * thread.
 */
#ifndef AUTH_REVOCATIONS_H
#define AUTH_REVOCATIONS_H

#include <stdbool.h>

#include "core/mem.h"

struct db;
struct revocations;

/* An empty set reading db; nothing runs until revocations_start(). */
struct revocations *revocations_new(struct db *db) MUST_CHECK;
/*
 * Loads the refused sessions of the last day (when the database answers:
 * else the poller loads them once it does) and starts the poller. -1 when
 * the thread cannot be started.
 */
int revocations_start(struct revocations *rv) MUST_CHECK;
/* Stops the poller and waits for it (at most one read in flight). */
void revocations_stop(struct revocations *rv);
/* Frees rv (stopped first if it runs); NULL does nothing. */
void revocations_free(struct revocations *rv);

/* True when the tokens of session sid are refused (NULL rv or sid:
 * false). A read lock, a hash and a probe. */
bool revocations_contains(const struct revocations *rv,
    const char                                     *sid) MUST_CHECK;
/* Refuses the tokens of sid from now on (this instance's own delivery,
 * or the admin's revoke; the poller finds it in the mirror too). */
void revocations_add(struct revocations *rv, const char *sid);

#endif
