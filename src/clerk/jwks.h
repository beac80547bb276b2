/*
 * The JWKS cache: Clerk's signing keys fetched from the Backend API
 * (/v1/jwks) by a background thread, cached by kid, re-read after
 * JWKS_TTL_S, refetched on an unknown kid at most once every
 * JWKS_MISS_INTERVAL_S, one fetch at a time. A request thread never waits
 * on the network: when a fetch is needed it gets JWKS_PENDING and asks to
 * be called back when the fetch is over. Shared by all request threads;
 * owned by "serve".
 */
#ifndef CLERK_JWKS_H
#define CLERK_JWKS_H

#include <openssl/evp.h>
#include <stdint.h>

#include "core/mem.h"

#define JWKS_TTL_S           300
#define JWKS_MISS_INTERVAL_S 10

struct jwks;

enum jwks_result {
	JWKS_FOUND = 0,
	JWKS_UNKNOWN_KID, /* the set was read and has no such key */
	JWKS_UNAVAILABLE, /* no key set could be read (yet) */
	JWKS_PENDING,     /* a fetch is under way: wait with jwks_on_ready */
};

typedef void (*jwks_ready_fn)(void *arg);

/* A cache for api_url with secret_key; starts the first fetch at once. */
struct jwks *jwks_new(const char *api_url, const char *secret_key) MUST_CHECK;
/* Stops the fetcher (after its current fetch) and frees everything. */
void jwks_free(struct jwks *j);
/*
 * The key for kid in *key (a new reference: EVP_PKEY_free it). When the
 * set must be (re)read first, starts that and returns JWKS_PENDING with
 * *ticket set for jwks_on_ready().
 */
enum jwks_result jwks_get(struct jwks *j, const char *kid, EVP_PKEY **key,
    uint64_t *ticket) MUST_CHECK;
/*
 * Calls ready(arg) once the fetch that ticket waits for is over: from the
 * fetcher thread, or at once from this thread if it is already over.
 */
void jwks_on_ready(struct jwks *j, uint64_t ticket, jwks_ready_fn ready,
    void *arg);

#endif
