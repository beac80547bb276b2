/*
 * Open connections counted per client address, against a cap: an IPv4
 * address, or an IPv6 client's /64 (one host holds a whole /64). Not
 * thread-safe: the owner serializes calls (conns.c holds its lock).
 */
#ifndef HTTP_PEERS_H
#define HTTP_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/mem.h"

#define PEERS_KEY_LEN 16

struct peer_slot;

struct peers {
	unsigned          max;   /* per address; 0: no cap, nothing counted */
	struct peer_slot *slots; /* open addressing, a power of two */
	size_t            cap, used;
	unsigned char     hash_key[16];
};

/* What a peer address counts as (IPv4 as ::ffff:a.b.c.d, IPv6 /64). */
void peers_key(const struct sockaddr_storage *ss, uint8_t key[PEERS_KEY_LEN]);
/* An empty table for max connections per address (0: no cap). */
void peers_init(struct peers *p, unsigned max);
void peers_cleanup(struct peers *p);
/* Counts one more connection from key; false (nothing counted) at max. */
bool peers_take(struct peers *p, const uint8_t key[PEERS_KEY_LEN]) MUST_CHECK;
/* Counts one connection from key fewer. */
void peers_release(struct peers *p, const uint8_t key[PEERS_KEY_LEN]);
/* The connections counted for key. */
unsigned peers_count(const struct peers *p, const uint8_t key[PEERS_KEY_LEN]);

#endif
