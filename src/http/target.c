/*
 * Checks a raw request target for the bytes that C strings and log lines
 * cannot carry. It decodes %XX the way libmicrohttpd does (two hex digits;
 * anything else stays literal), so what it refuses is exactly what the
 * decoder would produce.
 */
#include "http/target.h"

#include <stdbool.h>

/* Where in the target a byte is. */
enum target_part {
	PART_PATH,
	PART_KEY,
	PART_VALUE,
};

static bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* The byte a %-escape at p[i] decodes to, or -1 when it is not one. */
static int
escaped_at(const char *p, size_t len, size_t i)
{
	int hi, lo;

	if (p[i] != '%' || len - i < 3)
		return -1;
	if ((hi = str_hex_value(p[i + 1])) == -1 ||
	    (lo = str_hex_value(p[i + 2])) == -1)
		return -1;
	return hi * 16 + lo;
}

int
target_check(struct str raw)
{
	enum target_part part = PART_PATH;
	size_t           i;

	for (i = 0; i < raw.len; i++) {
		unsigned char c = (unsigned char)raw.p[i];
		int           d;

		if (is_ctl(c))
			return -1;
		if (c == '?' && part == PART_PATH) {
			part = PART_KEY;
			continue;
		}
		if (c == '&' && part != PART_PATH) {
			part = PART_KEY;
			continue;
		}
		if (c == '=' && part == PART_KEY) {
			part = PART_VALUE;
			continue;
		}
		if ((d = escaped_at(raw.p, raw.len, i)) == -1)
			continue;
		if (d == 0 || (part != PART_VALUE && is_ctl((unsigned char)d)))
			return -1;
		i += 2;
	}
	return 0;
}
