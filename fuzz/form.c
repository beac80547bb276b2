/*
 * Admin form bodies (src/admin/form.c) decoded by libmicrohttpd's post
 * processor, as a POST to the admin hands them over (fuzz/mhd.h). The
 * first byte picks the Content-Type (urlencoded, multipart with a fixed
 * boundary, or a long-value mode); the rest is the body. Properties:
 * - at most ADMIN_FORM_MAX_FIELDS fields, each NUL-terminated at its
 *   length; decoding never makes the values longer than the body;
 * - the first value of a name is what admin_form_getn finds;
 * - long mode: the body is "k=" and the rest of the input, mapped to
 *   letters and repeated past the processor's 4 KiB buffer, so the value
 *   comes in pieces: the one field must be that value exactly.
 */
#include "admin/form.h"

#include <stdio.h>

#include "mhd.h"

#define LONG_MAX_LEN (64 * 1024)

static struct {
	const char *body;
	size_t      len;
	bool        is_long;
	bool        ran;
} cur;

static void
check(struct req *r)
{
	struct admin_form f;
	size_t            i, total = 0, len;
	const char       *v;

	cur.ran = true;
	if (admin_form_parse(r, &f) == -1)
		return;
	FUZZ_CHECK(f.n <= ADMIN_FORM_MAX_FIELDS);
	for (i = 0; i < f.n; i++) {
		FUZZ_CHECK(
		    f.fields[i].name != NULL && f.fields[i].value != NULL);
		FUZZ_CHECK(f.fields[i].value[f.fields[i].len] == '\0');
		total += f.fields[i].len;
	}
	FUZZ_CHECK(total <= cur.len);
	if (f.n > 0) {
		v = admin_form_getn(&f, f.fields[0].name, &len);
		FUZZ_CHECK(v == f.fields[0].value && len == f.fields[0].len);
	}
	if (cur.is_long) {
		FUZZ_CHECK(f.n == 1);
		FUZZ_CHECK(strcmp(f.fields[0].name, "k") == 0);
		FUZZ_CHECK(f.fields[0].len == cur.len - 2);
		FUZZ_CHECK(
		    memcmp(f.fields[0].value, cur.body + 2, cur.len - 2) == 0);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mhd_start(check);
	return 0;
}

/* "k=" and the input mapped to letters, repeated to LONG_MAX_LEN. */
static char *
long_body(struct str rest, size_t *len)
{
	char  *b = malloc(LONG_MAX_LEN);
	size_t i;

	FUZZ_CHECK(b != NULL);
	memcpy(b, "k=", 2);
	*len = 2;
	if (rest.len == 0)
		return b;
	for (i = 0; *len < LONG_MAX_LEN; i++)
		b[(*len)++] =
		    (char)('a' + (unsigned char)rest.p[i % rest.len] % 26);
	return b;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {
	    "application/x-www-form-urlencoded",
	    "application/x-www-form-urlencoded; charset=utf-8",
	    "multipart/form-data; boundary=XyZ",
	    "multipart/form-data; boundary=\"a b\"",
	};
	struct fuzz_input in = {(const char *)data, size};
	unsigned          mode = fuzz_byte(&in);
	struct str        rest = fuzz_rest(&in);
	char              head[256], *owned = NULL;
	int               n;

	cur.is_long = mode == 0xff;
	cur.body = rest.p;
	cur.len = rest.len;
	if (cur.is_long) {
		owned = long_body(rest, &cur.len);
		cur.body = owned;
	}
	n = snprintf(head, sizeof(head),
	    "POST /admin/f/ HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n\r\n",
	    cur.is_long ? types[0] : types[mode % ARRAY_LEN(types)], cur.len);
	FUZZ_CHECK(n > 0 && (size_t)n < sizeof(head));
	cur.ran = false;
	mhd_exchange(head, (size_t)n, cur.body, cur.len);
	FUZZ_CHECK(cur.ran || !cur.is_long);
	free(owned);
	return 0;
}
