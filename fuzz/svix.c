/*
 * The Svix signature check (src/clerk/svix.c) with any headers and body.
 * Input: a flags byte, then the svix-id, svix-timestamp and
 * svix-signature values on a line each, then the body. Flag 1: the secret
 * is parsed from the id line too (svix_secret_parse on any text). Flag 2:
 * the right signature for these headers and body is appended to the
 * signature list, as a sender holding the secret would; then, whenever
 * the timestamp is a number within the tolerance, the answer must be
 * SVIX_OK, and it must never be SVIX_OK without it (a forgery).
 */
#include "clerk/svix.h"

#include <inttypes.h>

#include "fuzz.h"

#define NOW 1700000000

static struct svix_secret secret;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* The Svix test-suite secret (reference/clerk.md 1.4). */
	if (svix_secret_parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	        &secret) == -1)
		abort();
	return 0;
}

static struct str
trimmed(struct str s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input         in = {(const char *)data, size};
	unsigned                  flags = fuzz_byte(&in);
	struct str                id = fuzz_line(&in), ts = fuzz_line(&in);
	struct str                sigs = fuzz_line(&in), body = fuzz_rest(&in);
	struct svix_secret        own;
	const struct svix_secret *s = &secret;
	char                      sig[SVIX_SIGNATURE_SIZE], *list = NULL;
	int64_t                   t;
	enum svix_result          rc;
	bool                      signed_ok = false, in_time;

	if (flags & 1) {
		char *text = fuzz_cstr(id);

		if (svix_secret_parse(text, &own) == 0) {
			FUZZ_CHECK(own.len > 0 && own.len <= SVIX_MAX_KEY);
			s = &own;
		}
		free(text);
	}
	in_time =
	    str_to_i64(trimmed(ts), INT64_MIN / 2, INT64_MAX / 2, &t) == 0 &&
	    t >= NOW - SVIX_TOLERANCE_S && t <= NOW + SVIX_TOLERANCE_S;
	if ((flags & 2) && in_time &&
	    svix_sign(s, trimmed(id), t, body.p, body.len, sig) == 0) {
		size_t n = sigs.len + 1 + strlen(sig);

		list = malloc(n);
		FUZZ_CHECK(list != NULL);
		memcpy(list, sigs.p, sigs.len);
		list[sigs.len] = ' ';
		memcpy(list + sigs.len + 1, sig, strlen(sig));
		sigs = (struct str){list, n};
		signed_ok = trimmed(id).len > 0;
	}
	rc = svix_verify(s, id, ts, sigs, body.p, body.len, NOW);
	if (signed_ok)
		FUZZ_CHECK(rc == SVIX_OK);
	/* Without the signature, only a guessed HMAC could pass. */
	if (!(flags & 2))
		FUZZ_CHECK(rc != SVIX_OK);
	FUZZ_CHECK(svix_result_str(rc) != NULL);
	if (s == &own)
		svix_secret_cleanup(&own);
	free(list);
	return 0;
}
