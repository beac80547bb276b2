/*
 * Facts derived from Clerk's publishable key (reference/clerk.md 3.3, 4),
 * and loading of the RSA public keys that sign session tokens, from a PEM
 * (CLERK_JWT_KEY) or from one JWKS entry. Pure; thread-safe.
 */
#ifndef CLERK_PUBKEY_H
#define CLERK_PUBKEY_H

#include <jansson.h>
#include <openssl/types.h>
#include <stddef.h>

#include "core/mem.h"

#define CLERK_COOKIE_SUFFIX_SIZE 9    /* 8 characters + NUL */
#define CLERK_RSA_MIN_BITS       2048 /* smaller keys are refused */

/*
 * Writes the Frontend API host of "pk_test_<b64>" / "pk_live_<b64>" (base64,
 * padded or not, of "<host>$") into out. -1 when the key is malformed (other
 * prefix, not base64, no single trailing '$', empty host, a host without '.'
 * or with characters outside [A-Za-z0-9.-]) or out is too small.
 */
int clerk_frontend_api_host(const char *publishable_key, char *out,
    size_t outlen) MUST_CHECK;

/*
 * Writes the cookie suffix (the first 8 characters of the url-safe base64
 * of SHA-1(publishable_key)) and a NUL into out, which holds
 * CLERK_COOKIE_SUFFIX_SIZE bytes; -1 on an empty key.
 */
int clerk_cookie_suffix(const char *publishable_key, char *out) MUST_CHECK;

/*
 * Loads an SPKI PEM ("-----BEGIN PUBLIC KEY-----") holding an RSA key of at
 * least CLERK_RSA_MIN_BITS. The caller passes real newlines: a value whose
 * line breaks were written as the two characters "\n" (common in .env files
 * and dashboards) must be unescaped first. NULL on anything else; the caller
 * frees the key with EVP_PKEY_free.
 */
EVP_PKEY *clerk_pubkey_from_pem(const char *pem) MUST_CHECK;
/* clerk_pubkey_from_pem() of configuration text, where a PEM given on one
 * line carries "\n" escapes for its line breaks. */
EVP_PKEY *clerk_pubkey_from_config(const char *text) MUST_CHECK;

/*
 * Builds the key of one JWK: kty "RSA", n and e in unpadded base64url, alg
 * "RS256" and use "sig" when present, at least CLERK_RSA_MIN_BITS. NULL on
 * anything else; the caller frees the key with EVP_PKEY_free.
 */
EVP_PKEY *clerk_pubkey_from_jwk(const json_t *jwk) MUST_CHECK;

#endif
