/*
 * The allocator wrappers. They abort on out-of-memory; every caller may rely
 * on a non-NULL result. Thread-safe as the C library's allocator is.
 */
#include "core/mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
oom(void)
{
	static const char msg[] = "fatal: out of memory\n";

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	abort();
}

void *
xmalloc(size_t len)
{
	void *p = malloc(len == 0 ? 1 : len);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t len)
{
	void *p = calloc(n == 0 ? 1 : n, len == 0 ? 1 : len);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *old, size_t len)
{
	void *p = realloc(old, len == 0 ? 1 : len);

	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		oom();
	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
