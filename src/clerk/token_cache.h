/*
 * The cache of verified session tokens: a fixed table of entries, each
 * kept until its token expires (plus a leeway), found by a 32-byte key the
 * caller derives from the token. An entry holds the caller's bytes (the
 * claims, packed by clerk/session.c); only the bytes in use are copied in
 * and out. Safe from any thread; owned by the session verifier
 * (clerk/session.h).
 */
#ifndef CLERK_TOKEN_CACHE_H
#define CLERK_TOKEN_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

#define TOKEN_CACHE_KEY_SIZE 32
#define TOKEN_CACHE_WAYS     4 /* entries per set */
/* Bytes of an entry's data: with its head, a slot is 1 KiB. */
#define TOKEN_CACHE_DATA 968

/* A verified token's entry: the fields before data, then len bytes. */
struct token_cache_entry {
	unsigned char key[TOKEN_CACHE_KEY_SIZE];
	int64_t       exp;
	uint16_t      len; /* bytes of data in use, <= TOKEN_CACHE_DATA */
	unsigned char data[TOKEN_CACHE_DATA];
};

struct token_cache;

/*
 * A cache of slots entries (a power of two, at least TOKEN_CACHE_WAYS),
 * where an entry stays live while exp > now - leeway_s.
 */
struct token_cache *token_cache_new(size_t slots, int64_t leeway_s) MUST_CHECK;
void                token_cache_free(struct token_cache *c);
/*
 * Copies the live entry for key into out (its head and the len bytes of
 * data in use; the rest of out->data is left as it was); false when there
 * is none.
 */
bool token_cache_get(struct token_cache *c,
    const unsigned char key[TOKEN_CACHE_KEY_SIZE], int64_t now,
    struct token_cache_entry *out) MUST_CHECK;
/*
 * Stores a copy of e (e->len bytes of data) under e->key: over the entry
 * of the same key, else in a free or expired slot of its set, else over
 * the one that expires first. An e->len past TOKEN_CACHE_DATA stores
 * nothing.
 */
void token_cache_put(struct token_cache *c, const struct token_cache_entry *e,
    int64_t now);

#endif
