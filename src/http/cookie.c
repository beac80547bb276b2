/*
 * The Cookie parser. libmicrohttpd's own lookup compares names without
 * regard to case and reads only the first Cookie header; RFC 6265 names
 * are case-sensitive and a client may split its cookies over several
 * headers (req_cookie() reads each of them with cookie_find()).
 */
#include "http/cookie.h"

#include <string.h>

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static struct str
trim(struct str s)
{
	while (s.len > 0 && is_space(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_space(s.p[s.len - 1]))
		s.len--;
	return s;
}

bool
cookie_find(struct str header, const char *name, struct str *value)
{
	struct str rest = header, pair;

	if (header.p == NULL || *name == '\0')
		return false;
	while (str_split_next(&rest, ';', &pair)) {
		const char *eq = memchr(pair.p, '=', pair.len);
		struct str  v;

		if (eq == NULL)
			continue;
		if (!str_eq_cstr(trim((struct str){pair.p,
		                     (size_t)(eq - pair.p)}),
		        name))
			continue;
		v = trim(
		    (struct str){eq + 1, pair.len - (size_t)(eq - pair.p) - 1});
		/* cookie-value may be a quoted string (RFC 6265 4.1.1). */
		if (v.len >= 2 && v.p[0] == '"' && v.p[v.len - 1] == '"') {
			v.p++;
			v.len -= 2;
		}
		*value = v;
		return true;
	}
	return false;
}
