/*
 * The machine-token verdict cache (DESIGN section 13): verdicts kept in
 * memory by a 32-byte key (the token's SHA-256), accepted ones until the
 * time the caller gives (the token's expiration or 60 s, whichever is
 * first), refused ones for 10 s, at most a fixed number of them (the
 * oldest is evicted first). It also makes verifications single-flight:
 * the first lookup of an unknown key is told to verify and the key is
 * marked in flight; later lookups are told to wait, and are called back
 * once the first one finishes. It holds bytes and knows no request, no
 * token type and no clock: times come from the caller. Safe from any
 * thread; owned by the gate.
 */
#ifndef AUTH_MACHINE_CACHE_H
#define AUTH_MACHINE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

struct arena;
struct machine_cache;

#define MACHINE_CACHE_KEY_SIZE 32
/* Waiters one in-flight verification takes; later ones are refused. */
#define MACHINE_CACHE_MAX_WAITERS 4096

enum machine_cache_state {
	MACHINE_CACHE_ACCEPTED,    /* a cached accepted verdict */
	MACHINE_CACHE_REFUSED,     /* a cached refusal */
	MACHINE_CACHE_LEAD,        /* unknown: verify it, then finish */
	MACHINE_CACHE_IN_FLIGHT,   /* another lookup verifies it: wait */
	MACHINE_CACHE_UNAVAILABLE, /* (a waiter's result) nothing could be
	                            * verified: Clerk could not answer */
};

/*
 * One request waiting for an in-flight verification. ready(arg) is
 * called once, from the finishing thread (or at once from the waiting
 * one), after result is set; the waiter must stay valid until then.
 */
struct machine_cache_waiter {
	void (*ready)(void *arg);
	void                        *arg;
	enum machine_cache_state     result;
	struct machine_cache_waiter *next; /* the cache's */
};

/* A cache of at most max_entries verdicts (in flight included). */
struct machine_cache *machine_cache_new(size_t max_entries) MUST_CHECK;
void                  machine_cache_free(struct machine_cache *c);

/*
 * The state of key at now_ms. ACCEPTED copies the verdict's bytes into a
 * (*data, *len). With lead, an unknown key is marked in flight and LEAD
 * returned: the caller must call machine_cache_finish() for it. Without
 * lead, an unknown key answers LEAD and nothing is marked. When the
 * cache is full of verifications in flight, LEAD is returned with *owner
 * false (verify without marking); else *owner says whether the caller
 * marked the key.
 */
enum machine_cache_state machine_cache_lookup(struct machine_cache *c,
    const unsigned char key[MACHINE_CACHE_KEY_SIZE], int64_t now_ms, bool lead,
    struct arena *a, const void **data, size_t *len, bool *owner) MUST_CHECK;

/*
 * Ends the verification of key: state ACCEPTED (data, len bytes, kept
 * until until_ms), REFUSED (kept until until_ms) or UNAVAILABLE (nothing
 * kept). Also stores a verdict nobody marked (a JWT verified locally).
 * Every waiter gets state as its result and is called back, outside the
 * cache's lock.
 */
void machine_cache_finish(struct machine_cache *c,
    const unsigned char                         key[MACHINE_CACHE_KEY_SIZE],
    enum machine_cache_state state, const void *data, size_t len,
    int64_t until_ms, int64_t now_ms);

/*
 * Waits for key's verification in flight: w is called back when it
 * finishes, or at once (from this thread) when it already has (result
 * then ACCEPTED, so that the caller looks again) or when too many wait
 * (result UNAVAILABLE).
 */
void machine_cache_wait(struct machine_cache *c,
    const unsigned char                       key[MACHINE_CACHE_KEY_SIZE],
    struct machine_cache_waiter              *w);

/* Entries held now (in flight included), for tests and metrics. */
size_t machine_cache_size(struct machine_cache *c) MUST_CHECK;

#endif
