/*
 * Query strings, decoded by libmicrohttpd (fuzz/mhd.h) and read by the
 * parsers behind the routes: the integer parameters of src/api/params.c
 * (limit, offset, FastAPI's 422 shape), the questions of /api/v1/auth/check
 * (has() and the reverification syntax, src/clerk/has.c) and the
 * redirect_url of the sign-in pages (src/pages/sign.c). The input is the
 * query string; bytes a request line cannot hold are percent-encoded.
 * Properties:
 * - an integer parameter is accepted exactly when it is a decimal of at
 *   most 20 characters, optionally signed, within its range, and then has
 *   that value; a refusal adds one error, and the errors always
 *   serialise (invalid UTF-8 included);
 * - has() is false for a signed-out subject and for an empty question;
 * - a redirect target is "/dashboard" or a path on this origin, also
 *   after the client percent-decodes it once and drops the tabs and line
 *   breaks that browsers drop from URLs.
 */
#include "api/params.h"

#include <stdio.h>

#include "clerk/has.h"
#include "core/str.h"
#include "mhd.h"
#include "pages/pages.h"

/*
 * What api_query_int accepts, written out again: a decimal of at most 20
 * characters with an optional sign (it parses on the whole int64 range,
 * so "-0" and "+5" pass as pydantic's int does), then within [min, max].
 */
static bool
is_int(const char *v, int64_t min, int64_t max, int64_t *out)
{
	size_t   len = strlen(v), i = 0;
	__int128 acc = 0;
	bool     neg = false;

	if (len == 0 || len > 20)
		return false;
	if (v[0] == '-' || v[0] == '+') {
		if (len == 1)
			return false;
		neg = v[0] == '-';
		i = 1;
	}
	for (; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		acc = acc * 10 + (v[i] - '0');
		if (acc > (__int128)INT64_MAX + 1)
			return false;
	}
	if (neg)
		acc = -acc;
	if (acc < min || acc > max)
		return false;
	*out = (int64_t)acc;
	return true;
}

static void
check_int(struct req *r, const char *name, int64_t def, int64_t min,
    int64_t max)
{
	json_t     *errors = json_array();
	const char *v = req_query(r, name);
	int64_t     got = 0, want = def;
	int         rc = api_query_int(r, name, def, min, max, &got, errors);
	char       *dump;

	FUZZ_CHECK(errors != NULL);
	if (v == NULL || is_int(v, min, max, &want)) {
		FUZZ_CHECK(rc == 0 && got == want);
		FUZZ_CHECK(json_array_size(errors) == 0);
	} else {
		FUZZ_CHECK(rc == -1 && json_array_size(errors) == 1);
	}
	dump = json_dumps(errors, JSON_COMPACT);
	FUZZ_CHECK(dump != NULL);
	free(dump);
	json_decref(errors);
}

/* v percent-decoded once, tabs and line breaks dropped (as browsers do),
 * is still not "//host" or "/\host". */
static void
check_redirect(const char *v)
{
	const char *t = pages_redirect_target(v);
	char        d[3];
	size_t      n = 0, i;

	FUZZ_CHECK(t != NULL);
	if (strcmp(t, "/dashboard") == 0)
		return;
	FUZZ_CHECK(t == v && t[0] == '/' && t[1] != '/' && t[1] != '\\');
	for (i = 0; t[i] != '\0' && n < sizeof(d); i++) {
		char c = t[i];

		if (c == '%' && str_hex_value(t[i + 1]) >= 0 &&
		    str_hex_value(t[i + 2]) >= 0) {
			c = (char)(str_hex_value(t[i + 1]) * 16 +
			    str_hex_value(t[i + 2]));
			i += 2;
		}
		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		d[n++] = c;
	}
	FUZZ_CHECK(n < 2 || (d[1] != '/' && d[1] != '\\'));
}

static const char *
asked(struct req *r, const char *name)
{
	const char *v = req_query(r, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

static void
check_has(struct req *r)
{
	static const char *const  perms[] = {"org:invoices:read",
	     "org:sys_memberships:manage"};
	struct has_subject        s = {"user_1", "org_1", "org:admin", perms,
	           ARRAY_LEN(perms), NULL, "o:teams,u:beta", "u:free,o:pro",
	           {HAS_FVA_VALID, 3, 20}};
	struct has_query          q = {asked(r, "role"), asked(r, "permission"),
	             asked(r, "feature"), asked(r, "plan"), asked(r, "reverification")};
	struct has_reverification rv;
	bool empty = q.role == NULL && q.permission == NULL &&
	    q.feature == NULL && q.plan == NULL && q.reverification == NULL;
	bool yes = has_check(&s, &q);

	FUZZ_CHECK(!empty || !yes);
	if (q.reverification != NULL &&
	    has_reverification_parse(q.reverification, &rv) == 0) {
		char body[HAS_BODY_MAX];

		FUZZ_CHECK(rv.minutes > 0);
		/* has.h: HAS_BODY_MAX holds any below 1e21 (routes name theirs;
		 * a client's value only ever reaches has()). */
		FUZZ_CHECK(
		    has_reverification_body(&rv, body, sizeof(body)) > 0 ||
		    rv.minutes >= 1e21);
	}
	s.user_id = NULL;
	FUZZ_CHECK(!has_check(&s, &q));
}

static void
check(struct req *r)
{
	check_int(r, "limit", 20, 1, 100);
	check_int(r, "offset", 0, 0, INT64_MAX / 2);
	check_int(r, "n", 0, INT64_MIN, INT64_MAX);
	check_has(r);
	check_redirect(req_query(r, "redirect_url"));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mhd_start(check);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char hexd[] = "0123456789ABCDEF";
	struct buf        req;
	size_t            i;

	buf_init(&req, 0);
	FUZZ_CHECK(buf_append_cstr(&req, "GET /q?") == 0);
	for (i = 0; i < size; i++) {
		unsigned char c = data[i];
		char          pct[3] = {'%', hexd[c >> 4], hexd[c & 15]};

		if (c <= 0x20 || c >= 0x7f || c == '#')
			FUZZ_CHECK(buf_append(&req, pct, 3) == 0);
		else
			FUZZ_CHECK(buf_append(&req, (const char *)&c, 1) == 0);
	}
	FUZZ_CHECK(buf_append_cstr(&req, " HTTP/1.1\r\nHost: x\r\n\r\n") == 0);
	mhd_exchange(req.data, req.len, NULL, 0);
	buf_cleanup(&req);
	return 0;
}
