/*
 * The cache of verified session tokens: a fixed table of entries, each
 * kept until its token expires (plus a leeway), found by a 32-byte key the
 * caller derives from the token. Safe from any thread; owned by the
 * session verifier (clerk/session.h).
 */
#ifndef CLERK_TOKEN_CACHE_H
#define CLERK_TOKEN_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

#define TOKEN_CACHE_KEY_SIZE 32
#define TOKEN_CACHE_FIELD    128 /* bytes of a claim, NUL included */
#define TOKEN_CACHE_PERMS    512 /* bytes of the joined permissions */
#define TOKEN_CACHE_WAYS     4   /* entries per set */

/* A verified token's claims. Strings are "" when absent. */
struct token_cache_entry {
	unsigned char key[TOKEN_CACHE_KEY_SIZE];
	int64_t       exp;
	int64_t       iat; /* 0 when absent */
	char          sub[TOKEN_CACHE_FIELD];
	char          sid[TOKEN_CACHE_FIELD];
	char          org_id[TOKEN_CACHE_FIELD];
	char          org_role[TOKEN_CACHE_FIELD];
	char          org_slug[TOKEN_CACHE_FIELD];
	char          perms[TOKEN_CACHE_PERMS]; /* comma-joined */
};

struct token_cache;

/*
 * A cache of slots entries (a power of two, at least TOKEN_CACHE_WAYS),
 * where an entry stays live while exp > now - leeway_s.
 */
struct token_cache *token_cache_new(size_t slots, int64_t leeway_s) MUST_CHECK;
void                token_cache_free(struct token_cache *c);
/* Copies the live entry for key into out; false when there is none. */
bool token_cache_get(struct token_cache *c,
    const unsigned char key[TOKEN_CACHE_KEY_SIZE], int64_t now,
    struct token_cache_entry *out) MUST_CHECK;
/*
 * Stores a copy of e under e->key: over the entry of the same key, else in
 * a free or expired slot of its set, else over the one that expires first.
 */
void token_cache_put(struct token_cache *c, const struct token_cache_entry *e,
    int64_t now);

#endif
