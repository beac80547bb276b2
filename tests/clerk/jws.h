/*
 * Compact JWS pieces for the tests that mint tokens (jwt_test.c,
 * session_test.c, machine_test.c): base64url without padding, the signing
 * input, an RSA signature over it, a whole RS256 token, and a key's PEM.
 * Include after <cmocka.h>: failures assert.
 */
#ifndef TESTS_CLERK_JWS_H
#define TESTS_CLERK_JWS_H

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
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

/* A compact RS256 token of header and payload (both consumed) signed
 * with k; malloc'd. */
static inline char *
jws_mint(json_t *header, json_t *payload, EVP_PKEY *k)
{
	char         *hs = json_dumps(header, JSON_COMPACT);
	char         *ps = json_dumps(payload, JSON_COMPACT);
	unsigned char sig[512];
	size_t        siglen = sizeof(sig);
	struct buf    b;

	assert_non_null(hs);
	assert_non_null(ps);
	jws_signing_input(&b, hs, ps);
	jws_sign(&b, EVP_sha256(), k, sig, &siglen);
	assert_int_equal(buf_append(&b, ".", 1), 0);
	jws_append_b64url(&b, sig, siglen);
	free(hs);
	free(ps);
	json_decref(header);
	json_decref(payload);
	return buf_release(&b, NULL);
}

/* k's public key in PEM (SubjectPublicKeyInfo), malloc'd; NULL on
 * failure (for a setup function, which may not assert). */
static inline char *
jws_public_pem(EVP_PKEY *k)
{
	BIO  *b = BIO_new(BIO_s_mem());
	char *p, *pem = NULL;
	long  n;

	if (b == NULL)
		return NULL;
	if (PEM_write_bio_PUBKEY(b, k) == 1 &&
	    (n = BIO_get_mem_data(b, &p)) > 0)
		pem = strndup(p, (size_t)n);
	BIO_free(b);
	return pem;
}

#endif
