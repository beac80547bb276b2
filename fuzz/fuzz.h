/*
 * What every libFuzzer target here shares: the two entry points libFuzzer
 * calls (declared, for -Wmissing-prototypes), a check that aborts with a
 * message when a property of the code under test fails (libFuzzer then
 * saves the input as a crash), and a reader that takes an input apart.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts (a finding) when cond is false. */
#define FUZZ_CHECK(cond)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			(void)fprintf(stderr, "%s:%d: property failed: %s\n", \
			    __FILE__, __LINE__, #cond);                       \
			abort();                                              \
		}                                                             \
	} while (0)

/* The input, read from the front. */
struct fuzz_input {
	const char *p;
	size_t      len;
};

/* The first byte (0 when none is left). */
static inline unsigned
fuzz_byte(struct fuzz_input *in)
{
	unsigned b;

	if (in->len == 0)
		return 0;
	b = (unsigned char)in->p[0];
	in->p++;
	in->len--;
	return b;
}

/*
 * The bytes up to the next newline (not included), or all that is left:
 * how a target cuts its input into fields, so that a seed is readable.
 */
static inline struct str
fuzz_line(struct fuzz_input *in)
{
	const char *nl = memchr(in->p, '\n', in->len);
	size_t      n = nl != NULL ? (size_t)(nl - in->p) : in->len;
	struct str  s = {in->p, n};

	in->p += nl != NULL ? n + 1 : n;
	in->len -= nl != NULL ? n + 1 : n;
	return s;
}

/* The rest of the input. */
static inline struct str
fuzz_rest(struct fuzz_input *in)
{
	struct str s = {in->p, in->len};

	in->p += in->len;
	in->len = 0;
	return s;
}

/* s as a NUL-terminated copy (malloc'd; free it); NULs inside stay. */
static inline char *
fuzz_cstr(struct str s)
{
	char *c = malloc(s.len + 1);

	if (c == NULL)
		abort();
	if (s.len > 0)
		memcpy(c, s.p, s.len);
	c[s.len] = '\0';
	return c;
}

/* True when the view v lies inside the bytes of s. */
static inline bool
fuzz_within(struct str v, struct str s)
{
	return v.len == 0 ||
	    (v.p >= s.p && v.p + v.len <= s.p + s.len && v.p + v.len >= v.p);
}

#endif
