/*
 * Password hashing for local (admin) accounts: argon2id through libsodium,
 * stored in the PHC string form "$argon2id$v=19$m=...,t=...,p=1$salt$hash".
 * Thread-safe once sodium_init() has run. The functions never keep or copy
 * the plaintext; wiping the caller's buffer is the caller's job.
 */
#ifndef ACCOUNTS_PASSWORD_H
#define ACCOUNTS_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/mem.h"

/* Room for a hash string and its NUL (libsodium's crypto_pwhash_STRBYTES). */
#define PASSWORD_HASH_SIZE 128

/*
 * Our cost: libsodium's "interactive" argon2id limits (t = 2 passes over
 * m = 64 MiB, p = 1), above OWASP's minimum (m = 19 MiB, t = 2, p = 1);
 * about 75 ms per hash or verify on the 2-core development machine.
 */
#define PASSWORD_T_COST     2
#define PASSWORD_M_COST_KIB 65536

/*
 * Hashes the len bytes of pw into out (a NUL-terminated argon2id string).
 * -1 for an empty password or when the memory for the hash is not there.
 */
int password_hash(const char *pw, size_t len,
    char out[PASSWORD_HASH_SIZE]) MUST_CHECK;
/*
 * True when pw matches the stored hash string. A stored value that is not
 * an argon2id hash (Clerk-only users have "") never matches, after a dummy
 * hash of the same cost, so the answer time does not tell them apart.
 */
bool password_verify(const char *stored, const char *pw, size_t len) MUST_CHECK;
/* True when stored was not made with our current cost (or is no argon2id
 * hash): after a successful verify, hash the password again and store it. */
bool password_needs_rehash(const char *stored) MUST_CHECK;

#endif
