/*
 * jansson has one process-wide pair of allocation functions. Ours send a
 * thread's allocations to an arena while that thread is inside
 * arena_json_load() (a thread-local pointer says which arena), and to
 * malloc/free at every other moment, so a string from json_dumps() is
 * still released with free(). A free during the parse (a lexer buffer
 * that grew, a partial tree on a syntax error) is of arena memory and
 * does nothing: the arena takes it back at once with the rest.
 */
#include "core/arena_json.h"

#include <stdlib.h>

static _Thread_local struct arena *parsing;

static void *
alloc_fn(size_t len)
{
	if (parsing != NULL)
		return arena_alloc(parsing, len);
	return malloc(len);
}

static void
free_fn(void *p)
{
	if (parsing == NULL)
		free(p);
}

void
arena_json_install(void)
{
	json_set_alloc_funcs(alloc_fn, free_fn);
}

json_t *
arena_json_load(struct arena *a, const char *buf, size_t len, size_t flags,
    json_error_t *err)
{
	json_t *v;

	parsing = a;
	v = json_loadb(buf, len, flags, err);
	parsing = NULL;
	return v;
}
