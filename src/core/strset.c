/*
 * The string set. A slot is 64 bytes, the stamp and the string's bytes
 * zero-padded, so comparing a key is one memcmp within the slot. The
 * table stays at most half full: a miss, the common answer of
 * strset_contains(), then ends after about two probes. Removal rebuilds
 * the table from what is left, so there are no deleted markers to skip
 * and the table shrinks again after a burst.
 */
#include "core/strset.h"

#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 16 /* a power of two */

struct slot {
	int64_t stamp;
	char    key[STRSET_KEY_MAX + 1]; /* "" when free */
};

struct strset {
	struct slot *slots;
	size_t       mask; /* slots - 1 */
	size_t       count;
};

/* FNV-1a, then a final mix so that the low bits depend on every byte. */
static uint64_t
hash_of(const char *key, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t   i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

struct strset *
strset_new(void)
{
	struct strset *s = xcalloc(1, sizeof(*s));

	s->slots = xcalloc(MIN_SLOTS, sizeof(*s->slots));
	s->mask = MIN_SLOTS - 1;
	return s;
}

void
strset_free(struct strset *s)
{
	if (s == NULL)
		return;
	free(s->slots);
	free(s);
}

/* The slot holding key (len bytes), or the free slot where it would go. */
static struct slot *
probe(struct slot *slots, size_t mask, const char *key, size_t len)
{
	size_t i = (size_t)hash_of(key, len) & mask;

	/* At most half full: a free slot always ends the walk. */
	while (
	    slots[i].key[0] != '\0' && memcmp(slots[i].key, key, len + 1) != 0)
		i = (i + 1) & mask;
	return &slots[i];
}

/* Moves the strings stamped at or after cutoff into a table of n slots. */
static void
rehash(struct strset *s, size_t n, int64_t cutoff)
{
	struct slot *fresh = xcalloc(n, sizeof(*fresh));
	size_t       i, kept = 0;

	for (i = 0; i <= s->mask; i++) {
		const struct slot *old = &s->slots[i];

		if (old->key[0] == '\0' || old->stamp < cutoff)
			continue;
		*probe(fresh, n - 1, old->key, strlen(old->key)) = *old;
		kept++;
	}
	free(s->slots);
	s->slots = fresh;
	s->mask = n - 1;
	s->count = kept;
}

/* The smallest table that holds n strings at most half full. */
static size_t
slots_for(size_t n)
{
	size_t size = MIN_SLOTS;

	while (size / 2 < n)
		size *= 2;
	return size;
}

bool
strset_contains(const struct strset *s, const char *key)
{
	size_t len;

	if (key == NULL || (len = strnlen(key, STRSET_KEY_MAX + 1)) == 0 ||
	    len > STRSET_KEY_MAX)
		return false;
	return probe(s->slots, s->mask, key, len)->key[0] != '\0';
}

int
strset_add(struct strset *s, const char *key, int64_t stamp)
{
	struct slot *slot;
	size_t       len;

	if (key == NULL || (len = strnlen(key, STRSET_KEY_MAX + 1)) == 0 ||
	    len > STRSET_KEY_MAX)
		return -1;
	if (slots_for(s->count + 1) > s->mask + 1)
		rehash(s, slots_for(s->count + 1), INT64_MIN);
	slot = probe(s->slots, s->mask, key, len);
	if (slot->key[0] == '\0') {
		memcpy(slot->key, key, len);
		slot->stamp = stamp;
		s->count++;
	} else if (stamp > slot->stamp) {
		slot->stamp = stamp;
	}
	return 0;
}

size_t
strset_prune(struct strset *s, int64_t cutoff)
{
	size_t i, stale = 0;

	for (i = 0; i <= s->mask; i++) {
		if (s->slots[i].key[0] != '\0' && s->slots[i].stamp < cutoff)
			stale++;
	}
	if (stale > 0)
		rehash(s, slots_for(s->count - stale), cutoff);
	return stale;
}

size_t
strset_count(const struct strset *s)
{
	return s->count;
}
