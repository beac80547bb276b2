/*
 * The machine-token verdict cache. The table is split in shards by the
 * key's first byte (a digest: already mixed), each with its own mutex,
 * hash buckets and a list from the oldest entry to the newest, which is
 * the eviction order: verdicts live 60 s at most, so the oldest is also
 * about the first to expire. An entry in flight is never evicted (its
 * waiters hang on it). Locks are held only to copy or link; waiters are
 * called back after the lock is released.
 */
#include "auth/machine_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

#define SHARDS 16 /* a power of two */

struct entry {
	unsigned char                key[MACHINE_CACHE_KEY_SIZE];
	enum machine_cache_state     state; /* ACCEPTED, REFUSED, IN_FLIGHT */
	int64_t                      until_ms;
	unsigned char               *data;
	size_t                       len;
	struct machine_cache_waiter *waiters;
	size_t                       nwaiters;
	struct entry                *hnext;         /* bucket chain */
	struct entry                *older, *newer; /* age list */
};

struct shard {
	pthread_mutex_t mu;
	struct entry  **buckets;
	size_t          mask; /* buckets - 1 */
	size_t          count, cap;
	struct entry   *oldest, *newest;
};

struct machine_cache {
	struct shard shards[SHARDS];
};

static size_t
pow2_at_least(size_t n)
{
	size_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

struct machine_cache *
machine_cache_new(size_t max_entries)
{
	struct machine_cache *c;
	size_t                i, cap;

	if (max_entries == 0)
		return NULL;
	cap = (max_entries + SHARDS - 1) / SHARDS;
	c = xcalloc(1, sizeof(*c));
	for (i = 0; i < SHARDS; i++) {
		struct shard *s = &c->shards[i];

		pthread_mutex_init(&s->mu, NULL);
		s->cap = cap;
		s->mask = pow2_at_least(cap * 2) - 1;
		s->buckets = xcalloc(s->mask + 1, sizeof(*s->buckets));
	}
	return c;
}

static void
entry_free(struct entry *e)
{
	free(e->data);
	free(e);
}

void
machine_cache_free(struct machine_cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < SHARDS; i++) {
		struct shard *s = &c->shards[i];
		struct entry *e = s->oldest, *next;

		for (; e != NULL; e = next) {
			next = e->newer;
			entry_free(e);
		}
		free(s->buckets);
		pthread_mutex_destroy(&s->mu);
	}
	free(c);
}

static struct shard *
shard_of(struct machine_cache *c, const unsigned char *key)
{
	return &c->shards[key[0] & (SHARDS - 1)];
}

static struct entry **
bucket_of(struct shard *s, const unsigned char *key)
{
	size_t v;

	memcpy(&v, key + 1, sizeof(v));
	return &s->buckets[v & s->mask];
}

static struct entry *
find(struct shard *s, const unsigned char *key)
{
	struct entry *e = *bucket_of(s, key);

	while (e != NULL && memcmp(e->key, key, MACHINE_CACHE_KEY_SIZE) != 0)
		e = e->hnext;
	return e;
}

static void
age_unlink(struct shard *s, struct entry *e)
{
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		s->oldest = e->newer;
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		s->newest = e->older;
	e->older = e->newer = NULL;
}

static void
age_push(struct shard *s, struct entry *e)
{
	e->older = s->newest;
	e->newer = NULL;
	if (s->newest != NULL)
		s->newest->newer = e;
	else
		s->oldest = e;
	s->newest = e;
}

/* Unlinks e from its bucket and the age list and frees it. */
static void
drop(struct shard *s, struct entry *e)
{
	struct entry **p = bucket_of(s, e->key);

	while (*p != e)
		p = &(*p)->hnext;
	*p = e->hnext;
	age_unlink(s, e);
	s->count--;
	entry_free(e);
}

/* Makes room for one entry: false when every entry is in flight. */
static bool
make_room(struct shard *s)
{
	struct entry *e = s->oldest;

	while (s->count >= s->cap && e != NULL) {
		struct entry *next = e->newer;

		if (e->state != MACHINE_CACHE_IN_FLIGHT)
			drop(s, e);
		e = next;
	}
	return s->count < s->cap;
}

/* A new entry for key, linked as the newest; NULL when full. */
static struct entry *
insert(struct shard *s, const unsigned char *key)
{
	struct entry **b;
	struct entry  *e;

	if (!make_room(s))
		return NULL;
	e = xcalloc(1, sizeof(*e));
	memcpy(e->key, key, MACHINE_CACHE_KEY_SIZE);
	b = bucket_of(s, key);
	e->hnext = *b;
	*b = e;
	age_push(s, e);
	s->count++;
	return e;
}

enum machine_cache_state
machine_cache_lookup(struct machine_cache *c,
    const unsigned char key[MACHINE_CACHE_KEY_SIZE], int64_t now_ms, bool lead,
    struct arena *a, const void **data, size_t *len, bool *owner)
{
	struct shard            *s = shard_of(c, key);
	struct entry            *e;
	enum machine_cache_state st = MACHINE_CACHE_LEAD;

	*data = NULL;
	*len = 0;
	*owner = false;
	pthread_mutex_lock(&s->mu);
	e = find(s, key);
	if (e != NULL && e->state != MACHINE_CACHE_IN_FLIGHT &&
	    e->until_ms <= now_ms) {
		drop(s, e);
		e = NULL;
	}
	if (e != NULL) {
		st = e->state;
		if (st == MACHINE_CACHE_ACCEPTED) {
			void *copy = arena_alloc(a, e->len > 0 ? e->len : 1);

			memcpy(copy, e->data, e->len);
			*data = copy;
			*len = e->len;
		}
	} else if (lead && (e = insert(s, key)) != NULL) {
		e->state = MACHINE_CACHE_IN_FLIGHT;
		*owner = true;
	}
	pthread_mutex_unlock(&s->mu);
	return st;
}

void
machine_cache_finish(struct machine_cache *c,
    const unsigned char                    key[MACHINE_CACHE_KEY_SIZE],
    enum machine_cache_state state, const void *data, size_t len,
    int64_t until_ms, int64_t now_ms)
{
	struct shard                *s = shard_of(c, key);
	struct machine_cache_waiter *w = NULL, *next;
	struct entry                *e;
	bool                         keep = (state == MACHINE_CACHE_ACCEPTED ||
                        state == MACHINE_CACHE_REFUSED) &&
	    until_ms > now_ms;

	pthread_mutex_lock(&s->mu);
	if ((e = find(s, key)) != NULL) {
		w = e->waiters;
		e->waiters = NULL;
		e->nwaiters = 0;
		if (!keep) {
			drop(s, e);
			e = NULL;
		}
	} else if (keep) {
		e = insert(s, key);
	}
	if (e != NULL) {
		free(e->data);
		e->data = NULL;
		e->len = 0;
		if (state == MACHINE_CACHE_ACCEPTED && len > 0) {
			e->data = xmalloc(len);
			memcpy(e->data, data, len);
			e->len = len;
		}
		e->state = state;
		e->until_ms = until_ms;
		age_unlink(s, e);
		age_push(s, e);
	}
	pthread_mutex_unlock(&s->mu);
	/* Kept verdicts are found again; a lost one (evicted, or an answer
	 * too old to keep) makes the waiter look again, as LEAD says. */
	for (; w != NULL; w = next) {
		next = w->next; /* w may be gone once it is called */
		w->result = state == MACHINE_CACHE_UNAVAILABLE
		    ? MACHINE_CACHE_UNAVAILABLE
		    : (keep ? state : MACHINE_CACHE_LEAD);
		w->ready(w->arg);
	}
}

void
machine_cache_wait(struct machine_cache *c,
    const unsigned char                  key[MACHINE_CACHE_KEY_SIZE],
    struct machine_cache_waiter         *w)
{
	struct shard *s = shard_of(c, key);
	struct entry *e;

	w->next = NULL;
	pthread_mutex_lock(&s->mu);
	e = find(s, key);
	if (e != NULL && e->state == MACHINE_CACHE_IN_FLIGHT &&
	    e->nwaiters < MACHINE_CACHE_MAX_WAITERS) {
		w->next = e->waiters;
		e->waiters = w;
		e->nwaiters++;
		pthread_mutex_unlock(&s->mu);
		return;
	}
	if (e == NULL)
		w->result = MACHINE_CACHE_LEAD;
	else if (e->state == MACHINE_CACHE_IN_FLIGHT)
		w->result = MACHINE_CACHE_UNAVAILABLE; /* too many wait */
	else
		w->result = e->state;
	pthread_mutex_unlock(&s->mu);
	w->ready(w->arg);
}

size_t
machine_cache_size(struct machine_cache *c)
{
	size_t i, n = 0;

	for (i = 0; i < SHARDS; i++) {
		pthread_mutex_lock(&c->shards[i].mu);
		n += c->shards[i].count;
		pthread_mutex_unlock(&c->shards[i].mu);
	}
	return n;
}
