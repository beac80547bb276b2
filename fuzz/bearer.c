/*
 * bearer_token (src/http/bearer.c) over any Authorization header value.
 * A token found lies inside the header, is not empty, has no blank at
 * either end, and comes after a "Bearer" scheme unless the value is one
 * word.
 */
#include "http/bearer.h"

#include "fuzz.h"

static bool
blank(char c)
{
	return c == ' ' || c == '\t';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct str header = {(const char *)data, size}, tok;

	if (!bearer_token(header, &tok))
		return 0;
	FUZZ_CHECK(fuzz_within(tok, header));
	FUZZ_CHECK(tok.len > 0);
	FUZZ_CHECK(!blank(tok.p[0]) && !blank(tok.p[tok.len - 1]));
	/* Either the header's one word, or what follows "Bearer" and blanks. */
	if (tok.p > header.p) {
		const char *s = header.p;

		while (blank(*s))
			s++;
		if (s != tok.p) {
			FUZZ_CHECK(tok.p - s >= 7);
			FUZZ_CHECK(str_eq_nocase((struct str){s, 6},
			    STR_LIT("Bearer")));
			FUZZ_CHECK(blank(s[6]));
		}
	}
	return 0;
}
