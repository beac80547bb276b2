/*
 * The request side of machine-token verification (DESIGN section 13): the
 * verdict cache in front of clerk/machine, one verification per token at
 * a time (the first request makes the Backend API call; concurrent first
 * uses of the same token suspend until it is over), and the outage rule
 * (Clerk unreachable, 429, 5xx, or refusing our secret key, with no
 * cached verdict: unavailable, never refused). What a verdict means for
 * the route (its accepted types and subjects, the auth context, the
 * answer) is auth/gate's. Shared by all threads; owned by the gate.
 */
#ifndef AUTH_MACHINE_GATE_H
#define AUTH_MACHINE_GATE_H

#include <stddef.h>

#include "clerk/machine.h"
#include "core/mem.h"

struct clerk_session;
struct config;
struct machine_gate;
struct req;

/* Accepted verdicts are kept at most this long (and never past the
 * token's expiration); refusals this long. */
#define MACHINE_ACCEPTED_TTL_MS 60000
#define MACHINE_REFUSED_TTL_MS  10000
/* Verdicts held at most (the oldest go first). */
#define MACHINE_CACHE_ENTRIES 65536

/* The verification's machinery from the configuration (the Backend API
 * URL and CLERK_SECRET_KEY, which may be unset: then every machine token
 * is refused). */
struct machine_gate *machine_gate_new(const struct config *cfg) MUST_CHECK;
void                 machine_gate_free(struct machine_gate *m);

enum machine_gate_result {
	MACHINE_GATE_OK,          /* v filled, its strings in r's arena */
	MACHINE_GATE_REFUSED,     /* *why says why: 401 */
	MACHINE_GATE_UNAVAILABLE, /* nothing could be verified: 503 */
	/* r is suspended until a verification it waits for is over (it
	 * then runs again): return HTTP_SUSPENDED. */
	MACHINE_GATE_SUSPENDED,
};

/*
 * Verifies token, a machine token of kind k from r's Authorization
 * header: from the cache, else through the Backend API (opaque forms) or
 * verifier's key source (JWT forms). Writes no response; counts the
 * cache lookups and the Backend API calls in /metrics; logs Clerk's
 * refusal of the secret key as an error.
 */
enum machine_gate_result machine_gate_verify(struct req *r,
    struct machine_gate *m, struct clerk_session *verifier, const char *token,
    struct machine_kind k, struct machine_verdict *v,
    const char **why) MUST_CHECK;

#endif
