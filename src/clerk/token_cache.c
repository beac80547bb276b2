/*
 * The verified-token cache. The table is 4-way set-associative: a key may
 * sit in any of the four slots of its set, so a few tokens whose keys
 * share a set do not keep evicting each other (direct-mapped, 1,000 live
 * tokens in 16,384 slots left one token in twenty sharing its slot, and
 * verifying again on every use). Sets are guarded by striped mutexes, held
 * only to copy an entry in or out; the table never grows.
 */
#include "clerk/token_cache.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define LOCKS 64 /* a power of two */

struct slot {
	bool                     used;
	struct token_cache_entry e;
};

/* 16,384 slots are 16 MiB of address space, touched as tokens arrive. */
_Static_assert(sizeof(struct slot) == 1024, "a slot is 1 KiB");

/* The bytes of e worth copying: its head and the data in use. */
static size_t
used_size(const struct token_cache_entry *e)
{
	return offsetof(struct token_cache_entry, data) + e->len;
}

struct token_cache {
	size_t          set_mask; /* sets - 1 */
	int64_t         leeway_s;
	pthread_mutex_t locks[LOCKS];
	struct slot    *slots;
};

struct token_cache *
token_cache_new(size_t slots, int64_t leeway_s)
{
	struct token_cache *c;
	size_t              i;

	if (slots < TOKEN_CACHE_WAYS || (slots & (slots - 1)) != 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->set_mask = slots / TOKEN_CACHE_WAYS - 1;
	c->leeway_s = leeway_s;
	for (i = 0; i < LOCKS; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	c->slots = xcalloc(slots, sizeof(*c->slots));
	return c;
}

void
token_cache_free(struct token_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < LOCKS; i++)
		pthread_mutex_destroy(&c->locks[i]);
	free(c->slots);
	free(c);
}

/* The index of key's set (its first bytes are a digest: already mixed). */
static size_t
set_of(const struct token_cache *c, const unsigned char *key)
{
	size_t v;

	memcpy(&v, key, sizeof(v));
	return v & c->set_mask;
}

static pthread_mutex_t *
lock_of(struct token_cache *c, size_t set)
{
	return &c->locks[set % LOCKS];
}

static bool
is_live(const struct token_cache *c, const struct slot *s, int64_t now)
{
	return s->used && s->e.exp > now - c->leeway_s;
}

bool
token_cache_get(struct token_cache *c,
    const unsigned char key[TOKEN_CACHE_KEY_SIZE], int64_t now,
    struct token_cache_entry *out)
{
	size_t             set = set_of(c, key), w;
	const struct slot *first = &c->slots[set * TOKEN_CACHE_WAYS];
	pthread_mutex_t   *mu = lock_of(c, set);
	bool               hit = false;

	pthread_mutex_lock(mu);
	for (w = 0; w < TOKEN_CACHE_WAYS && !hit; w++) {
		if (is_live(c, &first[w], now) &&
		    memcmp(first[w].e.key, key, TOKEN_CACHE_KEY_SIZE) == 0) {
			memcpy(out, &first[w].e, used_size(&first[w].e));
			hit = true;
		}
	}
	pthread_mutex_unlock(mu);
	return hit;
}

void
token_cache_put(struct token_cache *c, const struct token_cache_entry *e,
    int64_t now)
{
	size_t           set = set_of(c, e->key), w, pick = TOKEN_CACHE_WAYS;
	struct slot     *first = &c->slots[set * TOKEN_CACHE_WAYS];
	pthread_mutex_t *mu = lock_of(c, set);

	if (e->len > TOKEN_CACHE_DATA)
		return;
	pthread_mutex_lock(mu);
	for (w = 0; w < TOKEN_CACHE_WAYS && pick == TOKEN_CACHE_WAYS; w++) {
		if (first[w].used &&
		    memcmp(first[w].e.key, e->key, TOKEN_CACHE_KEY_SIZE) == 0)
			pick = w;
	}
	for (w = 0; w < TOKEN_CACHE_WAYS && pick == TOKEN_CACHE_WAYS; w++) {
		if (!is_live(c, &first[w], now))
			pick = w;
	}
	if (pick == TOKEN_CACHE_WAYS) {
		pick = 0;
		for (w = 1; w < TOKEN_CACHE_WAYS; w++) {
			if (first[w].e.exp < first[pick].e.exp)
				pick = w;
		}
	}
	memcpy(&first[pick].e, e, used_size(e));
	first[pick].used = true;
	pthread_mutex_unlock(mu);
}
