/*
 * JSON documents parsed by jansson into a request's arena: every value,
 * key and string of the tree is bump-allocated there and goes with the
 * arena, in place of one malloc and one free per value (a 3 KB Clerk
 * payload is about 300 of each, and json_decref walks the whole tree).
 */
#ifndef CORE_ARENA_JSON_H
#define CORE_ARENA_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/mem.h"

/*
 * Routes jansson's allocations through arena_json_load() while it parses
 * and to malloc/free otherwise. Call once, before any thread starts.
 */
void arena_json_install(void);
/*
 * json_loadb() into a: NULL with err filled on failure. The tree lives
 * until arena_free(a) and must never be released with json_decref(),
 * changed, or kept (json_incref) beyond it.
 */
json_t *arena_json_load(struct arena *a, const char *buf, size_t len,
    size_t flags, json_error_t *err) MUST_CHECK;

#endif
