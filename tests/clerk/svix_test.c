/*
 * Svix verification against the known-answer vectors of the Svix test
 * suites (reference/clerk.md 1.4), with an injected clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clerk/svix.h"

#define SECRET    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define KAT1_ID   "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define KAT1_TS   1614265330
#define KAT1_BODY "{\"test\": 2432232314}"
#define KAT1_SIG  "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static struct svix_secret secret;

static int
setup(void **state)
{
	(void)state;
	return svix_secret_parse(SECRET, &secret);
}

static enum svix_result
verify(const char *id, const char *ts, const char *sigs, const char *body,
    int64_t now)
{
	return svix_verify(&secret, str_from_cstr(id), str_from_cstr(ts),
	    str_from_cstr(sigs), body, strlen(body), now);
}

static void
secret_parse(void **state)
{
	struct svix_secret s;

	(void)state;
	assert_int_equal(secret.len, 24);
	assert_int_equal(svix_secret_parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	                     &s),
	    0);
	assert_memory_equal(s.key, secret.key, 24);
	assert_int_equal(svix_secret_parse("whsec_", &s), -1);
	assert_int_equal(svix_secret_parse("whsec_not base64!!", &s), -1);
	svix_secret_cleanup(&s);
}

static void
kat1_sign_and_verify(void **state)
{
	char sig[SVIX_SIGNATURE_SIZE];

	(void)state;
	assert_int_equal(svix_sign(&secret, STR_LIT(KAT1_ID), KAT1_TS,
	                     KAT1_BODY, strlen(KAT1_BODY), sig),
	    0);
	assert_string_equal(sig, KAT1_SIG);
	assert_int_equal(verify(KAT1_ID, "1614265330", KAT1_SIG, KAT1_BODY,
	                     KAT1_TS),
	    SVIX_OK);
}

static void
kat1_negative(void **state)
{
	(void)state;
	assert_int_equal(verify(KAT1_ID, "1614265330",
	                     "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
	                     KAT1_BODY, KAT1_TS),
	    SVIX_NO_MATCH);
	/* Tampered body, other id, other timestamp. */
	assert_int_equal(verify(KAT1_ID, "1614265330", KAT1_SIG,
	                     "{\"test\": 2432232315}", KAT1_TS),
	    SVIX_NO_MATCH);
	assert_int_equal(verify("msg_other", "1614265330", KAT1_SIG, KAT1_BODY,
	                     KAT1_TS),
	    SVIX_NO_MATCH);
	assert_int_equal(verify(KAT1_ID, "1614265331", KAT1_SIG, KAT1_BODY,
	                     KAT1_TS),
	    SVIX_NO_MATCH);
	/* Only v1 counts. */
	assert_int_equal(verify(KAT1_ID, "1614265330",
	                     "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	                     KAT1_BODY, KAT1_TS),
	    SVIX_NO_MATCH);
	assert_int_equal(verify(KAT1_ID, "1614265330",
	                     "v1a,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
	                     KAT1_BODY, KAT1_TS),
	    SVIX_NO_MATCH);
}

static void
several_signatures(void **state)
{
	(void)state;
	assert_int_equal(verify(KAT1_ID, "1614265330",
	                     "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
	                     "v2,abc " KAT1_SIG
	                     " v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
	                     KAT1_BODY, KAT1_TS),
	    SVIX_OK);
}

static void
timestamps(void **state)
{
	(void)state;
	/* Exactly 300 s either way is accepted; 301 is not. */
	assert_int_equal(verify(KAT1_ID, "1614265330", KAT1_SIG, KAT1_BODY,
	                     KAT1_TS + 300),
	    SVIX_OK);
	assert_int_equal(verify(KAT1_ID, "1614265330", KAT1_SIG, KAT1_BODY,
	                     KAT1_TS - 300),
	    SVIX_OK);
	assert_int_equal(verify(KAT1_ID, "1614265330", KAT1_SIG, KAT1_BODY,
	                     KAT1_TS + 301),
	    SVIX_TOO_OLD);
	assert_int_equal(verify(KAT1_ID, "1614265330", KAT1_SIG, KAT1_BODY,
	                     KAT1_TS - 301),
	    SVIX_TOO_NEW);
	assert_int_equal(verify(KAT1_ID, "16142x5330", KAT1_SIG, KAT1_BODY,
	                     KAT1_TS),
	    SVIX_BAD_TIMESTAMP);
}

static void
missing_headers(void **state)
{
	(void)state;
	assert_int_equal(verify("", "1614265330", KAT1_SIG, KAT1_BODY, KAT1_TS),
	    SVIX_MISSING_HEADERS);
	assert_int_equal(verify(KAT1_ID, "", KAT1_SIG, KAT1_BODY, KAT1_TS),
	    SVIX_MISSING_HEADERS);
	assert_int_equal(verify(KAT1_ID, "1614265330", " ", KAT1_BODY, KAT1_TS),
	    SVIX_MISSING_HEADERS);
}

static void
kat2_and_kat3(void **state)
{
	static const char body2[] =
	    "{\"data\":{\"id\":\"user_2pQk8mZ3vN7rT1xYbL4cW9dF6hJ\","
	    "\"object\":\"user\"},\"object\":\"event\",\"type\":"
	    "\"user.created\"}";
	char sig[SVIX_SIGNATURE_SIZE];

	(void)state;
	assert_int_equal(strlen(body2), 105);
	assert_int_equal(svix_sign(&secret,
	                     STR_LIT("msg_2pQk9aB3cD4eF5gH6iJ7kL8mN9o"),
	                     1727000000, body2, strlen(body2), sig),
	    0);
	assert_string_equal(sig,
	    "v1,CpXANiDKrzBk38XbLSVVNrwcvcbxznXh1XiNQHl/4Is=");
	assert_int_equal(svix_sign(&secret, STR_LIT(KAT1_ID), KAT1_TS, "", 0,
	                     sig),
	    0);
	assert_string_equal(sig,
	    "v1,v48jdbgvh29KJz2Qc+ghw8G6vG3nAKnujWBg8oM/62A=");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(secret_parse),
	    cmocka_unit_test(kat1_sign_and_verify),
	    cmocka_unit_test(kat1_negative),
	    cmocka_unit_test(several_signatures),
	    cmocka_unit_test(timestamps),
	    cmocka_unit_test(missing_headers),
	    cmocka_unit_test(kat2_and_kat3),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
