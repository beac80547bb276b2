/*
 * Clerk session tokens (src/clerk/jwt.c): the parser, the verifier and the
 * decoding of the claims, v2 permission masks included. jwt.c is included
 * here, as the unit tests of static functions do, so that the claims can
 * also be decoded without a signature in the way. An RSA key is made at
 * start; the first byte of an input picks what the rest is:
 *   0  a token, verified as it is (the signature almost never holds: this
 *      fuzzes the splitting, base64url, JSON and header checks);
 *   1  a header (first line) and a payload (the rest), encoded and signed
 *      with the key: the whole verification, down to the claims;
 *   2  a payload, its claims checked and decoded directly;
 *   3  an fpm permission mask, decoded and compared with plain 64-bit
 *      arithmetic.
 * Properties: a token signed here never fails on its signature; decoded
 * permissions are "org:<feature>:<name>"; a mask's low 64 bits are the
 * number modulo 2^64; a claim string is never NULL after success.
 */
#include "clerk/jwt.c"

#include <openssl/evp.h>
#include <sodium.h>

#include "fuzz.h"

#define NOW     1700000000
#define ISS     "https://example.accounts.dev"
#define PARTIES "https://app.example.com , http://localhost:8080"

static EVP_PKEY *key;

static EVP_PKEY *
lookup(const char *kid, void *ctx)
{
	(void)ctx;
	return kid != NULL && strcmp(kid, "unknown") == 0 ? NULL : key;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	clerk_jwt_use_scratch(); /* as serve does */
	/* Small, to sign fast: the key's size is not what is fuzzed. */
	key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	if (key == NULL)
		abort();
	return 0;
}

static void
b64url(struct buf *b, struct str s)
{
	const int v = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
	size_t    n = sodium_base64_ENCODED_LEN(s.len, v);
	char     *enc = malloc(n);

	FUZZ_CHECK(enc != NULL);
	sodium_bin2base64(enc, n, (const unsigned char *)s.p, s.len, v);
	FUZZ_CHECK(buf_append_cstr(b, enc) == 0);
	free(enc);
}

/* "b64(header).b64(payload).b64(signature)" signed with key into b. */
static void
sign(struct buf *b, struct str header, struct str payload)
{
	unsigned char sig[256];
	size_t        siglen = sizeof(sig);
	EVP_MD_CTX   *ctx = EVP_MD_CTX_new();

	FUZZ_CHECK(ctx != NULL);
	b64url(b, header);
	FUZZ_CHECK(buf_append(b, ".", 1) == 0);
	b64url(b, payload);
	FUZZ_CHECK(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1);
	FUZZ_CHECK(EVP_DigestSign(ctx, sig, &siglen,
	               (const unsigned char *)b->data, b->len) == 1);
	EVP_MD_CTX_free(ctx);
	FUZZ_CHECK(buf_append(b, ".", 1) == 0);
	b64url(b, (struct str){(const char *)sig, siglen});
}

static void
check_claims_out(const struct clerk_claims *c)
{
	size_t i;

	FUZZ_CHECK(c->sub != NULL && c->sub[0] != '\0');
	FUZZ_CHECK(c->sid != NULL && c->sid[0] != '\0');
	FUZZ_CHECK(c->iss != NULL && c->azp != NULL && c->sts != NULL);
	FUZZ_CHECK(c->org_id != NULL && c->org_role != NULL);
	FUZZ_CHECK(c->has_org == (c->org_id[0] != '\0'));
	for (i = 0; i < c->org_permissions_len; i++)
		FUZZ_CHECK(c->org_permissions[i] != NULL);
}

/* The properties of v2 permissions: "org:" then a feature, ':', a name. */
static void
check_v2_permissions(const struct clerk_claims *c)
{
	size_t i;

	if (c->version != 2)
		return;
	for (i = 0; i < c->org_permissions_len; i++) {
		const char *p = c->org_permissions[i];

		FUZZ_CHECK(strncmp(p, "org:", 4) == 0);
		FUZZ_CHECK(strchr(p + 4, ':') != NULL);
	}
}

/* has() over the claims, as the gate asks it. */
static void
ask(const struct clerk_claims *c)
{
	struct has_subject s;
	struct has_query   q = {"org:admin", "org:invoices:read", "o:teams",
	      "u:pro", "strict"};

	clerk_claims_subject(c, &s);
	(void)has_check(&s, &q);
}

static void
fuzz_token(struct str token, bool azp_may_be_missing)
{
	struct clerk_jwt_opts o = {lookup, NULL, ISS, PARTIES,
	    azp_may_be_missing, NOW};
	struct clerk_claims   c;
	enum clerk_jwt_error  rc = clerk_jwt_verify(token.p, token.len, &o, &c);

	if (rc == CLERK_JWT_OK) {
		check_claims_out(&c);
		check_v2_permissions(&c);
		ask(&c);
	}
	FUZZ_CHECK(clerk_jwt_error_str(rc) != NULL);
	clerk_claims_cleanup(&c);
}

static void
fuzz_signed(struct str header, struct str payload, bool azp_may_be_missing)
{
	struct clerk_jwt_opts o = {lookup, NULL, ISS, PARTIES,
	    azp_may_be_missing, NOW};
	struct clerk_claims   c;
	enum clerk_jwt_error  rc;
	struct buf            b;

	if (header.len == 0 || payload.len == 0)
		return;
	buf_init(&b, 0);
	sign(&b, header, payload);
	rc = clerk_jwt_verify(b.data, b.len, &o, &c);
	FUZZ_CHECK(rc != CLERK_JWT_SIGNATURE && rc != CLERK_JWT_INTERNAL);
	if (rc == CLERK_JWT_OK) {
		check_claims_out(&c);
		check_v2_permissions(&c);
		ask(&c);
	}
	clerk_claims_cleanup(&c);
	buf_cleanup(&b);
}

static void
fuzz_claims(struct str payload, bool azp_may_be_missing)
{
	struct clerk_jwt_opts o = {lookup, NULL, ISS, PARTIES,
	    azp_may_be_missing, NOW};
	struct clerk_claims   c;
	json_t               *p =
	    json_loadb(payload.p, payload.len, JSON_REJECT_DUPLICATES, NULL);

	if (p == NULL)
		return;
	memset(&c, 0, sizeof(c));
	if (json_is_object(p)) {
		enum clerk_jwt_error rc = check_claims(p, &o, &c);

		/* The decoding runs after the checks in a verification; here
		 * it runs on any object, to reach it from every input. */
		if (copy_claims(p, &c) == CLERK_JWT_OK) {
			check_v2_permissions(&c);
			if (rc == CLERK_JWT_OK) {
				check_claims_out(&c);
				ask(&c);
			}
		}
	}
	clerk_claims_cleanup(&c);
	json_decref(p);
}

static void
fuzz_mask(struct str digits)
{
	uint32_t bits[4];
	uint64_t want = 0;
	size_t   i;

	if (mask_decode(digits, bits, ARRAY_LEN(bits)) == -1)
		return;
	for (i = 0; i < digits.len; i++) {
		FUZZ_CHECK(digits.p[i] >= '0' && digits.p[i] <= '9');
		want = want * 10 + (uint64_t)(digits.p[i] - '0');
	}
	FUZZ_CHECK(((uint64_t)bits[1] << 32 | bits[0]) == want);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {(const char *)data, size};
	unsigned          mode = fuzz_byte(&in);
	bool              azp_may_be_missing = (mode & 0x80) != 0;
	struct str        header;

	switch (mode & 3) {
	case 0:
		fuzz_token(fuzz_rest(&in), azp_may_be_missing);
		break;
	case 1:
		header = fuzz_line(&in);
		fuzz_signed(header, fuzz_rest(&in), azp_may_be_missing);
		break;
	case 2:
		fuzz_claims(fuzz_rest(&in), azp_may_be_missing);
		break;
	default:
		fuzz_mask(fuzz_rest(&in));
		break;
	}
	return 0;
}
