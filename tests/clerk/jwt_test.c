/*
 * Session-token verification (DESIGN.md 6, reference/clerk.md 3.4) against
 * tokens minted here: an RSA-2048 key generated with OpenSSL, header and
 * payload base64url-encoded and signed with EVP_DigestSign. The clock is
 * injected (NOW).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "clerk/jwt.h"
#include "core/buf.h"
#include "jws.h"

#define NOW      1700000000
#define KID      "ins_2GIoQhbUpy0hX7B2cVkuTMinXoD"
#define ISS      "https://example.accounts.dev"
#define ORIGIN   "http://localhost:8080"
#define PARTIES  "https://app.example.com , " ORIGIN ",https://b.example"
#define BIG_SIZE ((size_t)20 * 1024)

static EVP_PKEY *key, *other_key, *ec_key;

static int
setup(void **state)
{
	(void)state;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	other_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return key == NULL || other_key == NULL || ec_key == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key);
	EVP_PKEY_free(other_key);
	EVP_PKEY_free(ec_key);
	return 0;
}

/* A JWKS-like source: only KID is known. */
static EVP_PKEY *
lookup_kid(const char *kid, void *ctx)
{
	(void)ctx;
	if (kid == NULL || strcmp(kid, KID) != 0)
		return NULL;
	return key;
}

/* A single-PEM source (CLERK_JWT_KEY): answers any kid, or none. */
static EVP_PKEY *
lookup_single(const char *kid, void *ctx)
{
	(void)kid;
	return ctx;
}

static struct clerk_jwt_opts
opts(void)
{
	struct clerk_jwt_opts o = {
	    .lookup = lookup_kid,
	    .issuer = ISS,
	    .authorized_parties = PARTIES,
	    .now = NOW,
	};

	return o;
}

/*
 * "b64(header).b64(payload).b64(sig)": sig made with md and k (RSA
 * PKCS#1 v1.5), or with HMAC-SHA256 keyed by hmac_key, or empty when both
 * are NULL. Returns a malloc'd string.
 */
static char *
mint_raw(const char *header, const char *payload, const EVP_MD *md, EVP_PKEY *k,
    const char *hmac_key)
{
	unsigned char sig[1024];
	size_t        siglen = sizeof(sig);
	unsigned int  maclen = 0;
	struct buf    b;

	jws_signing_input(&b, header, payload);
	if (k != NULL) {
		jws_sign(&b, md, k, sig, &siglen);
	} else if (hmac_key != NULL) {
		assert_non_null(
		    HMAC(EVP_sha256(), hmac_key, (int)strlen(hmac_key),
		        (const unsigned char *)b.data, b.len, sig, &maclen));
		siglen = maclen;
	} else {
		siglen = 0;
	}
	assert_int_equal(buf_append(&b, ".", 1), 0);
	if (siglen > 0)
		jws_append_b64url(&b, sig, siglen);
	return buf_release(&b, NULL);
}

/* Signs header and payload (both consumed) with RS256 and k. */
static char *
mint_with(json_t *header, json_t *payload, const EVP_MD *md, EVP_PKEY *k)
{
	char *h = json_dumps(header, JSON_COMPACT);
	char *p = json_dumps(payload, JSON_COMPACT);
	char *t;

	assert_non_null(h);
	assert_non_null(p);
	t = mint_raw(h, p, md, k, NULL);
	free(h);
	free(p);
	json_decref(header);
	json_decref(payload);
	return t;
}

static char *
mint(json_t *header, json_t *payload)
{
	return mint_with(header, payload, EVP_sha256(), key);
}

static json_t *
base_header(void)
{
	json_t *h = json_pack("{s:s, s:s, s:s, s:s}", "alg", "RS256", "kid",
	    KID, "typ", "JWT", "cat", CLERK_CATEGORY_SESSION);

	assert_non_null(h);
	return h;
}

/* A v1 session token's claims as ClerkJS gets them, valid at NOW. */
static json_t *
base_payload(void)
{
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "sub",
	    "user_2pQk8mZ3vN7rT1xYbL4cW9dF6hJ", "sid",
	    "sess_2pQk9aB3cD4eF5gH6iJ7kL8mN9o", "iss", ISS, "azp", ORIGIN,
	    "exp", (json_int_t)NOW + 60, "nbf", (json_int_t)NOW - 10, "iat",
	    (json_int_t)NOW, "jti", "abc123");

	assert_non_null(p);
	return p;
}

static void
set(json_t *obj, const char *k, json_t *v)
{
	assert_non_null(v);
	assert_int_equal(json_object_set_new(obj, k, v), 0);
}

static void
del(json_t *obj, const char *k)
{
	assert_int_equal(json_object_del(obj, k), 0);
}

/* Verifies a NUL-terminated token, frees it, returns the result. */
static enum clerk_jwt_error
check_with(char *token, const struct clerk_jwt_opts *o)
{
	struct clerk_claims  c;
	enum clerk_jwt_error rc;

	rc = clerk_jwt_verify(token, strlen(token), o, &c);
	if (rc != CLERK_JWT_OK)
		assert_null(c.sub);
	clerk_claims_cleanup(&c);
	free(token);
	return rc;
}

static enum clerk_jwt_error
check(char *token)
{
	struct clerk_jwt_opts o = opts();

	return check_with(token, &o);
}

/* Mints base claims with one member changed (v NULL: removed), checks. */
static enum clerk_jwt_error
check_claim(const char *member, json_t *v)
{
	json_t *p = base_payload();

	if (v == NULL)
		del(p, member);
	else
		set(p, member, v);
	return check(mint(base_header(), p));
}

static enum clerk_jwt_error
check_header_member(const char *member, json_t *v)
{
	json_t *h = base_header();

	if (v == NULL)
		del(h, member);
	else
		set(h, member, v);
	return check(mint(h, base_payload()));
}

static void
valid_v1(void **state)
{
	struct clerk_jwt_opts o = opts();
	struct clerk_claims   c;
	json_t               *p = base_payload();
	char                 *t;

	(void)state;
	set(p, "org_id", json_string("org_29w9UtO2OpJqgnzyqqMv0CvhaEh"));
	set(p, "org_slug", json_string("acme"));
	set(p, "org_role", json_string("org:admin"));
	set(p, "org_permissions",
	    json_pack("[s, s, i]", "org:billing:manage", "org:teams:read", 7));
	t = mint(base_header(), p);
	assert_int_equal(clerk_jwt_verify(t, strlen(t), &o, &c), CLERK_JWT_OK);
	assert_string_equal(c.sub, "user_2pQk8mZ3vN7rT1xYbL4cW9dF6hJ");
	assert_string_equal(c.sid, "sess_2pQk9aB3cD4eF5gH6iJ7kL8mN9o");
	assert_string_equal(c.iss, ISS);
	assert_string_equal(c.azp, ORIGIN);
	assert_int_equal(c.exp, NOW + 60);
	assert_true(c.has_nbf);
	assert_int_equal(c.nbf, NOW - 10);
	assert_true(c.has_iat);
	assert_int_equal(c.iat, NOW);
	assert_int_equal(c.version, 1);
	assert_true(c.has_org);
	assert_string_equal(c.org_id, "org_29w9UtO2OpJqgnzyqqMv0CvhaEh");
	assert_string_equal(c.org_slug, "acme");
	assert_string_equal(c.org_role, "org:admin");
	assert_int_equal(c.org_permissions_len, 2);
	assert_string_equal(c.org_permissions[0], "org:billing:manage");
	assert_string_equal(c.org_permissions[1], "org:teams:read");
	clerk_claims_cleanup(&c);
	assert_null(c.sub);
	clerk_claims_cleanup(&c); /* twice is fine */
	free(t);
}

static void
valid_v1_no_org(void **state)
{
	struct clerk_jwt_opts o = opts();
	struct clerk_claims   c;
	json_t               *p = base_payload();
	char                 *t;

	(void)state;
	del(p, "nbf");
	del(p, "iat");
	del(p, "azp");
	o.authorized_parties = NULL;
	t = mint(base_header(), p);
	assert_int_equal(clerk_jwt_verify(t, strlen(t), &o, &c), CLERK_JWT_OK);
	assert_false(c.has_nbf);
	assert_false(c.has_iat);
	assert_false(c.has_org);
	assert_string_equal(c.azp, "");
	assert_string_equal(c.org_id, "");
	assert_string_equal(c.org_role, "");
	assert_int_equal(c.org_permissions_len, 0);
	clerk_claims_cleanup(&c);
	free(t);
}

static void
valid_v2(void **state)
{
	struct clerk_jwt_opts o = opts();
	struct clerk_claims   c;
	json_t               *p = base_payload();
	char                 *t;

	(void)state;
	set(p, "v", json_integer(2));
	/* The docs' example, with user features around the org ones. */
	set(p, "fea", json_string("u:profile, o:dashboard,ou:teams,u:x"));
	set(p, "pla", json_string("o:pro"));
	set(p, "o",
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", "org_1", "slg", "acme",
	        "rol", "admin", "per", "manage,read", "fpm", "3, 2"));
	t = mint(base_header(), p);
	assert_int_equal(clerk_jwt_verify(t, strlen(t), &o, &c), CLERK_JWT_OK);
	assert_int_equal(c.version, 2);
	assert_true(c.has_org);
	assert_string_equal(c.org_id, "org_1");
	assert_string_equal(c.org_slug, "acme");
	assert_string_equal(c.org_role, "org:admin");
	assert_int_equal(c.org_permissions_len, 3);
	assert_string_equal(c.org_permissions[0], "org:dashboard:manage");
	assert_string_equal(c.org_permissions[1], "org:dashboard:read");
	assert_string_equal(c.org_permissions[2], "org:teams:read");
	clerk_claims_cleanup(&c);
	free(t);
}

static void
v2_edge_cases(void **state)
{
	struct clerk_jwt_opts o = opts();
	struct clerk_claims   c;
	json_t               *p;
	char                 *t;

	(void)state;
	/* No "o": no active org. */
	p = base_payload();
	set(p, "v", json_integer(2));
	t = mint(base_header(), p);
	assert_int_equal(clerk_jwt_verify(t, strlen(t), &o, &c), CLERK_JWT_OK);
	assert_int_equal(c.version, 2);
	assert_false(c.has_org);
	assert_string_equal(c.org_role, "");
	clerk_claims_cleanup(&c);
	free(t);

	/* Fewer masks than features, bits past the names, no role. */
	p = base_payload();
	set(p, "v", json_integer(2));
	set(p, "fea", json_string("o:a,o:b,o:c"));
	set(p, "o",
	    json_pack("{s:s, s:s, s:s, s:s}", "id", "org_1", "slg", "acme",
	        "per", "x,y", "fpm", "7,x"));
	t = mint(base_header(), p);
	assert_int_equal(clerk_jwt_verify(t, strlen(t), &o, &c), CLERK_JWT_OK);
	assert_true(c.has_org);
	assert_string_equal(c.org_role, "");
	assert_int_equal(c.org_permissions_len, 2);
	assert_string_equal(c.org_permissions[0], "org:a:x");
	assert_string_equal(c.org_permissions[1], "org:a:y");
	clerk_claims_cleanup(&c);
	free(t);

	/* v1 org claims are ignored in a v2 token, and no fea: none. */
	p = base_payload();
	set(p, "v", json_integer(2));
	set(p, "org_id", json_string("org_v1"));
	set(p, "o",
	    json_pack("{s:s, s:s, s:s, s:s}", "id", "org_2", "rol", "member",
	        "per", "read", "fpm", "1"));
	t = mint(base_header(), p);
	assert_int_equal(clerk_jwt_verify(t, strlen(t), &o, &c), CLERK_JWT_OK);
	assert_string_equal(c.org_id, "org_2");
	assert_string_equal(c.org_slug, "");
	assert_string_equal(c.org_role, "org:member");
	assert_int_equal(c.org_permissions_len, 0);
	clerk_claims_cleanup(&c);
	free(t);
}

/* Verifies payload p (consumed) into c with the default options. */
static enum clerk_jwt_error
verify_into(json_t *p, struct clerk_claims *c)
{
	struct clerk_jwt_opts o = opts();
	char                 *t = mint(base_header(), p);
	enum clerk_jwt_error  rc = clerk_jwt_verify(t, strlen(t), &o, c);

	free(t);
	return rc;
}

/* A v2 payload, o = {id, rol: admin, per, fpm}; NULL members left out. */
static json_t *
v2_payload(const char *fea, const char *per, const char *fpm)
{
	json_t *p = base_payload(),
	       *o = json_pack("{s:s, s:s}", "id", "org_123", "rol", "admin");

	assert_non_null(o);
	set(p, "v", json_integer(2));
	if (fea != NULL)
		set(p, "fea", json_string(fea));
	if (per != NULL)
		set(o, "per", json_string(per));
	if (fpm != NULL)
		set(o, "fpm", json_string(fpm));
	set(p, "o", o);
	return p;
}

/* The permissions of c joined by ' ', in a static buffer. */
static const char *
perms_of(const struct clerk_claims *c)
{
	static char out[8192];
	size_t      i, used = 0;
	int         n;

	out[0] = '\0';
	for (i = 0; i < c->org_permissions_len; i++) {
		n = snprintf(out + used, sizeof(out) - used, "%s%s",
		    i > 0 ? " " : "", c->org_permissions[i]);
		assert_true(n >= 0 && (size_t)n < sizeof(out) - used);
		used += (size_t)n;
	}
	return out;
}

/* fea, per and fpm decode to want (permissions joined by ' '). */
static void
expect_perms(const char *fea, const char *per, const char *fpm,
    const char *want)
{
	struct clerk_claims c;

	assert_int_equal(verify_into(v2_payload(fea, per, fpm), &c),
	    CLERK_JWT_OK);
	assert_string_equal(perms_of(&c), want);
	clerk_claims_cleanup(&c);
}

/* "<prefix>0,<prefix>1,...,<prefix>(n-1)", malloc'd. */
static char *
numbered(const char *prefix, int n)
{
	struct buf b;
	int        i;

	buf_init(&b, 0);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_appendf(&b, "%s%s%d", i > 0 ? "," : "",
		                     prefix, i),
		    0);
	return buf_release(&b, NULL);
}

/*
 * reference/clerk.md 9.6, vectors 8 to 11 (@clerk/shared
 * jwtPayloadParser.spec.ts), and the mask-index case: the i-th mask goes
 * with the i-th org-scoped feature, user features not counted.
 */
static void
v2_decode_vectors(void **state)
{
	(void)state;
	expect_perms("o:impersonation,o:memberships", "read,manage", "1,3",
	    "org:impersonation:read org:memberships:read "
	    "org:memberships:manage");
	expect_perms("o:repositories,o:projects",
	    "read,create,update,delete,revoke", "7,21",
	    "org:repositories:read org:repositories:create "
	    "org:repositories:update org:projects:read org:projects:update "
	    "org:projects:revoke");
	expect_perms("o:repositories,o:impersonation,o:billing",
	    "manage,read,update", "6,0,3",
	    "org:repositories:read org:repositories:update "
	    "org:billing:manage org:billing:read");
	expect_perms("uo:impersonation,o:memberships,uo:feature3",
	    "read,manage", "1,3,1",
	    "org:impersonation:read org:memberships:read "
	    "org:memberships:manage org:feature3:read");
	expect_perms("u:x,o:a", "read,manage", "0,3", "");
	/* Trimmed names and masks; empty or missing per/fpm give none. */
	expect_perms(" o:a ", " read , manage ", " 3 ",
	    "org:a:read org:a:manage");
	expect_perms("o:a", "\xc2\xa0read",
	    "\xe2\x80\xa8"
	    "1",
	    "org:a:read");
	expect_perms("o:a", "", "3", "");
	expect_perms("o:a", "read", "", "");
	expect_perms("o:a", NULL, "1", "");
	expect_perms("o:a", "read", NULL, "");
	expect_perms(NULL, "read", "1", "");
	/* Leading zeros; an empty name still counts as a position. */
	expect_perms("o:a", "read,,manage", "0005", "org:a:read org:a:manage");
	expect_perms("o:a", "read,,manage", "2", "org:a:");
}

/* Vectors 10 and 12 ask has() about what was decoded. */
static bool
decoded_has(json_t *p, const char *permission)
{
	struct clerk_claims c;
	struct has_subject  s;
	struct has_query    q = {.permission = permission};
	bool                ok;

	assert_int_equal(verify_into(p, &c), CLERK_JWT_OK);
	clerk_claims_subject(&c, &s);
	ok = has_check(&s, &q);
	clerk_claims_cleanup(&c);
	return ok;
}

/*
 * Vector 12: masks are decimals of any width, and anything but ^\d+$
 * grants nothing, for its own feature only (parseInt read "1invalid" as
 * 1 before @clerk/shared 4.29). Then masks wider than 64 bits.
 */
static void
v2_masks(void **state)
{
	char *per54 = numbered("permission_", 54), *per201 = numbered("p", 201);
	char *per70 = numbered("p", 70), *nines = malloc(1001);

	(void)state;
	expect_perms("o:feature", per54, "9007199254740993",
	    "org:feature:permission_0 org:feature:permission_53");
	expect_perms("o:feature", per54, "18014398509481984", "");
	expect_perms("o:feature", per54, "1invalid", "");
	expect_perms("o:feature", per54, "-1", "");
	expect_perms("o:feature", per54, "1.5", "");
	assert_false(decoded_has(v2_payload("o:feature", per54, "1invalid"),
	    "org:feature:permission_0"));
	assert_true(decoded_has(v2_payload("o:feature", per54, "1"),
	    "org:feature:permission_0"));
	assert_false(
	    decoded_has(v2_payload("o:repositories,o:impersonation,o:billing",
	                    "manage,read,update", "6,0,3"),
	        "org:impersonation:manage"));
	/* A bad mask costs its own feature only. */
	expect_perms("o:a,o:b,o:c,o:d", "read", "1invalid,1,,+1", "org:b:read");
	expect_perms("o:a,o:b,o:c", "read", "0x1,\xef\xbc\x91,1", "org:c:read");
	/* Bit 70, bit 200, both and bit 0, and across the 64-bit line. */
	expect_perms("o:f", per201, "1180591620717411303424", "org:f:p70");
	expect_perms("o:f", per201,
	    "1606938044258990275541962092341162602522202993782792835301376",
	    "org:f:p200");
	expect_perms("o:f", per201,
	    "1606938044258990275541962092341162602523383585403510246604801",
	    "org:f:p0 org:f:p70 org:f:p200");
	expect_perms("o:f", per201, "1180591620717411303424 ", "org:f:p70");
	expect_perms("o:f", per201, "18446744073709551617",
	    "org:f:p0 org:f:p64");
	/* Bits past the names are dropped, however wide the mask. */
	expect_perms("o:f", per70, "1180591620717411303424", "");
	expect_perms("o:f", "a,b", "18446744073709551617", "org:f:a");
	/* 10^1000 - 1: its low 1000 bits are all set. */
	assert_non_null(nines);
	memset(nines, '9', 1000);
	nines[1000] = '\0';
	expect_perms("o:f", "a,b,c", nines, "org:f:a org:f:b org:f:c");
	free(per54);
	free(per201);
	free(per70);
	free(nines);
}

/* Vector 13: the same organization in v1 and v2 claims. */
static void
v2_equals_v1(void **state)
{
	struct clerk_claims c1, c2;
	json_t             *p = base_payload();

	(void)state;
	set(p, "org_id", json_string("org_123"));
	set(p, "org_role", json_string("org:admin"));
	set(p, "org_permissions",
	    json_pack("[s, s]", "org:impersonation:read",
	        "org:impersonation:manage"));
	assert_int_equal(verify_into(p, &c1), CLERK_JWT_OK);
	assert_int_equal(verify_into(v2_payload("o:impersonation",
	                                 "read,manage", "3"),
	                     &c2),
	    CLERK_JWT_OK);
	assert_string_equal(c1.org_id, c2.org_id);
	assert_string_equal(c1.org_role, c2.org_role);
	assert_string_equal(perms_of(&c1),
	    "org:impersonation:read org:impersonation:manage");
	assert_string_equal(perms_of(&c2),
	    "org:impersonation:read org:impersonation:manage");
	clerk_claims_cleanup(&c1);
	clerk_claims_cleanup(&c2);
	/* o without per and fpm: no permissions, the role still there. */
	assert_int_equal(verify_into(v2_payload("o:impersonation", NULL, NULL),
	                     &c2),
	    CLERK_JWT_OK);
	assert_string_equal(c2.org_role, "org:admin");
	assert_int_equal(c2.org_permissions_len, 0);
	clerk_claims_cleanup(&c2);
}

/* Verifies a v2 payload with one member of p (or of o) set to v. */
static enum clerk_jwt_error
v2_with(const char *fea, const char *in_o, const char *member, json_t *v)
{
	struct clerk_claims  c;
	json_t              *p = v2_payload(fea, "read", "1");
	enum clerk_jwt_error rc;

	set(in_o != NULL ? json_object_get(p, "o") : p, member, v);
	rc = verify_into(p, &c);
	clerk_claims_cleanup(&c);
	return rc;
}

/*
 * Where @clerk/shared's decoding throws (an fea element without ':', a
 * truthy fea, per or fpm that is no string), the token is signed and
 * valid but authenticates nobody. Only v2 tokens with a truthy "o" are
 * decoded that way.
 */
static void
v2_undecodable(void **state)
{
	struct clerk_claims c;
	json_t             *p;

	(void)state;
	p = v2_payload("o:a,broken", "read", "1");
	assert_int_equal(verify_into(p, &c), CLERK_JWT_CLAIMS_INVALID);
	assert_null(c.sub);
	clerk_claims_cleanup(&c);
	assert_int_equal(verify_into(v2_payload("o:a,", "read", "1"), &c),
	    CLERK_JWT_CLAIMS_INVALID);
	assert_int_equal(verify_into(v2_payload("broken", NULL, NULL), &c),
	    CLERK_JWT_CLAIMS_INVALID);
	assert_string_equal(clerk_jwt_error_str(CLERK_JWT_CLAIMS_INVALID),
	    "token-invalid-claims");
	assert_int_equal(v2_with("o:a", NULL, "fea", json_integer(1)),
	    CLERK_JWT_CLAIMS_INVALID);
	assert_int_equal(v2_with("o:a", NULL, "fea", json_pack("[s]", "o:a")),
	    CLERK_JWT_CLAIMS_INVALID);
	assert_int_equal(v2_with("o:a", "o", "per", json_integer(1)),
	    CLERK_JWT_CLAIMS_INVALID);
	assert_int_equal(v2_with("o:a", "o", "fpm", json_integer(1)),
	    CLERK_JWT_CLAIMS_INVALID);
	/* Falsy values are skipped, not split. */
	assert_int_equal(v2_with("o:a", NULL, "fea", json_integer(0)),
	    CLERK_JWT_OK);
	assert_int_equal(v2_with("o:a", NULL, "fea", json_null()),
	    CLERK_JWT_OK);
	assert_int_equal(v2_with("o:a", "o", "per", json_false()),
	    CLERK_JWT_OK);
	/* Either of per and fpm falsy: neither is split. */
	p = v2_payload("o:a", NULL, NULL);
	set(json_object_get(p, "o"), "fpm", json_integer(5));
	assert_int_equal(verify_into(p, &c), CLERK_JWT_OK);
	clerk_claims_cleanup(&c);
	p = v2_payload("o:a", NULL, "");
	set(json_object_get(p, "o"), "per", json_integer(5));
	assert_int_equal(verify_into(p, &c), CLERK_JWT_OK);
	clerk_claims_cleanup(&c);
	/* A truthy o of another type: no organization, fea still read. */
	assert_int_equal(v2_with("broken", NULL, "o", json_true()),
	    CLERK_JWT_CLAIMS_INVALID);
	p = v2_payload("o:a", NULL, NULL);
	set(p, "o", json_string("x"));
	assert_int_equal(verify_into(p, &c), CLERK_JWT_OK);
	assert_false(c.has_org);
	assert_int_equal(c.org_permissions_len, 0);
	clerk_claims_cleanup(&c);
	/* No o, or a v1 token: fea is not decoded, has() reads it. */
	assert_int_equal(v2_with("broken", NULL, "o", json_null()),
	    CLERK_JWT_OK);
	p = base_payload();
	set(p, "fea", json_string("o:a,broken"));
	assert_int_equal(verify_into(p, &c), CLERK_JWT_OK);
	assert_string_equal(c.fea, "o:a,broken");
	clerk_claims_cleanup(&c);
}

/* fva [age1, age2]: valid as two finite numbers, each -1 or >= 0. */
static enum has_fva_state
fva_state(json_t *v, double *first, double *second)
{
	struct clerk_claims c;
	json_t             *p = base_payload();
	enum has_fva_state  st;

	if (v != NULL)
		set(p, "fva", v);
	assert_int_equal(verify_into(p, &c), CLERK_JWT_OK);
	st = c.fva.state;
	*first = c.fva.first;
	*second = c.fva.second;
	clerk_claims_cleanup(&c);
	return st;
}

static void
fva_claim(void **state)
{
	double a, b;

	(void)state;
	assert_int_equal(fva_state(NULL, &a, &b), HAS_FVA_ABSENT);
	assert_int_equal(fva_state(json_null(), &a, &b), HAS_FVA_ABSENT);
	assert_int_equal(fva_state(json_pack("[i, i]", 0, 5), &a, &b),
	    HAS_FVA_VALID);
	assert_true(a == 0 && b == 5);
	assert_int_equal(fva_state(json_pack("[f, i]", 0.5, -1), &a, &b),
	    HAS_FVA_VALID);
	assert_true(a == 0.5 && b == -1);
	assert_int_equal(fva_state(json_pack("[i, i]", -1, -1), &a, &b),
	    HAS_FVA_VALID);
	/* Vector 4's malformed ages, and other shapes. */
	assert_int_equal(fva_state(json_pack("[f, i]", -0.5, 0), &a, &b),
	    HAS_FVA_INVALID);
	assert_int_equal(fva_state(json_pack("[s, s]", "0", "0"), &a, &b),
	    HAS_FVA_INVALID);
	assert_int_equal(fva_state(json_pack("[i, i]", -2, 0), &a, &b),
	    HAS_FVA_INVALID);
	assert_int_equal(fva_state(json_pack("[f, f]", 0.0, -1.5), &a, &b),
	    HAS_FVA_INVALID);
	assert_int_equal(fva_state(json_pack("[i]", 0), &a, &b),
	    HAS_FVA_INVALID);
	assert_int_equal(fva_state(json_pack("[i, i, i]", 0, 0, 0), &a, &b),
	    HAS_FVA_INVALID);
	assert_int_equal(fva_state(json_pack("[n, i]", 0), &a, &b),
	    HAS_FVA_INVALID);
	assert_int_equal(fva_state(json_string("0,0"), &a, &b),
	    HAS_FVA_INVALID);
	assert_int_equal(fva_state(json_false(), &a, &b), HAS_FVA_INVALID);
}

/* sts, act, fea and pla, as the token has them. */
static void
session_claims(void **state)
{
	struct clerk_claims c;
	struct has_subject  s;
	struct has_query    q = {.feature = "teams"};
	json_t             *p = base_payload();

	(void)state;
	/* Absent: "" for each, and no org. */
	assert_int_equal(verify_into(base_payload(), &c), CLERK_JWT_OK);
	assert_string_equal(c.sts, "");
	assert_string_equal(c.actor, "");
	assert_string_equal(c.act_json, "");
	assert_string_equal(c.fea, "");
	assert_string_equal(c.pla, "");
	clerk_claims_cleanup(&c);

	set(p, "sts", json_string("active"));
	set(p, "act",
	    json_pack("{s:s, s:s, s:s}", "sub", "user_admin", "sid",
	        "sess_admin", "iss", "https://dashboard.clerk.com"));
	set(p, "fea", json_string("o:teams,u:beta"));
	set(p, "pla", json_string("u:free"));
	assert_int_equal(verify_into(p, &c), CLERK_JWT_OK);
	assert_string_equal(c.sts, "active");
	assert_string_equal(c.actor, "user_admin");
	assert_string_equal(c.act_json,
	    "{\"sub\":\"user_admin\",\"sid\":\"sess_admin\","
	    "\"iss\":\"https://dashboard.clerk.com\"}");
	assert_string_equal(c.fea, "o:teams,u:beta");
	assert_string_equal(c.pla, "u:free");
	clerk_claims_subject(&c, &s);
	assert_true(has_check(&s, &q));
	clerk_claims_cleanup(&c);

	/* An agent actor has no sub; a pending session has no has(). */
	p = base_payload();
	set(p, "sts", json_string("pending"));
	set(p, "act", json_pack("{s:s}", "type", "agent"));
	set(p, "fea", json_string("u:teams"));
	set(p, "pla", json_integer(3));
	assert_int_equal(verify_into(p, &c), CLERK_JWT_OK);
	assert_string_equal(c.sts, "pending");
	assert_string_equal(c.actor, "");
	assert_string_equal(c.act_json, "{\"type\":\"agent\"}");
	assert_string_equal(c.pla, "");
	clerk_claims_subject(&c, &s);
	assert_null(s.user_id);
	assert_false(has_check(&s, &q));
	clerk_claims_cleanup(&c);
	/* An actor too long for the first buffer. */
	p = base_payload();
	set(p, "act",
	    json_pack("{s:s, s:s}", "sub", "user_admin", "note",
	        "0123456789012345678901234567890123456789012345678901234"
	        "5678901234567890123456789012345678901234567890123456789"
	        "0123456789012345678901234567890123456789012345678901234"
	        "5678901234567890123456789012345678901234567890123456789"
	        "0123456789"));
	assert_int_equal(verify_into(p, &c), CLERK_JWT_OK);
	assert_int_equal(strlen(c.act_json), 30 + 230);
	assert_string_equal(c.actor, "user_admin");
	clerk_claims_cleanup(&c);
}

static void
expiry(void **state)
{
	(void)state;
	/* Expired when exp <= now - 5. */
	assert_int_equal(check_claim("exp", json_integer(NOW - 4)),
	    CLERK_JWT_OK);
	assert_int_equal(check_claim("exp", json_integer(NOW - 5)),
	    CLERK_JWT_EXPIRED);
	assert_int_equal(check_claim("exp", json_integer(NOW - 3600)),
	    CLERK_JWT_EXPIRED);
	assert_int_equal(check_claim("exp", json_integer(INT64_MIN)),
	    CLERK_JWT_EXPIRED);
	assert_int_equal(check_claim("exp", NULL), CLERK_JWT_BAD_CLAIM);
	assert_int_equal(check_claim("exp", json_string("1700000060")),
	    CLERK_JWT_BAD_CLAIM);
	assert_int_equal(check_claim("exp", json_real(1700000060.0)),
	    CLERK_JWT_BAD_CLAIM);
}

static void
not_before(void **state)
{
	(void)state;
	assert_int_equal(check_claim("nbf", json_integer(NOW + 5)),
	    CLERK_JWT_OK);
	assert_int_equal(check_claim("nbf", json_integer(NOW + 6)),
	    CLERK_JWT_NOT_YET_VALID);
	assert_int_equal(check_claim("nbf", json_integer(NOW + 3600)),
	    CLERK_JWT_NOT_YET_VALID);
	assert_int_equal(check_claim("nbf", json_string("x")),
	    CLERK_JWT_BAD_CLAIM);
}

static void
issued_at(void **state)
{
	(void)state;
	assert_int_equal(check_claim("iat", json_integer(NOW + 5)),
	    CLERK_JWT_OK);
	assert_int_equal(check_claim("iat", json_integer(NOW + 6)),
	    CLERK_JWT_IAT_FUTURE);
	assert_int_equal(check_claim("iat", json_integer(INT64_MAX)),
	    CLERK_JWT_IAT_FUTURE);
	assert_int_equal(check_claim("iat", json_null()), CLERK_JWT_BAD_CLAIM);
}

static void
subject_and_session(void **state)
{
	(void)state;
	assert_int_equal(check_claim("sub", NULL), CLERK_JWT_NO_SUB);
	assert_int_equal(check_claim("sub", json_string("")), CLERK_JWT_NO_SUB);
	assert_int_equal(check_claim("sub", json_integer(1)), CLERK_JWT_NO_SUB);
	assert_int_equal(check_claim("sub", json_string("mch_2xhFjEI5X2qWRvt")),
	    CLERK_JWT_MACHINE);
	assert_int_equal(check_claim("sid", NULL), CLERK_JWT_NO_SID);
	assert_int_equal(check_claim("sid", json_string("")), CLERK_JWT_NO_SID);
	assert_int_equal(check_claim("sid", json_true()), CLERK_JWT_NO_SID);
}

static void
header_typ(void **state)
{
	(void)state;
	assert_int_equal(check_header_member("typ", NULL), CLERK_JWT_OK);
	assert_int_equal(check_header_member("typ", json_string("at+jwt")),
	    CLERK_JWT_TYP);
	assert_int_equal(check_header_member("typ", json_string("jwt")),
	    CLERK_JWT_TYP);
	assert_int_equal(check_header_member("typ", json_null()),
	    CLERK_JWT_TYP);
}

static void
header_category(void **state)
{
	(void)state;
	assert_int_equal(check_header_member("cat", NULL), CLERK_JWT_OK);
	assert_int_equal(check_header_member("cat",
	                     json_string(CLERK_CATEGORY_IGNORE)),
	    CLERK_JWT_OK);
	/* JWT template and M2M categories. */
	assert_int_equal(check_header_member("cat",
	                     json_string("cl_B7d4PD222AAA")),
	    CLERK_JWT_CATEGORY);
	assert_int_equal(check_header_member("cat",
	                     json_string("cl_B7d4PD333AAA")),
	    CLERK_JWT_CATEGORY);
	assert_int_equal(check_header_member("cat", json_integer(1)),
	    CLERK_JWT_CATEGORY);
	/* Unknown fields are ignored; crit is refused. */
	assert_int_equal(check_header_member("oiat", json_integer(NOW)),
	    CLERK_JWT_OK);
	assert_int_equal(check_header_member("crit", json_pack("[s]", "exp")),
	    CLERK_JWT_MALFORMED);
	assert_int_equal(check_header_member("kid", json_integer(1)),
	    CLERK_JWT_MALFORMED);
}

static void
alg_none(void **state)
{
	json_t *h = base_header(), *p = base_payload();
	char   *hs, *ps;

	(void)state;
	set(h, "alg", json_string("none"));
	hs = json_dumps(h, JSON_COMPACT);
	ps = json_dumps(p, JSON_COMPACT);
	/* Unsigned: "h.p." */
	assert_int_equal(check(mint_raw(hs, ps, NULL, NULL, NULL)),
	    CLERK_JWT_MALFORMED);
	/* Even with a valid RS256 signature, alg none is refused. */
	assert_int_equal(check(mint_raw(hs, ps, EVP_sha256(), key, NULL)),
	    CLERK_JWT_ALG);
	free(hs);
	free(ps);
	json_decref(h);
	json_decref(p);
	assert_int_equal(check_header_member("alg", NULL), CLERK_JWT_ALG);
	assert_int_equal(check_header_member("alg", json_string("rs256")),
	    CLERK_JWT_ALG);
	assert_int_equal(check_header_member("alg", json_string("RS256 ")),
	    CLERK_JWT_ALG);
}

/* HS256 with the public key's PEM as the HMAC secret. */
static void
alg_confusion(void **state)
{
	BIO    *bio = BIO_new(BIO_s_mem());
	json_t *h = base_header(), *p = base_payload();
	char   *pem, *hs, *ps, *data;
	long    n;

	(void)state;
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PUBKEY(bio, key), 1);
	n = BIO_get_mem_data(bio, &data);
	assert_true(n > 0);
	pem = strndup(data, (size_t)n);
	assert_non_null(pem);
	set(h, "alg", json_string("HS256"));
	hs = json_dumps(h, JSON_COMPACT);
	ps = json_dumps(p, JSON_COMPACT);
	assert_int_equal(check(mint_raw(hs, ps, NULL, NULL, pem)),
	    CLERK_JWT_ALG);
	free(hs);
	/* With the header claiming RS256, the MAC is no RSA signature. */
	set(h, "alg", json_string("RS256"));
	hs = json_dumps(h, JSON_COMPACT);
	assert_int_equal(check(mint_raw(hs, ps, NULL, NULL, pem)),
	    CLERK_JWT_SIGNATURE);
	free(hs);
	free(ps);
	free(pem);
	json_decref(h);
	json_decref(p);
	BIO_free(bio);
}

static void
other_rsa_algs(void **state)
{
	json_t *h;

	(void)state;
	h = base_header();
	set(h, "alg", json_string("RS512"));
	assert_int_equal(check(mint_with(h, base_payload(), EVP_sha512(), key)),
	    CLERK_JWT_ALG);
	h = base_header();
	set(h, "alg", json_string("RS384"));
	assert_int_equal(check(mint_with(h, base_payload(), EVP_sha384(), key)),
	    CLERK_JWT_ALG);
	/* Signed with SHA-512 but labelled RS256. */
	assert_int_equal(check(mint_with(base_header(), base_payload(),
	                     EVP_sha512(), key)),
	    CLERK_JWT_SIGNATURE);
}

static void
key_selection(void **state)
{
	struct clerk_jwt_opts o = opts();
	json_t               *h;

	(void)state;
	assert_int_equal(check_header_member("kid", json_string("ins_other")),
	    CLERK_JWT_KID_UNKNOWN);
	assert_int_equal(check_header_member("kid", NULL),
	    CLERK_JWT_KID_UNKNOWN);
	/* A single-PEM source answers lookup(NULL). */
	o.lookup = lookup_single;
	o.lookup_ctx = key;
	h = base_header();
	del(h, "kid");
	assert_int_equal(check_with(mint(h, base_payload()), &o), CLERK_JWT_OK);
	/* No lookup, or a key that is not RSA. */
	o.lookup = NULL;
	assert_int_equal(check_with(mint(base_header(), base_payload()), &o),
	    CLERK_JWT_KID_UNKNOWN);
	o.lookup = lookup_single;
	o.lookup_ctx = ec_key;
	assert_int_equal(check_with(mint(base_header(), base_payload()), &o),
	    CLERK_JWT_KID_UNKNOWN);
}

/*
 * Each thread remembers the last header and the last key's context: the
 * answer for a header or a key must never leak into the next token's.
 */
static void
remembered_per_thread(void **state)
{
	struct clerk_jwt_opts o = opts();
	json_t               *h;
	int                   i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(check(mint(base_header(), base_payload())),
		    CLERK_JWT_OK);
		assert_int_equal(check_header_member("alg",
		                     json_string("none")),
		    CLERK_JWT_ALG);
		assert_int_equal(check_header_member("kid",
		                     json_string("ins_other")),
		    CLERK_JWT_KID_UNKNOWN);
		/* The same header bytes twice, then another key. */
		assert_int_equal(check(mint(base_header(), base_payload())),
		    CLERK_JWT_OK);
		assert_int_equal(check(mint_with(base_header(), base_payload(),
		                     EVP_sha256(), other_key)),
		    CLERK_JWT_SIGNATURE);
		o.lookup = lookup_single;
		o.lookup_ctx = ec_key;
		assert_int_equal(check_with(mint(base_header(), base_payload()),
		                     &o),
		    CLERK_JWT_KID_UNKNOWN);
		o = opts();
		/* A header too long to remember still verifies. */
		h = base_header();
		set(h, "x-pad",
		    json_string("padding padding padding padding "
		                "padding padding padding padding "
		                "padding padding padding padding "
		                "padding padding padding padding "
		                "padding padding padding padding"));
		assert_int_equal(check(mint(h, base_payload())), CLERK_JWT_OK);
	}
}

static void
wrong_key(void **state)
{
	(void)state;
	assert_int_equal(check(mint_with(base_header(), base_payload(),
	                     EVP_sha256(), other_key)),
	    CLERK_JWT_SIGNATURE);
}

static void
tampered(void **state)
{
	json_t *p = base_payload();
	char   *good = mint(base_header(), json_deep_copy(p));
	char   *forged, *ps, *sub, *dot1, *dot2;
	char   *t;

	(void)state;
	/* One character of the payload changed, re-encoded, old signature. */
	ps = json_dumps(p, JSON_COMPACT);
	sub = strstr(ps, "user_2pQk");
	assert_non_null(sub);
	sub[5] = '3';
	forged = mint_raw("{\"alg\":\"RS256\",\"kid\":\"" KID "\"}", ps, NULL,
	    NULL, NULL);
	/* Graft good's header and signature around the forged payload. */
	dot1 = strchr(good, '.');
	dot2 = strrchr(good, '.');
	{
		char      *fp = strchr(forged, '.') + 1;
		size_t     fplen = (size_t)(strrchr(forged, '.') - fp);
		struct buf b;

		buf_init(&b, 0);
		assert_int_equal(buf_append(&b, good,
		                     (size_t)(dot1 - good) + 1),
		    0);
		assert_int_equal(buf_append(&b, fp, fplen), 0);
		assert_int_equal(buf_append_cstr(&b, dot2), 0);
		assert_int_equal(check(buf_release(&b, NULL)),
		    CLERK_JWT_SIGNATURE);
	}
	/* One base64url character of the payload flipped: never accepted. */
	t = strdup(good);
	assert_non_null(t);
	t[(size_t)(dot1 - good) + 10] ^= 1;
	assert_int_not_equal(check(t), CLERK_JWT_OK);
	/* A signature byte changed. */
	t = strdup(good);
	assert_non_null(t);
	t[(size_t)(dot2 - good) + 10] =
	    t[(size_t)(dot2 - good) + 10] == 'A' ? 'B' : 'A';
	assert_int_equal(check(t), CLERK_JWT_SIGNATURE);
	/* A signature one byte short (its last base64url group dropped). */
	t = strdup(good);
	assert_non_null(t);
	t[strlen(t) - 2] = '\0';
	assert_int_equal(check(t), CLERK_JWT_SIGNATURE);
	assert_int_equal(check(good), CLERK_JWT_OK);
	free(ps);
	free(forged);
	json_decref(p);
}

/* good with the character at offset i replaced by c. */
static char *
with_char(const char *good, size_t i, char c)
{
	char *t = strdup(good);

	assert_non_null(t);
	t[i] = c;
	return t;
}

static void
bad_base64(void **state)
{
	char  *good = mint(base_header(), base_payload());
	size_t d1 = (size_t)(strchr(good, '.') - good);
	size_t d2 = (size_t)(strrchr(good, '.') - good);
	size_t at[3] = {1, d1 + 2, d2 + 2}, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(check(with_char(good, at[i], '*')),
		    CLERK_JWT_MALFORMED);
		assert_int_equal(check(with_char(good, at[i], '+')),
		    CLERK_JWT_MALFORMED);
		assert_int_equal(check(with_char(good, at[i], '/')),
		    CLERK_JWT_MALFORMED);
		assert_int_equal(check(with_char(good, at[i], ' ')),
		    CLERK_JWT_MALFORMED);
	}
	/* Padding is not part of base64url as JWS writes it. */
	{
		struct buf b;

		buf_init(&b, 0);
		assert_int_equal(buf_append_cstr(&b, good), 0);
		assert_int_equal(buf_append_cstr(&b, "=="), 0);
		assert_int_equal(check(buf_release(&b, NULL)),
		    CLERK_JWT_MALFORMED);
	}
	free(good);
}

static void
part_count(void **state)
{
	char      *good = mint(base_header(), base_payload());
	char      *t;
	struct buf b;

	(void)state;
	t = strdup(good);
	assert_non_null(t);
	*strrchr(t, '.') = '\0'; /* two parts */
	assert_int_equal(check(t), CLERK_JWT_MALFORMED);
	buf_init(&b, 0);
	assert_int_equal(buf_appendf(&b, "%s.%s", good, "AAAA"), 0);
	assert_int_equal(check(buf_release(&b, NULL)), CLERK_JWT_MALFORMED);
	buf_init(&b, 0);
	assert_int_equal(buf_appendf(&b, "%s.", good), 0);
	assert_int_equal(check(buf_release(&b, NULL)), CLERK_JWT_MALFORMED);
	t = strdup(good);
	assert_non_null(t);
	*strchr(t, '.') = '\0';
	assert_int_equal(check(t), CLERK_JWT_MALFORMED); /* one part */
	assert_int_equal(check(strdup("..")), CLERK_JWT_MALFORMED);
	assert_int_equal(check(strdup("")), CLERK_JWT_MALFORMED);
	assert_int_equal(check(strdup(".e30.AAAA")), CLERK_JWT_MALFORMED);
	free(good);
}

static void
not_json(void **state)
{
	(void)state;
	/* A header that is not JSON, and a payload that is an array. */
	assert_int_equal(check(mint_raw("{\"alg\":\"RS256\"", "{}",
	                     EVP_sha256(), key, NULL)),
	    CLERK_JWT_MALFORMED);
	assert_int_equal(check(
	                     mint_raw("{\"alg\":\"RS256\",\"kid\":\"" KID "\"}",
	                         "[1]", EVP_sha256(), key, NULL)),
	    CLERK_JWT_MALFORMED);
	/* Duplicate members: two parsers might pick different values. */
	assert_int_equal(check(
	                     mint_raw("{\"alg\":\"RS256\",\"kid\":\"" KID "\"}",
	                         "{\"sub\":\"user_1\",\"sub\":\"user_2\"}",
	                         EVP_sha256(), key, NULL)),
	    CLERK_JWT_MALFORMED);
	/* "\u0000" inside a string. */
	assert_int_equal(check(
	                     mint_raw("{\"alg\":\"RS256\",\"kid\":\"" KID "\"}",
	                         "{\"sub\":\"user_1\\u0000x\"}", EVP_sha256(),
	                         key, NULL)),
	    CLERK_JWT_MALFORMED);
}

static void
issuer(void **state)
{
	struct clerk_jwt_opts o = opts();
	json_t               *p;

	(void)state;
	assert_int_equal(check_claim("iss",
	                     json_string("https://evil.accounts.dev")),
	    CLERK_JWT_ISSUER);
	assert_int_equal(check_claim("iss", json_string(ISS "/")),
	    CLERK_JWT_ISSUER);
	assert_int_equal(check_claim("iss", NULL), CLERK_JWT_ISSUER);
	assert_int_equal(check_claim("iss", json_integer(1)), CLERK_JWT_ISSUER);
	o.issuer = NULL;
	p = base_payload();
	set(p, "iss", json_string("https://evil.accounts.dev"));
	assert_int_equal(check_with(mint(base_header(), p), &o), CLERK_JWT_OK);
}

static void
authorized_parties(void **state)
{
	struct clerk_jwt_opts o = opts();
	json_t               *p;

	(void)state;
	/* Entries are trimmed; the match is exact. */
	assert_int_equal(check_claim("azp",
	                     json_string("https://app.example.com")),
	    CLERK_JWT_OK);
	assert_int_equal(check_claim("azp", json_string("https://b.example")),
	    CLERK_JWT_OK);
	assert_int_equal(check_claim("azp",
	                     json_string("https://evil.example")),
	    CLERK_JWT_AZP);
	assert_int_equal(check_claim("azp", json_string(ORIGIN "/")),
	    CLERK_JWT_AZP);
	assert_int_equal(check_claim("azp", json_string("http://localhost")),
	    CLERK_JWT_AZP);
	assert_int_equal(check_claim("azp", json_integer(1)), CLERK_JWT_AZP);
	/* Missing: refused for bearer tokens ... */
	assert_int_equal(check_claim("azp", NULL), CLERK_JWT_AZP);
	assert_int_equal(check_claim("azp", json_string("")), CLERK_JWT_AZP);
	/* ... allowed when the caller says so, but a wrong one never is. */
	o.azp_may_be_missing = true;
	p = base_payload();
	del(p, "azp");
	assert_int_equal(check_with(mint(base_header(), p), &o), CLERK_JWT_OK);
	p = base_payload();
	set(p, "azp", json_string("https://evil.example"));
	assert_int_equal(check_with(mint(base_header(), p), &o), CLERK_JWT_AZP);
	/* No list configured (or an empty one): azp is not checked. */
	o = opts();
	o.authorized_parties = NULL;
	p = base_payload();
	set(p, "azp", json_string("https://evil.example"));
	assert_int_equal(check_with(mint(base_header(), p), &o), CLERK_JWT_OK);
	p = base_payload();
	del(p, "azp");
	assert_int_equal(check_with(mint(base_header(), p), &o), CLERK_JWT_OK);
	o.authorized_parties = " , ";
	p = base_payload();
	del(p, "azp");
	assert_int_equal(check_with(mint(base_header(), p), &o), CLERK_JWT_OK);
}

static void
size_cap(void **state)
{
	json_t *p = base_payload();
	char   *pad = malloc(BIG_SIZE);

	(void)state;
	assert_non_null(pad);
	memset(pad, 'a', BIG_SIZE - 1);
	pad[BIG_SIZE - 1] = '\0';
	set(p, "pad", json_string(pad));
	assert_int_equal(check(mint(base_header(), p)), CLERK_JWT_MALFORMED);
	free(pad);
}

static void
explicit_length(void **state)
{
	struct clerk_jwt_opts o = opts();
	struct clerk_claims   c;
	char                 *good = mint(base_header(), base_payload());
	size_t                len = strlen(good);
	char                 *exact = malloc(len), *nul;

	(void)state;
	/* No NUL terminator: ASan catches any read past len. */
	assert_non_null(exact);
	memcpy(exact, good, len);
	assert_int_equal(clerk_jwt_verify(exact, len, &o, &c), CLERK_JWT_OK);
	clerk_claims_cleanup(&c);
	assert_int_equal(clerk_jwt_verify(exact, len - 2, &o, &c),
	    CLERK_JWT_SIGNATURE);
	clerk_claims_cleanup(&c);
	assert_int_equal(clerk_jwt_verify(exact, len - 1, &o, &c),
	    CLERK_JWT_MALFORMED);
	clerk_claims_cleanup(&c);
	assert_int_equal(clerk_jwt_verify(NULL, 0, &o, &c),
	    CLERK_JWT_MALFORMED);
	clerk_claims_cleanup(&c);
	/* A NUL inside the token. */
	nul = malloc(len + 5);
	assert_non_null(nul);
	memcpy(nul, good, len);
	memcpy(nul + len, "\0AAA", 4);
	assert_int_equal(clerk_jwt_verify(nul, len + 4, &o, &c),
	    CLERK_JWT_MALFORMED);
	clerk_claims_cleanup(&c);
	nul[5] = '\0';
	assert_int_equal(clerk_jwt_verify(nul, len, &o, &c),
	    CLERK_JWT_MALFORMED);
	clerk_claims_cleanup(&c);
	free(nul);
	free(exact);
	free(good);
}

/* clerk_sha256 hashes its two parts as one message (FIPS 180-2 "abc"). */
static void
sha256_of_two_parts(void **state)
{
	static const unsigned char abc[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f,
	    0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
	    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff,
	    0x61, 0xf2, 0x00, 0x15, 0xad};
	unsigned char              out[32];

	(void)state;
	assert_true(clerk_sha256("a", 1, "bc", 2, out));
	assert_memory_equal(out, abc, sizeof(abc));
	assert_true(clerk_sha256("", 0, "abc", 3, out));
	assert_memory_equal(out, abc, sizeof(abc));
	assert_true(clerk_sha256("ab", 2, "", 0, out));
	assert_memory_not_equal(out, abc, sizeof(abc));
}

static void
error_strings(void **state)
{
	(void)state;
	assert_string_equal(clerk_jwt_error_str(CLERK_JWT_OK), "ok");
	assert_string_equal(clerk_jwt_error_str(CLERK_JWT_EXPIRED),
	    "token-expired");
	assert_string_equal(clerk_jwt_error_str(CLERK_JWT_SIGNATURE),
	    "token-invalid-signature");
	assert_string_equal(clerk_jwt_error_str(CLERK_JWT_KID_UNKNOWN),
	    "jwk-kid-mismatch");
	assert_string_equal(clerk_jwt_error_str((enum clerk_jwt_error)999),
	    "invalid");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(valid_v1),
	    cmocka_unit_test(valid_v1_no_org),
	    cmocka_unit_test(valid_v2),
	    cmocka_unit_test(v2_edge_cases),
	    cmocka_unit_test(v2_decode_vectors),
	    cmocka_unit_test(v2_masks),
	    cmocka_unit_test(v2_equals_v1),
	    cmocka_unit_test(v2_undecodable),
	    cmocka_unit_test(fva_claim),
	    cmocka_unit_test(session_claims),
	    cmocka_unit_test(expiry),
	    cmocka_unit_test(not_before),
	    cmocka_unit_test(issued_at),
	    cmocka_unit_test(subject_and_session),
	    cmocka_unit_test(header_typ),
	    cmocka_unit_test(header_category),
	    cmocka_unit_test(alg_none),
	    cmocka_unit_test(alg_confusion),
	    cmocka_unit_test(other_rsa_algs),
	    cmocka_unit_test(key_selection),
	    cmocka_unit_test(wrong_key),
	    cmocka_unit_test(remembered_per_thread),
	    cmocka_unit_test(tampered),
	    cmocka_unit_test(bad_base64),
	    cmocka_unit_test(part_count),
	    cmocka_unit_test(not_json),
	    cmocka_unit_test(issuer),
	    cmocka_unit_test(authorized_parties),
	    cmocka_unit_test(size_cap),
	    cmocka_unit_test(explicit_length),
	    cmocka_unit_test(error_strings),
	    cmocka_unit_test(sha256_of_two_parts),
	};

	int rc;

	/* Every test with jansson on malloc, then on the scratch buffer. */
	rc = cmocka_run_group_tests_name("malloc", tests, setup, teardown);
	clerk_jwt_use_scratch();
	return rc |
	    cmocka_run_group_tests_name("scratch", tests, setup, teardown);
}
