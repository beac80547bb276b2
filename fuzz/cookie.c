/*
 * cookie_find (src/http/cookie.c) over any Cookie header and any name.
 * Input: the name, a newline, then the header's value. A value found lies
 * inside the header and holds no ';' (a pair never spans two).
 */
#include "http/cookie.h"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {(const char *)data, size};
	struct str        name = fuzz_line(&in), header = fuzz_rest(&in), v;
	char             *n = fuzz_cstr(name);

	if (cookie_find(header, n, &v)) {
		FUZZ_CHECK(n[0] != '\0');
		FUZZ_CHECK(fuzz_within(v, header));
		FUZZ_CHECK(v.len == 0 || memchr(v.p, ';', v.len) == NULL);
	}
	free(n);
	return 0;
}
