/*
 * Allocation that never returns NULL: on out-of-memory the process logs one
 * line and aborts (a clean crash and a restart beats an untested error path).
 */
#ifndef CORE_MEM_H
#define CORE_MEM_H

#include <stddef.h>

#define MUST_CHECK        __attribute__((warn_unused_result))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Like malloc/calloc/realloc/strdup, but abort instead of returning NULL. */
void *xmalloc(size_t len) MUST_CHECK;
void *xcalloc(size_t n, size_t len) MUST_CHECK;
void *xrealloc(void *p, size_t len) MUST_CHECK;
char *xstrdup(const char *s) MUST_CHECK;
/* Copies len bytes of p and appends a NUL. */
char *xstrndup(const char *p, size_t len) MUST_CHECK;

#endif
