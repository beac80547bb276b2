/*
 * A set of short strings (ids such as Clerk's "sess_..."), each with a
 * time stamp: an open-addressing hash table with linear probing whose
 * slots hold the bytes themselves, so a lookup reads one or two cache
 * lines and allocates nothing. Not thread-safe: the owner locks around it
 * (auth/revocations.c reads it under a rwlock).
 */
#ifndef CORE_STRSET_H
#define CORE_STRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

/* The longest string a set holds, in bytes (a slot is 64 bytes). */
#define STRSET_KEY_MAX 55

struct strset;

/* An empty set; it grows as strings are added. */
struct strset *strset_new(void) MUST_CHECK;
void           strset_free(struct strset *s);
/* True when s holds key (NULL or too long a key: false). */
bool strset_contains(const struct strset *s, const char *key) MUST_CHECK;
/*
 * Adds key with stamp, or moves the stamp of a key already held to stamp
 * when that is later. -1 (nothing added) when key is empty or longer than
 * STRSET_KEY_MAX.
 */
int strset_add(struct strset *s, const char *key, int64_t stamp) MUST_CHECK;
/* Removes every string stamped before cutoff; returns how many. */
size_t strset_prune(struct strset *s, int64_t cutoff);
/* The number of strings held. */
size_t strset_count(const struct strset *s) MUST_CHECK;

#endif
