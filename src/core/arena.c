/*
 * Arena allocator. One arena belongs to one request (one thread at a time).
 * Small allocations come from 8 KiB chunks; a larger one gets a chunk of its
 * own. Cleanups are kept in a singly linked list allocated from the arena.
 */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE 8192
#define ALIGN      16

struct chunk {
	struct chunk *next;
	size_t        used;
	size_t        size;
	_Alignas(ALIGN) unsigned char data[];
};

struct cleanup {
	struct cleanup  *next;
	arena_cleanup_fn fn;
	void            *ptr;
};

struct arena {
	struct chunk   *chunks;
	struct cleanup *cleanups;
};

struct arena *
arena_new(void)
{
	return xcalloc(1, sizeof(struct arena));
}

void
arena_free(struct arena *a)
{
	struct cleanup *c;
	struct chunk   *ch, *next;

	if (a == NULL)
		return;
	/* Cleanups live in the chunks, so run them all before freeing any. */
	for (c = a->cleanups; c != NULL; c = c->next)
		c->fn(c->ptr);
	for (ch = a->chunks; ch != NULL; ch = next) {
		next = ch->next;
		free(ch);
	}
	free(a);
}

static struct chunk *
chunk_new(size_t size)
{
	struct chunk *ch;
	size_t        total;

	if (__builtin_add_overflow(sizeof(*ch), size, &total))
		abort();
	ch = xmalloc(total);
	ch->next = NULL;
	ch->used = 0;
	ch->size = size;
	return ch;
}

void *
arena_alloc(struct arena *a, size_t len)
{
	struct chunk *ch = a->chunks;
	size_t        need;

	if (__builtin_add_overflow(len, ALIGN - 1, &need))
		abort();
	need &= ~(size_t)(ALIGN - 1);
	if (need == 0)
		need = ALIGN;
	if (need > CHUNK_SIZE / 4) {
		/* Big: its own chunk, linked behind the current one. */
		ch = chunk_new(need);
		ch->used = need;
		if (a->chunks == NULL) {
			a->chunks = ch;
		} else {
			ch->next = a->chunks->next;
			a->chunks->next = ch;
		}
		return ch->data;
	}
	if (ch == NULL || ch->size - ch->used < need) {
		ch = chunk_new(CHUNK_SIZE);
		ch->next = a->chunks;
		a->chunks = ch;
	}
	ch->used += need;
	return ch->data + ch->used - need;
}

char *
arena_strndup(struct arena *a, const char *p, size_t len)
{
	char *s;

	if (len == SIZE_MAX)
		abort();
	s = arena_alloc(a, len + 1);
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	return s;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int     n;
	char   *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	s = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	(void)vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

void
arena_defer(struct arena *a, arena_cleanup_fn fn, void *ptr)
{
	struct cleanup *c = arena_alloc(a, sizeof(*c));

	c->fn = fn;
	c->ptr = ptr;
	c->next = a->cleanups;
	a->cleanups = c;
}
