/*
 * argon2id with libsodium (crypto_pwhash_str*, ALG_ARGON2ID13). Stateless:
 * safe from any thread after sodium_init(). Each hash or verify takes
 * PASSWORD_M_COST_KIB of memory for its duration.
 */
#include "accounts/password.h"

#include <sodium.h>
#include <string.h>

#define OPSLIMIT ((unsigned long long)PASSWORD_T_COST)
#define MEMLIMIT ((size_t)PASSWORD_M_COST_KIB * 1024)

_Static_assert(PASSWORD_HASH_SIZE == crypto_pwhash_argon2id_STRBYTES,
    "PASSWORD_HASH_SIZE must match libsodium's argon2id string size");

/* A stored value we can verify: "$argon2id$..." and NUL within the size. */
static bool
is_argon2id(const char *stored)
{
	static const char prefix[] = crypto_pwhash_argon2id_STRPREFIX;

	return stored != NULL &&
	    strncmp(stored, prefix, sizeof(prefix) - 1) == 0 &&
	    strnlen(stored, PASSWORD_HASH_SIZE) < PASSWORD_HASH_SIZE;
}

/*
 * The work of one verify at our cost, for a password checked against no
 * hash at all, so that "no such user" and "no password" answer as slowly
 * as "wrong password". The result is thrown away.
 */
static void
dummy_verify(const char *pw, size_t len)
{
	static const unsigned char salt[crypto_pwhash_argon2id_SALTBYTES];
	unsigned char              out[32];

	if (crypto_pwhash_argon2id(out, sizeof(out), pw, len, salt, OPSLIMIT,
	        MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return;
	sodium_memzero(out, sizeof(out));
}

int
password_hash(const char *pw, size_t len, char out[PASSWORD_HASH_SIZE])
{
	if (pw == NULL || len == 0)
		return -1;
	if (crypto_pwhash_str_alg(out, pw, len, OPSLIMIT, MEMLIMIT,
	        crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -1;
	return 0;
}

bool
password_verify(const char *stored, const char *pw, size_t len)
{
	if (pw == NULL || len == 0)
		return false; /* refused whoever asks: tells nothing */
	if (!is_argon2id(stored)) {
		dummy_verify(pw, len);
		return false;
	}
	return crypto_pwhash_str_verify(stored, pw, len) == 0;
}

bool
password_needs_rehash(const char *stored)
{
	if (!is_argon2id(stored))
		return true;
	return crypto_pwhash_str_needs_rehash(stored, OPSLIMIT, MEMLIMIT) != 0;
}
