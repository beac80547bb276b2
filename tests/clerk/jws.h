/*
 * Compact JWS pieces for the tests that mint session tokens (jwt_test.c,
 * session_test.c): base64url without padding, the signing input and an
 * RSA signature over it. Include after <cmocka.h>: failures assert.
 */
#ifndef TESTS_CLERK_JWS_H
#define TESTS_CLERK_JWS_H

#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#define JWS_B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static inline void
jws_append_b64url(struct buf *b, const void *p, size_t len)
{
	size_t n = sodium_base64_ENCODED_LEN(len, JWS_B64);
	char  *enc = malloc(n);

	assert_non_null(enc);
	sodium_bin2base64(enc, n, p, len, JWS_B64);
	assert_int_equal(buf_append_cstr(b, enc), 0);
	free(enc);
}

/* Starts b with "b64(header).b64(payload)", what the signature covers. */
static inline void
jws_signing_input(struct buf *b, const char *header, const char *payload)
{
	buf_init(b, 0);
	jws_append_b64url(b, header, strlen(header));
	assert_int_equal(buf_append(b, ".", 1), 0);
	jws_append_b64url(b, payload, strlen(payload));
}

/* Signs b's bytes with md and k (RSA PKCS#1 v1.5): *siglen in, then out. */
static inline void
jws_sign(const struct buf *b, const EVP_MD *md, EVP_PKEY *k, unsigned char *sig,
    size_t *siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, md, NULL, k), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, siglen,
	                     (const unsigned char *)b->data, b->len),
	    1);
	EVP_MD_CTX_free(ctx);
}

#endif
