/*
 * Per-address connection counts in an open-addressing hash table (linear
 * probing, at most half full, backward-shift deletion: no tombstones).
 * Client addresses choose the slots, so the hash is SipHash (libsodium's
 * crypto_shorthash) under a random key: no client can pick addresses that
 * collide. The table grows with the number of distinct addresses, not
 * with the connection cap.
 */
#include "http/peers.h"

#include <netinet/in.h>
#include <openssl/rand.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SLOTS 256

struct peer_slot {
	uint8_t  key[PEERS_KEY_LEN];
	uint32_t count; /* 0: an empty slot */
};

void
peers_key(const struct sockaddr_storage *ss, uint8_t key[PEERS_KEY_LEN])
{
	memset(key, 0, PEERS_KEY_LEN);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		/* As ::ffff:a.b.c.d, the form a dual-stack socket reports. */
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &in->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			memcpy(key, &in6->sin6_addr, PEERS_KEY_LEN);
		else
			memcpy(key, &in6->sin6_addr, 8);
	}
}

void
peers_init(struct peers *p, unsigned max)
{
	memset(p, 0, sizeof(*p));
	p->max = max;
	if (max == 0)
		return;
	p->cap = MIN_SLOTS;
	p->slots = xcalloc(p->cap, sizeof(*p->slots));
	if (RAND_bytes(p->hash_key, sizeof(p->hash_key)) != 1)
		randombytes_buf(p->hash_key, sizeof(p->hash_key));
}

void
peers_cleanup(struct peers *p)
{
	free(p->slots);
	memset(p, 0, sizeof(*p));
}

static size_t
home(const struct peers *p, const uint8_t key[PEERS_KEY_LEN])
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t      h;

	_Static_assert(sizeof(p->hash_key) == crypto_shorthash_KEYBYTES,
	    "a SipHash key");
	(void)crypto_shorthash(out, key, PEERS_KEY_LEN, p->hash_key);
	memcpy(&h, out, sizeof(h));
	return (size_t)h & (p->cap - 1);
}

/* The slot holding key, or the empty one where it belongs. */
static size_t
find(const struct peers *p, const uint8_t key[PEERS_KEY_LEN])
{
	size_t i = home(p, key);

	while (p->slots[i].count != 0 &&
	    memcmp(p->slots[i].key, key, PEERS_KEY_LEN) != 0)
		i = (i + 1) & (p->cap - 1);
	return i;
}

static void
grow(struct peers *p)
{
	struct peer_slot *old = p->slots;
	size_t            oldcap = p->cap, i;

	p->cap = 2 * oldcap;
	p->slots = xcalloc(p->cap, sizeof(*p->slots));
	for (i = 0; i < oldcap; i++)
		if (old[i].count != 0)
			p->slots[find(p, old[i].key)] = old[i];
	free(old);
}

bool
peers_take(struct peers *p, const uint8_t key[PEERS_KEY_LEN])
{
	size_t i;

	if (p->max == 0)
		return true;
	i = find(p, key);
	if (p->slots[i].count >= p->max)
		return false;
	if (p->slots[i].count == 0) {
		/* At most half full, so that probe runs stay short. */
		if (2 * (p->used + 1) > p->cap) {
			grow(p);
			i = find(p, key);
		}
		memcpy(p->slots[i].key, key, PEERS_KEY_LEN);
		p->used++;
	}
	p->slots[i].count++;
	return true;
}

void
peers_release(struct peers *p, const uint8_t key[PEERS_KEY_LEN])
{
	size_t mask = p->cap - 1, hole, j;

	if (p->max == 0)
		return;
	hole = find(p, key);
	if (p->slots[hole].count == 0 || --p->slots[hole].count > 0)
		return;
	/*
	 * The slot empties: pull back each later slot of its run whose home
	 * lies at or before the hole (cyclically), or a lookup would stop at
	 * the hole before reaching it.
	 */
	for (j = (hole + 1) & mask; p->slots[j].count != 0;
	     j = (j + 1) & mask) {
		size_t h = home(p, p->slots[j].key);

		if (((j - h) & mask) >= ((j - hole) & mask)) {
			p->slots[hole] = p->slots[j];
			hole = j;
		}
	}
	memset(&p->slots[hole], 0, sizeof(p->slots[hole]));
	p->used--;
}

unsigned
peers_count(const struct peers *p, const uint8_t key[PEERS_KEY_LEN])
{
	if (p->max == 0)
		return 0;
	return p->slots[find(p, key)].count;
}
