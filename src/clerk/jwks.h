/*
 * The JWKS cache: Clerk's signing keys fetched from the Backend API
 * (/v1/jwks), cached by kid, re-read after JWKS_TTL_S, refetched on an
 * unknown kid at most once every JWKS_MISS_INTERVAL_S, one fetch at a time.
 * Shared by all request threads; owned by "serve".
 */
#ifndef CLERK_JWKS_H
#define CLERK_JWKS_H

#include <openssl/evp.h>

#include "core/mem.h"

#define JWKS_TTL_S           300
#define JWKS_MISS_INTERVAL_S 10

struct jwks;

enum jwks_result {
	JWKS_FOUND = 0,
	JWKS_UNKNOWN_KID, /* the set was read and has no such key */
	JWKS_UNAVAILABLE, /* no key set could be read yet */
};

/* A cache for api_url with secret_key; nothing is fetched yet. */
struct jwks *jwks_new(const char *api_url, const char *secret_key) MUST_CHECK;
void         jwks_free(struct jwks *j);
/*
 * The key for kid in *key (a new reference: EVP_PKEY_free it), fetching
 * the set when needed. Waits at most a few seconds for another thread's
 * fetch.
 */
enum jwks_result jwks_get(struct jwks *j, const char *kid,
    EVP_PKEY **key) MUST_CHECK;

#endif
