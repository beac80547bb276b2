/*
 * The Authorization header's token. The scheme is a token followed by
 * one or more spaces; only "Bearer", in any case, carries a session token.
 */
#include "http/bearer.h"

static bool
is_space(char c)
{
	return c == ' ' || c == '\t';
}

bool
bearer_token(struct str header, struct str *token)
{
	struct str h = header, scheme;
	size_t     i;

	while (h.len > 0 && is_space(h.p[0])) {
		h.p++;
		h.len--;
	}
	while (h.len > 0 && is_space(h.p[h.len - 1]))
		h.len--;
	if (h.len == 0)
		return false;
	for (i = 0; i < h.len && !is_space(h.p[i]); i++)
		;
	if (i == h.len) {
		*token = h; /* a bare value */
		return true;
	}
	scheme = (struct str){h.p, i};
	if (!str_eq_nocase(scheme, STR_LIT("Bearer")))
		return false;
	while (is_space(h.p[i]))
		i++;
	*token = (struct str){h.p + i, h.len - i};
	return true;
}
