/*
 * Unit tests for src/accounts/password.c: argon2id round trips, stored
 * values that are no hash (Clerk-only users have ""), the encoded cost,
 * and rehash detection.
 */
#include "accounts/password.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>

#define PW "correct horse battery staple"

static char own[PASSWORD_HASH_SIZE]; /* a hash of PW, made once */

static int
setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	return password_hash(PW, strlen(PW), own);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
round_trip(void **state)
{
	char h[PASSWORD_HASH_SIZE];

	(void)state;
	assert_true(password_verify(own, PW, strlen(PW)));
	/* Bytes, not C strings: an embedded NUL counts. */
	assert_int_equal(password_hash("a\0b", 3, h), 0);
	assert_true(password_verify(h, "a\0b", 3));
	assert_false(password_verify(h, "a", 1));
	assert_false(password_verify(h, "a\0c", 3));
}

static void
salted(void **state)
{
	char h[PASSWORD_HASH_SIZE];

	(void)state;
	assert_int_equal(password_hash(PW, strlen(PW), h), 0);
	assert_string_not_equal(h, own);
	assert_true(password_verify(h, PW, strlen(PW)));
}

static void
wrong_password(void **state)
{
	(void)state;
	assert_false(password_verify(own, "correct horse battery stapl", 27));
	assert_false(
	    password_verify(own, "Correct horse battery staple", strlen(PW)));
	assert_false(password_verify(own, PW "!", strlen(PW) + 1));
}

static void
empty_password_refused(void **state)
{
	char h[PASSWORD_HASH_SIZE];

	(void)state;
	assert_int_equal(password_hash("", 0, h), -1);
	assert_int_equal(password_hash(NULL, 0, h), -1);
	assert_false(password_verify(own, "", 0));
}

static void
empty_stored_hash(void **state)
{
	(void)state;
	assert_false(password_verify("", PW, strlen(PW)));
	assert_false(password_verify(NULL, PW, strlen(PW)));
	assert_true(password_needs_rehash(""));
}

static void
garbage_stored_hash(void **state)
{
	static const char *const garbage[] = {
	    "x",
	    "$argon2id$",
	    "$argon2id$v=19$m=65536,t=2,p=1$",
	    "$argon2id$v=19$m=65536,t=2,p=1$AAAA$BBBB",
	    "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$aGFzaA",
	    "pbkdf2_sha256$600000$salt$hash",
	    "$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
	};
	char   longer[PASSWORD_HASH_SIZE + 16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		assert_false(password_verify(garbage[i], PW, strlen(PW)));
	/* A stored value too long to be ours is not parsed at all. */
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	memcpy(longer, own, strlen(own));
	assert_false(password_verify(longer, PW, strlen(PW)));
}

/* "No hash" costs about what a real verify costs: no timing oracle. */
static void
empty_hash_takes_comparable_time(void **state)
{
	double t0, real = 1e9, dummy = 1e9, d;
	int    i;

	(void)state;
	for (i = 0; i < 3; i++) {
		t0 = now_ms();
		assert_false(password_verify(own, "nope", 4));
		if ((d = now_ms() - t0) < real)
			real = d;
		t0 = now_ms();
		assert_false(password_verify("", "nope", 4));
		if ((d = now_ms() - t0) < dummy)
			dummy = d;
	}
	print_message("verify %.1f ms, dummy verify %.1f ms\n", real, dummy);
	assert_true(dummy > real * 0.5);
	assert_true(dummy < real * 2.0);
}

static void
encodes_cost(void **state)
{
	char want[64];

	(void)state;
	(void)snprintf(want, sizeof(want), "$argon2id$v=19$m=%d,t=%d,p=1$",
	    PASSWORD_M_COST_KIB, PASSWORD_T_COST);
	assert_int_equal(strncmp(own, want, strlen(want)), 0);
	/* At least OWASP's minimum for argon2id. */
	assert_true(PASSWORD_M_COST_KIB >= 19456);
	assert_true(PASSWORD_T_COST >= 2);
	assert_true(PASSWORD_M_COST_KIB * PASSWORD_T_COST >= 19456 * 2);
}

static void
needs_rehash(void **state)
{
	char weak[crypto_pwhash_STRBYTES], other[crypto_pwhash_STRBYTES];

	(void)state;
	assert_false(password_needs_rehash(own));
	assert_int_equal(crypto_pwhash_str(weak, PW, strlen(PW), 1,
	                     (size_t)8192 * 1024),
	    0);
	assert_int_equal(strncmp(weak, "$argon2id$", 10), 0);
	assert_true(password_needs_rehash(weak));
	/* An old hash still verifies, so it can be upgraded at login. */
	assert_true(password_verify(weak, PW, strlen(PW)));
	/* OWASP's minimum is below our cost. */
	assert_int_equal(crypto_pwhash_str(weak, PW, strlen(PW), 2,
	                     (size_t)19456 * 1024),
	    0);
	assert_true(password_needs_rehash(weak));
	/* More passes than ours is a different cost too. */
	assert_int_equal(crypto_pwhash_str_alg(other, PW, strlen(PW),
	                     PASSWORD_T_COST + 1,
	                     (size_t)PASSWORD_M_COST_KIB * 1024,
	                     crypto_pwhash_ALG_ARGON2ID13),
	    0);
	assert_true(password_needs_rehash(other));
	assert_true(password_needs_rehash("garbage"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(salted),
	    cmocka_unit_test(wrong_password),
	    cmocka_unit_test(empty_password_refused),
	    cmocka_unit_test(empty_stored_hash),
	    cmocka_unit_test(garbage_stored_hash),
	    cmocka_unit_test(empty_hash_takes_comparable_time),
	    cmocka_unit_test(encodes_cost),
	    cmocka_unit_test(needs_rehash),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
