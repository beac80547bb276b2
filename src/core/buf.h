/*
 * Growable byte buffer with a hard maximum, so no client can make it grow
 * without limit. The contents are always NUL-terminated (the NUL is not
 * counted in len) so they can be handed to C-string APIs.
 */
#ifndef CORE_BUF_H
#define CORE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/mem.h"
#include "core/str.h"

struct buf {
	char  *data;
	size_t len;
	size_t cap;
	size_t max; /* 0 = unlimited */
};

/* Prepares an empty buffer that refuses to grow past max bytes (0: no cap). */
void buf_init(struct buf *b, size_t max);
/* Frees the storage; the buffer may be initialised again. */
void buf_cleanup(struct buf *b);
/* Drops the contents, keeps the storage. */
void buf_reset(struct buf *b);
/* Appends len bytes; -1 (and no change) when that would pass max. */
int buf_append(struct buf *b, const void *p, size_t len) MUST_CHECK;
/* Appends a NUL-terminated string. */
int buf_append_cstr(struct buf *b, const char *s) MUST_CHECK;
/* Appends printf-formatted text; -1 when it would pass max. */
int buf_appendf(struct buf *b, const char *fmt, ...)
    PRINTF_LIKE(2, 3) MUST_CHECK;
int buf_vappendf(struct buf *b, const char *fmt, va_list ap) MUST_CHECK;
/* Hands the storage to the caller (free() it); the buffer becomes empty. */
char *buf_release(struct buf *b, size_t *len) MUST_CHECK;
/* A view of the current contents. */
struct str buf_str(const struct buf *b);

#endif
