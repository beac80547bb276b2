/*
 * Length-carrying strings. Pure functions, no allocation, thread-safe.
 */
#include "core/str.h"

#include <stdio.h>
#include <string.h>

struct str
str_from_cstr(const char *s)
{
	struct str r = {"", 0};

	if (s != NULL) {
		r.p = s;
		r.len = strlen(s);
	}
	return r;
}

int
str_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
str_eq(struct str a, struct str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool
str_eq_cstr(struct str a, const char *b)
{
	return str_eq(a, str_from_cstr(b));
}

static int
lower_ascii(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

bool
str_eq_nocase(struct str a, struct str b)
{
	size_t i;

	if (a.len != b.len)
		return false;
	for (i = 0; i < a.len; i++) {
		if (lower_ascii((unsigned char)a.p[i]) !=
		    lower_ascii((unsigned char)b.p[i]))
			return false;
	}
	return true;
}

bool
str_has_prefix(struct str a, const char *prefix)
{
	size_t n = strlen(prefix);

	return a.len >= n && memcmp(a.p, prefix, n) == 0;
}

bool
str_split_next(struct str *rest, char sep, struct str *item)
{
	const char *end;

	if (rest->p == NULL)
		return false;
	end = rest->len > 0 ? memchr(rest->p, sep, rest->len) : NULL;
	if (end == NULL) {
		*item = *rest;
		*rest = STR_NULL;
	} else {
		*item = (struct str){rest->p, (size_t)(end - rest->p)};
		*rest = (struct str){end + 1, rest->len - item->len - 1};
	}
	return true;
}

int
str_to_i64(struct str s, int64_t min, int64_t max, int64_t *out)
{
	uint64_t acc = 0, limit;
	size_t   i = 0;
	bool     neg = false;

	if (s.len == 0 || s.len > 20)
		return -1;
	if (s.p[0] == '-' || s.p[0] == '+') {
		/* A sign on a range without negatives is refused. */
		if (min >= 0)
			return -1;
		neg = s.p[0] == '-';
		i = 1;
		if (s.len == 1)
			return -1;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < s.len; i++) {
		unsigned d;

		if (s.p[i] < '0' || s.p[i] > '9')
			return -1;
		d = (unsigned)(s.p[i] - '0');
		if (acc > (limit - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	if (neg) {
		int64_t v =
		    acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
		if (v < min || v > max)
			return -1;
		*out = v;
		return 0;
	}
	if ((int64_t)acc < min || (int64_t)acc > max)
		return -1;
	*out = (int64_t)acc;
	return 0;
}

size_t
str_utf8_seq(const unsigned char *p, size_t n, size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t        need, i, ignored;

	if (bad == NULL)
		bad = &ignored;
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		need = 2;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		need = 3;
		if (p[0] == 0xE0)
			lo = 0xA0;
		else if (p[0] == 0xED)
			hi = 0x9F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		need = 4;
		if (p[0] == 0xF0)
			lo = 0x90;
		else if (p[0] == 0xF4)
			hi = 0x8F;
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i < need; i++) {
		if (i >= n || p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return need;
}

bool
str_is_utf8(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t               i = 0;

	while (i < len) {
		size_t n = s[i] < 0x80 ? 1 : str_utf8_seq(s + i, len - i, NULL);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* Built without _GNU_SOURCE: strerror_r is the XSI one, returning an int. */
const char *
str_errno(int err, char *buf, size_t len)
{
	if (strerror_r(err, buf, len) != 0)
		(void)snprintf(buf, len, "error %d", err);
	return buf;
}
