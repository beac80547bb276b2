/*
 * A request arena: bump allocation from chunks, freed all at once, plus
 * deferred cleanups for non-memory resources (statements, JSON values,
 * pooled connections) that run in reverse order when the arena is freed.
 */
#ifndef CORE_ARENA_H
#define CORE_ARENA_H

#include <stddef.h>

#include "core/mem.h"
#include "core/str.h"

struct arena;

typedef void (*arena_cleanup_fn)(void *ptr);

/* A new arena; never NULL. Owned by the caller, freed with arena_free(). */
struct arena *arena_new(void) MUST_CHECK;
/* Runs the deferred cleanups (last registered first), then frees memory. */
void arena_free(struct arena *a);
/* len bytes aligned for any type, valid until arena_free(); never NULL. */
void *arena_alloc(struct arena *a, size_t len) MUST_CHECK;
/* A NUL-terminated copy of len bytes. */
char *arena_strndup(struct arena *a, const char *p, size_t len) MUST_CHECK;
/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...)
    PRINTF_LIKE(2, 3) MUST_CHECK;
/* Calls fn(ptr) when the arena is freed. */
void arena_defer(struct arena *a, arena_cleanup_fn fn, void *ptr);

#endif
