/*
 * Svix signature checking with OpenSSL's HMAC and constant-time compare and
 * libsodium's base64. Pure apart from the crypto libraries; thread-safe.
 * The timestamp is checked before the MAC, as the official libraries do.
 */
#include "clerk/svix.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"

#define MAC_LEN     32
#define MAC_B64_LEN 44

int
svix_secret_parse(const char *text, struct svix_secret *out)
{
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (strncmp(text, "whsec_", 6) == 0)
		text += 6;
	if (sodium_base642bin(out->key, sizeof(out->key), text, strlen(text),
	        NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n == 0) {
		sodium_memzero(out, sizeof(*out));
		return -1;
	}
	out->len = n;
	return 0;
}

void
svix_secret_cleanup(struct svix_secret *s)
{
	sodium_memzero(s, sizeof(*s));
}

/* base64(HMAC-SHA256(key, id "." ts "." body)) into out (45 bytes). */
static int
compute(const struct svix_secret *s, struct str id, int64_t ts,
    const void *body, size_t len, char out[MAC_B64_LEN + 1])
{
	unsigned char mac[MAC_LEN];
	unsigned int  maclen = 0;
	struct buf    msg;
	int           rc = -1;

	buf_init(&msg, 0);
	if (buf_append(&msg, id.p, id.len) == -1 ||
	    buf_appendf(&msg, ".%" PRId64 ".", ts) == -1 ||
	    buf_append(&msg, body, len) == -1)
		goto out;
	if (HMAC(EVP_sha256(), s->key, (int)s->len,
	        (const unsigned char *)msg.data, msg.len, mac,
	        &maclen) == NULL ||
	    maclen != MAC_LEN)
		goto out;
	sodium_bin2base64(out, MAC_B64_LEN + 1, mac, MAC_LEN,
	    sodium_base64_VARIANT_ORIGINAL);
	rc = 0;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	buf_cleanup(&msg);
	return rc;
}

static struct str
trim(struct str s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/* True when one "v1,<b64>" entry of the space-separated list equals mac. */
static bool
any_matches(struct str sigs, const char *mac)
{
	bool   found = false;
	size_t i = 0;

	while (i < sigs.len) {
		size_t start, end;

		while (i < sigs.len && sigs.p[i] == ' ')
			i++;
		start = i;
		while (i < sigs.len && sigs.p[i] != ' ')
			i++;
		end = i;
		/* Only exact "v1," entries of the right length count. */
		if (end - start == 3 + MAC_B64_LEN &&
		    memcmp(sigs.p + start, "v1,", 3) == 0 &&
		    CRYPTO_memcmp(sigs.p + start + 3, mac, MAC_B64_LEN) == 0)
			found = true; /* keep going: no early exit */
	}
	return found;
}

enum svix_result
svix_verify(const struct svix_secret *s, struct str id, struct str timestamp,
    struct str signatures, const void *body, size_t len, int64_t now)
{
	char    mac[MAC_B64_LEN + 1];
	int64_t ts;
	bool    ok;

	id = trim(id);
	timestamp = trim(timestamp);
	signatures = trim(signatures);
	if (id.len == 0 || timestamp.len == 0 || signatures.len == 0)
		return SVIX_MISSING_HEADERS;
	if (str_to_i64(timestamp, INT64_MIN / 2, INT64_MAX / 2, &ts) == -1)
		return SVIX_BAD_TIMESTAMP;
	if (now - ts > SVIX_TOLERANCE_S)
		return SVIX_TOO_OLD;
	if (ts > now + SVIX_TOLERANCE_S)
		return SVIX_TOO_NEW;
	if (compute(s, id, ts, body, len, mac) == -1)
		return SVIX_NO_MATCH;
	ok = any_matches(signatures, mac);
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok ? SVIX_OK : SVIX_NO_MATCH;
}

int
svix_sign(const struct svix_secret *s, struct str id, int64_t timestamp,
    const void *body, size_t len, char out[SVIX_SIGNATURE_SIZE])
{
	char mac[MAC_B64_LEN + 1];

	if (compute(s, id, timestamp, body, len, mac) == -1)
		return -1;
	(void)snprintf(out, SVIX_SIGNATURE_SIZE, "v1,%s", mac);
	return 0;
}

const char *
svix_result_str(enum svix_result r)
{
	switch (r) {
	case SVIX_OK:
		return "ok";
	case SVIX_MISSING_HEADERS:
		return "missing required headers";
	case SVIX_BAD_TIMESTAMP:
		return "invalid timestamp header";
	case SVIX_TOO_OLD:
		return "message timestamp too old";
	case SVIX_TOO_NEW:
		return "message timestamp too new";
	case SVIX_NO_MATCH:
		return "no matching signature found";
	}
	return "invalid";
}
