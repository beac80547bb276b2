/*
 * Byte strings that travel with their length (client bytes may hold NUL),
 * and checked number parsing.
 */
#ifndef CORE_STR_H
#define CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

struct str {
	const char *p;
	size_t      len;
};

#define STR_LIT(s) ((struct str){(s), sizeof(s) - 1})
#define STR_NULL   ((struct str){NULL, 0})

/* A struct str over a NUL-terminated string (NULL gives the empty string). */
struct str str_from_cstr(const char *s);
/* True when both have the same bytes. */
bool str_eq(struct str a, struct str b);
/* True when a equals the literal/C string b. */
bool str_eq_cstr(struct str a, const char *b);
/* The value of a hex digit (either case), -1 when c is not one. */
int str_hex_value(char c);
/* ASCII case-insensitive equality. */
bool str_eq_nocase(struct str a, struct str b);
/* True when a starts with prefix. */
bool str_has_prefix(struct str a, const char *prefix);

/*
 * Takes the text up to the next sep (or the end) off *rest into *item;
 * false once *rest is used up (rest->p NULL). Splits as JavaScript's
 * split(sep) does: "" gives one empty item, "a," gives "a" then "".
 */
bool str_split_next(struct str *rest, char sep, struct str *item) MUST_CHECK;

/*
 * Length of the well-formed UTF-8 sequence at p (n > 0 bytes available;
 * Unicode table 3-7: no overlong forms, surrogates or code points past
 * U+10FFFF), or 0 when ill-formed, with *bad (may be NULL) set to the
 * length of the maximal ill-formed subpart (what one U+FFFD replaces).
 */
size_t str_utf8_seq(const unsigned char *p, size_t n, size_t *bad);
/* True when the len bytes at p are well-formed UTF-8 (any ASCII byte is). */
bool str_is_utf8(const char *p, size_t len);

/*
 * Parses a whole decimal integer in [min, max]. Leading/trailing spaces,
 * signs on unsigned ranges, empty input and overflow are refused: -1.
 */
int str_to_i64(struct str s, int64_t min, int64_t max, int64_t *out) MUST_CHECK;

/*
 * The message of errno value err, written into buf (len bytes, > 0):
 * strerror() shares one buffer between threads. "error <n>" when the C
 * library has no message. Returns buf.
 */
const char *str_errno(int err, char *buf, size_t len) MUST_CHECK;

#endif
