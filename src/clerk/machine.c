/*
 * Machine tokens: classification, the three verify calls, the two JWT
 * forms, and one verdict for all of them. Nothing is kept between calls;
 * every string of a verdict is copied into the caller's arena.
 */
#include "clerk/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clerk/backend_api.h"
#include "clerk/jwt.h"
#include "core/arena.h"
#include "core/str.h"

static bool
has_prefix(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

struct machine_kind
machine_classify(const char *token, size_t len, bool peek_jwt)
{
	struct machine_kind   k = {MACHINE_NONE, false};
	struct clerk_jwt_peek p;

	memset(&p, 0, sizeof(p));
	if (token == NULL)
		return k;
	if (peek_jwt)
		clerk_jwt_peek(token, len, &p);
	/* The SDK's order (reference/clerk.md 10.1): first match wins. */
	if (has_prefix(token, len, "mt_")) {
		k.type = MACHINE_M2M;
	} else if (p.is_jwt && p.sub_is_machine) {
		k.type = MACHINE_M2M;
		k.is_jwt = true;
	} else if (has_prefix(token, len, "oat_")) {
		k.type = MACHINE_OAUTH;
	} else if (p.is_jwt && p.typ_is_access) {
		k.type = MACHINE_OAUTH;
		k.is_jwt = true;
	} else if (has_prefix(token, len, "ak_")) {
		/* The secret may hold '/', '+' and '=': the prefix only. */
		k.type = MACHINE_API_KEY;
	}
	return k;
}

const char *
machine_type_name(enum machine_type t)
{
	switch (t) {
	case MACHINE_API_KEY:
		return "api_key";
	case MACHINE_M2M:
		return "m2m_token";
	case MACHINE_OAUTH:
		return "oauth_token";
	case MACHINE_NONE:
	default:
		return "session_token";
	}
}

/* A string member copied into a, or NULL when absent or not a string. */
static const char *
text_member(struct arena *a, const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return NULL;
	return arena_strndup(a, json_string_value(v), json_string_length(v));
}

/* v as compact JSON text in a; NULL for null, absent or unprintable. */
static const char *
json_text(struct arena *a, const json_t *v)
{
	size_t n;
	char  *s;

	if (v == NULL || json_is_null(v))
		return NULL;
	if ((n = json_dumpb(v, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY)) == 0)
		return NULL;
	s = arena_alloc(a, n + 1);
	if (json_dumpb(v, s, n, JSON_COMPACT | JSON_ENCODE_ANY) != n)
		return NULL;
	s[n] = '\0';
	return s;
}

/* The strings of a JSON array (others skipped) into v's scopes. */
static void
scopes_from_array(struct arena *a, const json_t *arr, struct machine_verdict *v)
{
	const char  **out;
	const json_t *e;
	size_t        i, n = 0;

	v->scopes = NULL;
	v->nscopes = 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return;
	out = arena_alloc(a, json_array_size(arr) * sizeof(*out));
	json_array_foreach(arr, i, e)
	{
		if (json_is_string(e))
			out[n++] = arena_strndup(a, json_string_value(e),
			    json_string_length(e));
	}
	v->scopes = out;
	v->nscopes = n;
}

/* The space-separated words of s into v's scopes. */
static void
scopes_from_words(struct arena *a, const char *s, struct machine_verdict *v)
{
	const char **out;
	size_t       n = 0, cap = 1, i;

	for (i = 0; s[i] != '\0'; i++)
		cap += s[i] == ' ';
	out = arena_alloc(a, cap * sizeof(*out));
	while (*s != '\0') {
		size_t len = strcspn(s, " ");

		if (len > 0 && n < cap)
			out[n++] = arena_strndup(a, s, len);
		s += len;
		while (*s == ' ')
			s++;
	}
	v->scopes = n > 0 ? out : NULL;
	v->nscopes = n;
}

static bool
is_true(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

/* The subject kinds Clerk gives each type (reference/clerk.md 10.2). */
static bool
subject_fits(enum machine_type t, const char *subject)
{
	if (subject == NULL || subject[0] == '\0')
		return false;
	switch (t) {
	case MACHINE_API_KEY:
		return strncmp(subject, "user_", 5) == 0 ||
		    strncmp(subject, "org_", 4) == 0 ||
		    strncmp(subject, "mch_", 4) == 0;
	case MACHINE_M2M:
		return strncmp(subject, "mch_", 4) == 0;
	case MACHINE_OAUTH:
		return strncmp(subject, "user_", 5) == 0;
	case MACHINE_NONE:
	default:
		return false;
	}
}

static enum machine_outcome
parse_ok_body(enum machine_type t, const json_t *body, int64_t now_ms,
    struct arena *a, struct machine_verdict *v, const char **why)
{
	const json_t *exp;

	if (!json_is_object(body)) {
		*why = "answer-not-json";
		return MACHINE_UNAVAILABLE;
	}
	/* A JWT access token past its time (reference/clerk.md 10.2). */
	if (json_is_false(json_object_get(body, "active"))) {
		*why = "token-inactive";
		return MACHINE_REFUSED;
	}
	if (is_true(body, "revoked")) {
		*why = "token-revoked";
		return MACHINE_REFUSED;
	}
	if (is_true(body, "expired")) {
		*why = "token-expired";
		return MACHINE_REFUSED;
	}
	exp = json_object_get(body, "expiration");
	if (json_is_integer(exp)) {
		v->expiration_ms = json_integer_value(exp);
		if (v->expiration_ms <= now_ms) {
			*why = "token-expired";
			return MACHINE_REFUSED;
		}
	}
	v->subject = text_member(a, body, "subject");
	if (!subject_fits(t, v->subject)) {
		*why = "answer-without-subject";
		return MACHINE_UNAVAILABLE;
	}
	v->id = text_member(a, body, "id");
	if (v->id == NULL)
		v->id = "";
	if (strncmp(v->subject, "org_", 4) == 0)
		v->org_id = v->subject;
	if (t == MACHINE_OAUTH)
		v->client_id = text_member(a, body, "client_id");
	else
		v->claims_json = json_text(a, json_object_get(body, "claims"));
	scopes_from_array(a, json_object_get(body, "scopes"), v);
	*why = "ok";
	return MACHINE_ACCEPTED;
}

enum machine_outcome
machine_answer_parse(enum machine_type t, long status, const json_t *body,
    int64_t now_ms, struct arena *a, struct machine_verdict *v,
    const char **why)
{
	memset(v, 0, sizeof(*v));
	v->type = t;
	v->id = "";
	v->subject = "";
	switch (status) {
	case 200:
		return parse_ok_body(t, body, now_ms, a, v, why);
	case 400:
	case 404:
	case 410:
	case 422:
		*why = "token-invalid";
		return MACHINE_REFUSED;
	case 401:
	case 403:
		*why = "secret-key-invalid";
		return MACHINE_SECRET_REFUSED;
	case 429:
		*why = "clerk-rate-limited";
		return MACHINE_UNAVAILABLE;
	default:
		*why =
		    status >= 500 ? "clerk-server-error" : "clerk-unexpected";
		return MACHINE_UNAVAILABLE;
	}
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

enum machine_outcome
machine_verify_opaque(const char *api_url, const char *secret_key,
    enum machine_type t, const char *token, int64_t now_ms, struct arena *a,
    struct machine_verdict *v, struct machine_call *call, const char **why)
{
	struct clerk_api_answer ans;
	enum machine_outcome    out;
	const char             *path, *field;
	json_t                 *body = NULL, *s;
	uint64_t                start;

	memset(call, 0, sizeof(*call));
	memset(v, 0, sizeof(*v));
	v->type = t;
	switch (t) {
	case MACHINE_API_KEY:
		path = "/v1/api_keys/verify";
		field = "secret";
		break;
	case MACHINE_M2M:
		path = "/v1/m2m_tokens/verify";
		field = "token";
		break;
	case MACHINE_OAUTH:
		path = "/v1/oauth_applications/access_tokens/verify";
		field = "access_token";
		break;
	case MACHINE_NONE:
	default:
		*why = "not-a-machine-token";
		return MACHINE_REFUSED;
	}
	/* json_string refuses invalid UTF-8: no token of Clerk's is that. */
	if (strlen(token) > MACHINE_TOKEN_MAX ||
	    (s = json_string(token)) == NULL) {
		*why = "token-invalid";
		return MACHINE_REFUSED;
	}
	body = json_object();
	(void)json_object_set_new(body, field, s);
	start = mono_ns();
	if (clerk_api_call("POST", api_url, secret_key, path, body, &ans) ==
	    -1) {
		call->ns = mono_ns() - start;
		json_decref(body);
		*why = "clerk-unreachable";
		return MACHINE_UNAVAILABLE;
	}
	call->ns = mono_ns() - start;
	call->status = ans.status;
	json_decref(body);
	out = machine_answer_parse(t, ans.status, ans.json, now_ms, a, v, why);
	clerk_api_answer_cleanup(&ans);
	return out;
}

/* The payload's members that are not registered claims, or NULL. */
static const char *
extra_claims(struct arena *a, const json_t *payload)
{
	static const char *const registered[] = {"iss", "sub", "exp", "nbf",
	    "iat", "jti"};
	json_t                  *copy = json_copy((json_t *)(uintptr_t)payload);
	const char              *out = NULL;
	size_t                   i;

	if (copy == NULL)
		return NULL;
	for (i = 0; i < ARRAY_LEN(registered); i++)
		(void)json_object_del(copy, registered[i]);
	if (json_object_size(copy) > 0)
		out = json_text(a, copy);
	json_decref(copy);
	return out;
}

/* M2MToken.fromJwtPayload and the OAuth mapping (reference/clerk.md
 * 10.3). */
static void
verdict_from_payload(const json_t *p, struct machine_kind k, int64_t exp,
    struct arena *a, struct machine_verdict *v)
{
	const char *words;

	v->type = k.type;
	v->is_jwt = true;
	v->subject = text_member(a, p, "sub");
	v->id = text_member(a, p, "jti");
	if (v->id == NULL)
		v->id = "";
	v->expiration_ms = exp * 1000;
	v->claims_json = extra_claims(a, p);
	if (k.type == MACHINE_M2M) {
		const json_t *aud = json_object_get(p, "aud");

		if ((words = json_string_value(json_object_get(p, "scopes"))) !=
		    NULL)
			scopes_from_words(a, words, v);
		else if (json_is_string(aud))
			scopes_from_words(a, json_string_value(aud), v);
		else
			scopes_from_array(a, aud, v);
		return;
	}
	v->client_id = text_member(a, p, "client_id");
	v->org_id = text_member(a, p, "org_id");
	if (json_is_array(json_object_get(p, "scp")))
		scopes_from_array(a, json_object_get(p, "scp"), v);
	else if ((words = json_string_value(json_object_get(p, "scope"))) !=
	    NULL)
		scopes_from_words(a, words, v);
}

enum machine_outcome
machine_verify_jwt(struct clerk_session *s, struct machine_kind k,
    const char *token, int64_t now_ms, struct arena *a,
    struct machine_verdict *v, uint64_t *ticket, const char **why)
{
	struct clerk_machine_jwt        t;
	struct clerk_machine_jwt_result res;
	enum clerk_session_verdict      sv;
	json_t                         *p;

	memset(v, 0, sizeof(*v));
	v->type = k.type;
	v->id = "";
	v->subject = "";
	*ticket = 0;
	if (s == NULL) {
		*why = "no-signing-keys";
		return MACHINE_REFUSED;
	}
	t.text = token;
	t.form =
	    k.type == MACHINE_M2M ? CLERK_JWT_FORM_M2M : CLERK_JWT_FORM_OAUTH;
	t.now = now_ms / 1000;
	sv = clerk_session_verify_machine(s, &t, &res);
	*why = clerk_jwt_error_str(res.why);
	if (sv == CLERK_SESSION_PENDING) {
		*ticket = res.ticket;
		return MACHINE_PENDING;
	}
	if (sv == CLERK_SESSION_UNAVAILABLE)
		return MACHINE_UNAVAILABLE;
	if (sv != CLERK_SESSION_OK)
		return MACHINE_REFUSED;
	p = json_loads(res.payload, 0, NULL);
	free(res.payload);
	if (!json_is_object(p)) {
		json_decref(p);
		*why = "token-invalid";
		return MACHINE_REFUSED;
	}
	verdict_from_payload(p, k, res.exp, a, v);
	json_decref(p);
	if (v->subject == NULL) {
		v->subject = "";
		*why = "token-missing-sub";
		return MACHINE_REFUSED;
	}
	return MACHINE_ACCEPTED;
}

/*
 * A packed verdict: this head, then id, subject, org_id, client_id,
 * claims_json and the scopes, each NUL-terminated (an absent optional
 * string is marked in the head and packed as "").
 */
struct packed_verdict {
	int64_t  expiration_ms;
	uint32_t nscopes;
	uint8_t  type;
	uint8_t  is_jwt;
	uint8_t  present; /* bit 0 org_id, 1 client_id, 2 claims_json */
	uint8_t  magic;
};

#define PACK_MAGIC 0x6d

static void
pack_text(unsigned char *dst, size_t cap, size_t *used, const char *s)
{
	size_t n = strlen(s != NULL ? s : "") + 1;

	if (*used + n <= cap)
		memcpy(dst + *used, s != NULL ? s : "", n);
	*used += n;
}

size_t
machine_verdict_pack(const struct machine_verdict *v, unsigned char *dst,
    size_t cap)
{
	struct packed_verdict h;
	size_t                used = sizeof(h), i;

	memset(&h, 0, sizeof(h));
	h.expiration_ms = v->expiration_ms;
	h.nscopes = (uint32_t)v->nscopes;
	h.type = (uint8_t)v->type;
	h.is_jwt = v->is_jwt ? 1 : 0;
	h.present = (uint8_t)((v->org_id != NULL ? 1 : 0) |
	    (v->client_id != NULL ? 2 : 0) | (v->claims_json != NULL ? 4 : 0));
	h.magic = PACK_MAGIC;
	if (used <= cap)
		memcpy(dst, &h, sizeof(h));
	pack_text(dst, cap, &used, v->id);
	pack_text(dst, cap, &used, v->subject);
	pack_text(dst, cap, &used, v->org_id);
	pack_text(dst, cap, &used, v->client_id);
	pack_text(dst, cap, &used, v->claims_json);
	for (i = 0; i < v->nscopes; i++)
		pack_text(dst, cap, &used, v->scopes[i]);
	return used;
}

/* The next packed string of [*p, end), or NULL when none is left. */
static const char *
next_text(const char **p, const char *end)
{
	const char *s = *p, *nul;

	if (s >= end || (nul = memchr(s, '\0', (size_t)(end - s))) == NULL)
		return NULL;
	*p = nul + 1;
	return s;
}

int
machine_verdict_unpack(const unsigned char *src, size_t len, struct arena *a,
    struct machine_verdict *v)
{
	struct packed_verdict h;
	const char           *p, *end, *f[5];
	const char          **scopes = NULL;
	char                 *copy;
	size_t                i;

	memset(v, 0, sizeof(*v));
	if (len < sizeof(h))
		return -1;
	memcpy(&h, src, sizeof(h));
	if (h.magic != PACK_MAGIC || h.nscopes > len)
		return -1;
	copy = arena_alloc(a, len - sizeof(h) + 1);
	memcpy(copy, src + sizeof(h), len - sizeof(h));
	p = copy;
	end = copy + (len - sizeof(h));
	for (i = 0; i < ARRAY_LEN(f); i++) {
		if ((f[i] = next_text(&p, end)) == NULL)
			return -1;
	}
	if (h.nscopes > 0)
		scopes = arena_alloc(a, h.nscopes * sizeof(*scopes));
	for (i = 0; i < h.nscopes; i++) {
		if ((scopes[i] = next_text(&p, end)) == NULL)
			return -1;
	}
	v->type = (enum machine_type)h.type;
	v->is_jwt = h.is_jwt != 0;
	v->expiration_ms = h.expiration_ms;
	v->id = f[0];
	v->subject = f[1];
	v->org_id = (h.present & 1) != 0 ? f[2] : NULL;
	v->client_id = (h.present & 2) != 0 ? f[3] : NULL;
	v->claims_json = (h.present & 4) != 0 ? f[4] : NULL;
	v->scopes = scopes;
	v->nscopes = h.nscopes;
	return 0;
}
