/*
 * Svix webhook signatures (Standard Webhooks): HMAC-SHA256 over
 * "<id>.<timestamp>.<raw body>" with the base64-decoded "whsec_" secret,
 * sent as a space-separated list of "v1,<base64>" entries.
 */
#ifndef CLERK_SVIX_H
#define CLERK_SVIX_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"
#include "core/str.h"

#define SVIX_MAX_KEY        128
#define SVIX_TOLERANCE_S    300
#define SVIX_SIGNATURE_SIZE 48 /* "v1," + 44 base64 characters + NUL */

struct svix_secret {
	unsigned char key[SVIX_MAX_KEY];
	size_t        len;
};

enum svix_result {
	SVIX_OK = 0,
	SVIX_MISSING_HEADERS,
	SVIX_BAD_TIMESTAMP,
	SVIX_TOO_OLD,
	SVIX_TOO_NEW,
	SVIX_NO_MATCH,
};

/*
 * Decodes "whsec_<base64>" (the prefix is optional) into out; -1 when the
 * text is not base64 or decodes to nothing.
 */
int svix_secret_parse(const char *text, struct svix_secret *out) MUST_CHECK;
/* Wipes the key. */
void svix_secret_cleanup(struct svix_secret *s);

/*
 * Checks a delivery: the timestamp within SVIX_TOLERANCE_S of now (Unix
 * seconds), then any "v1," entry of signatures matching in constant time.
 */
enum svix_result svix_verify(const struct svix_secret *s, struct str id,
    struct str timestamp, struct str signatures, const void *body, size_t len,
    int64_t now) MUST_CHECK;

/* Writes "v1,<base64>" for a delivery into out; -1 on failure. */
int svix_sign(const struct svix_secret *s, struct str id, int64_t timestamp,
    const void *body, size_t len, char out[SVIX_SIGNATURE_SIZE]) MUST_CHECK;

/* A short reason for logs ("no matching signature"). */
const char *svix_result_str(enum svix_result r);

#endif
