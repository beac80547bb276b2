/*
 * Unit tests for src/clerk/machine.c: classification in the SDK's order
 * (reference/clerk.md 10.1), the verify endpoints' answers turned into
 * verdicts (the BAPI fixtures, revoked, expired, inactive, the statuses),
 * the packed verdict, and the M2M and OAuth JWT forms checked with a
 * CLERK_JWT_KEY verifier (an RSA key made here, tokens signed here).
 */
#include "clerk/machine.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/arena.h"
#include "core/buf.h"
#include "jws.h"

#define NOW_S  1757944800LL
#define NOW_MS (NOW_S * 1000)
#define KID    "ins_2GIoQhbUpy0hX7B2cVkuTMinXoD"
#define MCH    "mch_2mBk5Rw8Tq1Xn4Lp7Zc3Vh6Jy9D"
#define USER   "user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ"

/* tests/fixtures/clerk/bapi.api_keys.verify.json */
static const char api_key_fixture[] =
    "{\"object\":\"api_key\",\"id\":\"ak_4f9c2b7e1a8d3c6b5e0f7a2d9c4b1e8f\","
    "\"type\":\"api_key\",\"subject\":\"org_2m9ZcF5tW8qL1nR4vK7xB3pJ6sH\","
    "\"name\":\"acme-ci-invoices\",\"description\":\"CI job that exports "
    "invoices\",\"claims\":{\"env\":\"ci\"},\"scopes\":[\"invoices:read\"],"
    "\"revoked\":false,\"revocation_reason\":null,\"expired\":false,"
    "\"expiration\":null,\"created_by\":\"user_2m9XvB4nQ7rT2kL8pW5cY1zH6dJ\","
    "\"last_used_at\":1757944800000,\"created_at\":1757943000000,"
    "\"updated_at\":1757943000000}";

/* tests/fixtures/clerk/bapi.m2m_tokens.verify.json */
static const char m2m_fixture[] =
    "{\"object\":\"machine_to_machine_token\","
    "\"id\":\"mt_7b3e9d1c5a2f8e4b6d0c9a7f3e1b5d2c\","
    "\"subject\":\"mch_2mBk5Rw8Tq1Xn4Lp7Zc3Vh6Jy9D\","
    "\"claims\":{\"job\":\"invoice-sync\"},"
    "\"scopes\":[\"mch_2mBk7Tz2Wq5Np8Lx1Rc4Vh7Ky3F\"],\"revoked\":false,"
    "\"revocation_reason\":null,\"expired\":false,"
    "\"expiration\":1757948400000,\"last_used_at\":1757944900000,"
    "\"created_at\":1757944800000,\"updated_at\":1757944800000}";

static EVP_PKEY *key;
static char     *pem;
static char      nowhere[] = "http://127.0.0.1:9";

static int
setup(void **state)
{
	(void)state;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (key == NULL)
		return -1;
	pem = jws_public_pem(key);
	return pem == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key);
	free(pem);
	return 0;
}

/* Signs header and payload (both consumed) with RS256; malloc'd. */
static char *
sign(json_t *header, json_t *payload)
{
	return jws_mint(header, payload, key);
}

static struct machine_kind
classify(const char *token)
{
	return machine_classify(token, strlen(token), true);
}

static void
classification_follows_the_sdk(void **state)
{
	/* The SDK's API key fixture: '/', '+' and '=' in the secret. */
	const char *fixture = "ak_LCWGdaM8mv8K4PC/57IICZQXAeWfCgF30DZaFXHoGn9=";
	char       *m2m_jwt, *oauth_jwt, *both, *session;

	(void)state;
	assert_int_equal(classify(fixture).type, MACHINE_API_KEY);
	assert_false(classify(fixture).is_jwt);
	assert_int_equal(classify("mt_0123").type, MACHINE_M2M);
	assert_int_equal(classify("oat_0123").type, MACHINE_OAUTH);
	assert_int_equal(classify("ak_").type, MACHINE_API_KEY);
	assert_int_equal(classify("AK_x").type, MACHINE_NONE);
	assert_int_equal(classify("").type, MACHINE_NONE);
	assert_int_equal(classify("a.b.c").type, MACHINE_NONE);
	assert_int_equal(classify("a.b").type, MACHINE_NONE);

	m2m_jwt = sign(json_pack("{s:s,s:s}", "alg", "RS256", "kid", KID),
	    json_pack("{s:s}", "sub", MCH));
	oauth_jwt = sign(json_pack("{s:s,s:s}", "alg", "RS256", "typ",
	                     "application/at+jwt"),
	    json_pack("{s:s}", "sub", USER));
	/* An mch_ subject wins over the at+jwt type: M2M is checked first. */
	both = sign(json_pack("{s:s,s:s}", "alg", "RS256", "typ", "at+jwt"),
	    json_pack("{s:s}", "sub", MCH));
	session = sign(json_pack("{s:s,s:s}", "alg", "RS256", "typ", "JWT"),
	    json_pack("{s:s,s:s}", "sub", USER, "sid", "sess_1"));
	assert_int_equal(classify(m2m_jwt).type, MACHINE_M2M);
	assert_true(classify(m2m_jwt).is_jwt);
	assert_int_equal(classify(oauth_jwt).type, MACHINE_OAUTH);
	assert_true(classify(oauth_jwt).is_jwt);
	assert_int_equal(classify(both).type, MACHINE_M2M);
	assert_int_equal(classify(session).type, MACHINE_NONE);
	/* Without peeking, a JWT is a session token. */
	assert_int_equal(machine_classify(m2m_jwt, strlen(m2m_jwt), false).type,
	    MACHINE_NONE);
	assert_string_equal(machine_type_name(MACHINE_API_KEY), "api_key");
	assert_string_equal(machine_type_name(MACHINE_M2M), "m2m_token");
	assert_string_equal(machine_type_name(MACHINE_OAUTH), "oauth_token");
	assert_string_equal(machine_type_name(MACHINE_NONE), "session_token");
	free(m2m_jwt);
	free(oauth_jwt);
	free(both);
	free(session);
}

static enum machine_outcome
parse(enum machine_type t, long status, const char *body, struct arena *a,
    struct machine_verdict *v, const char **why)
{
	json_t *j = body != NULL ? json_loads(body, 0, NULL) : NULL;
	enum machine_outcome o;

	if (body != NULL)
		assert_non_null(j);
	o = machine_answer_parse(t, status, j, NOW_MS, a, v, why);
	json_decref(j);
	return o;
}

static void
fixtures_become_verdicts(void **state)
{
	struct arena          *a = arena_new();
	struct machine_verdict v;
	const char            *why;

	(void)state;
	assert_int_equal(parse(MACHINE_API_KEY, 200, api_key_fixture, a, &v,
	                     &why),
	    MACHINE_ACCEPTED);
	assert_string_equal(v.id, "ak_4f9c2b7e1a8d3c6b5e0f7a2d9c4b1e8f");
	assert_string_equal(v.subject, "org_2m9ZcF5tW8qL1nR4vK7xB3pJ6sH");
	assert_string_equal(v.org_id, "org_2m9ZcF5tW8qL1nR4vK7xB3pJ6sH");
	assert_string_equal(v.claims_json, "{\"env\":\"ci\"}");
	assert_int_equal(v.nscopes, 1);
	assert_string_equal(v.scopes[0], "invoices:read");
	assert_int_equal(v.expiration_ms, 0);
	assert_null(v.client_id);

	assert_int_equal(parse(MACHINE_M2M, 200, m2m_fixture, a, &v, &why),
	    MACHINE_ACCEPTED);
	assert_string_equal(v.subject, MCH);
	assert_null(v.org_id);
	assert_int_equal(v.expiration_ms, 1757948400000LL);
	assert_string_equal(v.scopes[0], "mch_2mBk7Tz2Wq5Np8Lx1Rc4Vh7Ky3F");

	assert_int_equal(parse(MACHINE_OAUTH, 200,
	                     "{\"object\":\"clerk_idp_oauth_access_token\","
	                     "\"id\":\"oat_1\",\"client_id\":\"c1\","
	                     "\"subject\":"
	                     "\"" USER "\",\"scopes\":[\"profile\",\"email\"],"
	                     "\"revoked\":false,\"expired\":false,"
	                     "\"expiration\":1757948400000}",
	                     a, &v, &why),
	    MACHINE_ACCEPTED);
	assert_string_equal(v.client_id, "c1");
	assert_int_equal(v.nscopes, 2);
	assert_null(v.claims_json);
	arena_free(a);
}

static void
refusals_and_outages(void **state)
{
	struct arena          *a = arena_new();
	struct machine_verdict v;
	const char            *why;

	(void)state;
	assert_int_equal(parse(MACHINE_OAUTH, 200, "{\"active\":false}", a, &v,
	                     &why),
	    MACHINE_REFUSED);
	assert_string_equal(why, "token-inactive");
	assert_int_equal(parse(MACHINE_API_KEY, 200,
	                     "{\"subject\":\"" USER "\",\"revoked\":true}", a,
	                     &v, &why),
	    MACHINE_REFUSED);
	assert_string_equal(why, "token-revoked");
	assert_int_equal(parse(MACHINE_API_KEY, 200,
	                     "{\"subject\":\"" USER "\",\"expired\":true}", a,
	                     &v, &why),
	    MACHINE_REFUSED);
	/* Past its expiration, whatever the flag says. */
	assert_int_equal(parse(MACHINE_M2M, 200,
	                     "{\"subject\":\"" MCH "\",\"expired\":false,"
	                     "\"expiration\":1757944800000}",
	                     a, &v, &why),
	    MACHINE_REFUSED);
	assert_int_equal(parse(MACHINE_API_KEY, 404,
	                     "{\"errors\":[{\"code\":\"resource_not_found\"}]}",
	                     a, &v, &why),
	    MACHINE_REFUSED);
	assert_int_equal(parse(MACHINE_API_KEY, 422, NULL, a, &v, &why),
	    MACHINE_REFUSED);
	assert_int_equal(parse(MACHINE_API_KEY, 400, NULL, a, &v, &why),
	    MACHINE_REFUSED);
	assert_int_equal(parse(MACHINE_API_KEY, 401, NULL, a, &v, &why),
	    MACHINE_SECRET_REFUSED);
	assert_int_equal(parse(MACHINE_API_KEY, 403, NULL, a, &v, &why),
	    MACHINE_SECRET_REFUSED);
	assert_int_equal(parse(MACHINE_API_KEY, 429, NULL, a, &v, &why),
	    MACHINE_UNAVAILABLE);
	assert_int_equal(parse(MACHINE_API_KEY, 500, NULL, a, &v, &why),
	    MACHINE_UNAVAILABLE);
	assert_int_equal(parse(MACHINE_API_KEY, 503, NULL, a, &v, &why),
	    MACHINE_UNAVAILABLE);
	/* A 200 Clerk would never send: not a reason to log anyone out. */
	assert_int_equal(parse(MACHINE_API_KEY, 200, "[]", a, &v, &why),
	    MACHINE_UNAVAILABLE);
	assert_int_equal(parse(MACHINE_M2M, 200, "{\"subject\":\"" USER "\"}",
	                     a, &v, &why),
	    MACHINE_UNAVAILABLE);
	arena_free(a);
}

static void
unreachable_clerk_is_an_outage(void **state)
{
	struct arena          *a = arena_new();
	struct machine_verdict v;
	struct machine_call    call;
	const char            *why;

	(void)state;
	assert_int_equal(machine_verify_opaque(nowhere, "sk_test_x",
	                     MACHINE_API_KEY, "ak_x", NOW_MS, a, &v, &call,
	                     &why),
	    MACHINE_UNAVAILABLE);
	assert_int_equal(call.status, 0);
	assert_string_equal(why, "clerk-unreachable");
	/* Not UTF-8: no token of Clerk's, and no call. */
	assert_int_equal(machine_verify_opaque(nowhere, "sk_test_x",
	                     MACHINE_API_KEY, "ak_\xff", NOW_MS, a, &v, &call,
	                     &why),
	    MACHINE_REFUSED);
	arena_free(a);
}

static void
verdicts_pack_and_unpack(void **state)
{
	struct arena          *a = arena_new();
	struct machine_verdict v, w;
	const char            *why;
	unsigned char          buf[1024];
	size_t                 n;

	(void)state;
	assert_int_equal(parse(MACHINE_API_KEY, 200, api_key_fixture, a, &v,
	                     &why),
	    MACHINE_ACCEPTED);
	n = machine_verdict_pack(&v, NULL, 0);
	assert_true(n <= sizeof(buf));
	assert_int_equal(machine_verdict_pack(&v, buf, sizeof(buf)), n);
	assert_int_equal(machine_verdict_unpack(buf, n, a, &w), 0);
	assert_int_equal(w.type, MACHINE_API_KEY);
	assert_string_equal(w.id, v.id);
	assert_string_equal(w.subject, v.subject);
	assert_string_equal(w.org_id, v.org_id);
	assert_null(w.client_id);
	assert_string_equal(w.claims_json, v.claims_json);
	assert_int_equal(w.nscopes, 1);
	assert_string_equal(w.scopes[0], "invoices:read");
	assert_int_equal(machine_verdict_unpack(buf, n - 1, a, &w), -1);
	assert_int_equal(machine_verdict_unpack(buf, 3, a, &w), -1);
	arena_free(a);
}

/* A verifier with CLERK_JWT_KEY. */
static struct clerk_session *
pem_verifier(void)
{
	struct clerk_session *s = NULL;
	struct config         cfg;
	char                  err[256];

	memset(&cfg, 0, sizeof(cfg));
	cfg.clerk_jwt_key = pem;
	cfg.clerk_api_url = nowhere;
	assert_int_equal(clerk_session_new(&cfg, &s, err, sizeof(err)), 0);
	assert_non_null(s);
	return s;
}

static enum machine_outcome
verify_jwt(struct clerk_session *s, char *token, struct arena *a,
    struct machine_verdict *v, const char **why)
{
	uint64_t             ticket;
	enum machine_outcome o;

	o = machine_verify_jwt(s, classify(token), token, NOW_MS, a, v, &ticket,
	    why);
	free(token);
	return o;
}

static json_t *
m2m_payload(void)
{
	return json_pack("{s:s,s:s,s:I,s:I,s:I,s:s,s:s}", "sub", MCH, "jti",
	    "mt_jwt", "iat", (json_int_t)NOW_S, "nbf", (json_int_t)NOW_S, "exp",
	    (json_int_t)NOW_S + 3600, "scopes", "mch_a mch_b", "job", "sync");
}

static void
jwt_forms(void **state)
{
	struct clerk_session  *s = pem_verifier();
	struct arena          *a = arena_new();
	struct machine_verdict v;
	const char            *why;
	json_t                *p;

	(void)state;
	assert_int_equal(verify_jwt(s,
	                     sign(json_pack("{s:s,s:s,s:s}", "alg", "RS256",
	                              "kid", KID, "cat", "cl_B7d4PD333AAA"),
	                         m2m_payload()),
	                     a, &v, &why),
	    MACHINE_ACCEPTED);
	assert_int_equal(v.type, MACHINE_M2M);
	assert_true(v.is_jwt);
	assert_string_equal(v.subject, MCH);
	assert_string_equal(v.id, "mt_jwt");
	assert_int_equal(v.nscopes, 2);
	assert_string_equal(v.scopes[1], "mch_b");
	assert_string_equal(v.claims_json,
	    "{\"scopes\":\"mch_a mch_b\","
	    "\"job\":\"sync\"}");
	assert_int_equal(v.expiration_ms, (NOW_S + 3600) * 1000);
	/* No scopes claim: aud. */
	p = m2m_payload();
	(void)json_object_del(p, "scopes");
	(void)json_object_set_new(p, "aud", json_pack("[s]", "mch_c"));
	assert_int_equal(verify_jwt(s,
	                     sign(json_pack("{s:s}", "alg", "RS256"), p), a, &v,
	                     &why),
	    MACHINE_ACCEPTED);
	assert_int_equal(v.nscopes, 1);
	assert_string_equal(v.scopes[0], "mch_c");
	/* A session's category is no M2M token's. */
	assert_int_equal(verify_jwt(s,
	                     sign(json_pack("{s:s,s:s}", "alg", "RS256", "cat",
	                              "cl_B7d4PD111AAA"),
	                         m2m_payload()),
	                     a, &v, &why),
	    MACHINE_REFUSED);
	assert_string_equal(why, "token-invalid-category");
	/* Expired beyond the leeway. */
	p = m2m_payload();
	(void)json_object_set_new(p, "exp", json_integer(NOW_S - 6));
	assert_int_equal(verify_jwt(s,
	                     sign(json_pack("{s:s}", "alg", "RS256"), p), a, &v,
	                     &why),
	    MACHINE_REFUSED);
	assert_string_equal(why, "token-expired");

	/* OAuth: scp, org_id, client_id; no sid, azp or iss needed. */
	assert_int_equal(verify_jwt(s,
	                     sign(json_pack("{s:s,s:s}", "alg", "RS256", "typ",
	                              "at+jwt"),
	                         json_pack("{s:s,s:I,s:s,s:s,s:[s,s]}", "sub",
	                             USER, "exp", (json_int_t)NOW_S + 60,
	                             "client_id", "c1", "org_id", "org_1",
	                             "scp", "profile", "email")),
	                     a, &v, &why),
	    MACHINE_ACCEPTED);
	assert_int_equal(v.type, MACHINE_OAUTH);
	assert_string_equal(v.client_id, "c1");
	assert_string_equal(v.org_id, "org_1");
	assert_int_equal(v.nscopes, 2);
	/* A signature by another key. */
	{
		char *t = sign(json_pack("{s:s,s:s}", "alg", "RS256", "typ",
		                   "at+jwt"),
		    json_pack("{s:s,s:I}", "sub", USER, "exp",
		        (json_int_t)NOW_S + 60));

		t[strlen(t) - 5] = t[strlen(t) - 5] == 'A' ? 'B' : 'A';
		assert_int_equal(verify_jwt(s, t, a, &v, &why),
		    MACHINE_REFUSED);
	}
	clerk_session_free(s);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(classification_follows_the_sdk),
	    cmocka_unit_test(fixtures_become_verdicts),
	    cmocka_unit_test(refusals_and_outages),
	    cmocka_unit_test(unreachable_clerk_is_an_outage),
	    cmocka_unit_test(verdicts_pack_and_unpack),
	    cmocka_unit_test(jwt_forms),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
