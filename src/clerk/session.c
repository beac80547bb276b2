/*
 * The session-token verifier. Configuration is read once in
 * clerk_session_new(); afterwards the struct is shared read-only, except
 * the token cache, which has its own striped locks, and the JWKS cache,
 * which has its own lock.
 */
#include "clerk/session.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clerk/jwks.h"
#include "clerk/pubkey.h"
#include "clerk/token_cache.h"
#include "core/arena.h"

/*
 * 16,384 entries of 1 KiB: pages are touched only as tokens arrive, and
 * 1,000 live tokens seldom share a set.
 */
#define CACHE_SLOTS 16384

struct clerk_session {
	EVP_PKEY           *pem_key; /* CLERK_JWT_KEY, or NULL */
	struct jwks        *jwks;    /* else the Backend API's JWKS */
	char               *issuer;  /* NULL: no publishable key */
	char               *authorized_parties;
	struct token_cache *cache;
};

static int
load_keys(struct clerk_session *s, const struct config *cfg, char *err,
    size_t errlen)
{
	if (cfg->clerk_jwt_key != NULL) {
		s->pem_key = clerk_pubkey_from_config(cfg->clerk_jwt_key);
		if (s->pem_key == NULL) {
			(void)snprintf(err, errlen,
			    "CLERK_JWT_KEY: expected an RSA public key of at "
			    "least 2048 bits in PEM (-----BEGIN PUBLIC "
			    "KEY-----)");
			return -1;
		}
		return 0;
	}
	s->jwks = jwks_new(cfg->clerk_api_url, cfg->clerk_secret_key);
	return 0;
}

static int
load_issuer(struct clerk_session *s, const struct config *cfg, char *err,
    size_t errlen)
{
	char host[256];

	if (cfg->clerk_publishable_key == NULL)
		return 0;
	if (clerk_frontend_api_host(cfg->clerk_publishable_key, host,
	        sizeof(host)) == -1) {
		(void)snprintf(err, errlen,
		    "CLERK_PUBLISHABLE_KEY: not a Clerk publishable key "
		    "(pk_test_ or pk_live_ followed by the encoded Frontend "
		    "API host)");
		return -1;
	}
	s->issuer = xstrndup("https://", 8);
	s->issuer = xrealloc(s->issuer, 8 + strlen(host) + 1);
	memcpy(s->issuer + 8, host, strlen(host) + 1);
	return 0;
}

int
clerk_session_new(const struct config *cfg, struct clerk_session **out,
    char *err, size_t errlen)
{
	struct clerk_session *s;

	*out = NULL;
	if (cfg->clerk_jwt_key == NULL && cfg->clerk_secret_key == NULL)
		return 0;
	s = xcalloc(1, sizeof(*s));
	if (load_keys(s, cfg, err, errlen) == -1 ||
	    load_issuer(s, cfg, err, errlen) == -1) {
		clerk_session_free(s);
		return -1;
	}
	if (cfg->clerk_authorized_parties != NULL)
		s->authorized_parties = xstrdup(cfg->clerk_authorized_parties);
	s->cache = token_cache_new(CACHE_SLOTS, CLERK_JWT_LEEWAY_S);
	*out = s;
	return 0;
}

void
clerk_session_free(struct clerk_session *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->pem_key);
	jwks_free(s->jwks);
	free(s->issuer);
	free(s->authorized_parties);
	token_cache_free(s->cache);
	free(s);
}

void
clerk_session_on_keys(struct clerk_session *s, uint64_t ticket,
    void (*ready)(void *arg), void                     *arg)
{
	jwks_on_ready(s->jwks, ticket, ready, arg);
}

/* The cache key of a token; false when it cannot be computed. */
static bool
cache_key(const struct clerk_session_token *t,
    unsigned char                           out[TOKEN_CACHE_KEY_SIZE])
{
	unsigned char mode = t->azp_may_be_missing ? 1 : 0;

	return clerk_sha256(&mode, 1, t->text, strlen(t->text), out);
}

/*
 * An entry's data: this head, then the string fields of struct
 * clerk_session_claims in the order of text_fields(), each NUL-terminated,
 * then the permissions, likewise. One copy restores them all.
 */
struct packed_head {
	int64_t            iat;
	double             fva_first;
	double             fva_second;
	enum has_fva_state fva_state;
	uint32_t           perms_len;
};

#define TEXT_FIELDS 9

/* The string fields of out, in their packed order. */
static void
text_fields(struct clerk_session_claims *out, const char **f[TEXT_FIELDS])
{
	f[0] = &out->sub;
	f[1] = &out->sid;
	f[2] = &out->sts;
	f[3] = &out->actor;
	f[4] = &out->org_id;
	f[5] = &out->org_role;
	f[6] = &out->org_slug;
	f[7] = &out->fea;
	f[8] = &out->pla;
}

/* Appends s and its NUL at *used when it fits in cap; counts it always. */
static void
pack_text(unsigned char *dst, size_t cap, size_t *used, const char *s)
{
	size_t n = strlen(s != NULL ? s : "") + 1;

	if (*used + n <= cap)
		memcpy(dst + *used, s != NULL ? s : "", n);
	*used += n;
}

/*
 * Packs verified claims into dst (cap bytes) when they fit; returns the
 * bytes they take either way (so a caller can retry with room enough).
 */
static size_t
pack_claims(const struct clerk_claims *c, unsigned char *dst, size_t cap)
{
	const char *const text[TEXT_FIELDS] = {c->sub, c->sid, c->sts, c->actor,
	    c->org_id, c->org_role, c->org_slug, c->fea, c->pla};
	struct packed_head h;
	size_t             i, used = sizeof(h);

	memset(&h, 0, sizeof(h));
	h.iat = c->has_iat ? c->iat : 0;
	h.fva_state = c->fva.state;
	h.fva_first = c->fva.first;
	h.fva_second = c->fva.second;
	h.perms_len = (uint32_t)c->org_permissions_len;
	if (used <= cap)
		memcpy(dst, &h, sizeof(h));
	for (i = 0; i < TEXT_FIELDS; i++)
		pack_text(dst, cap, &used, text[i]);
	for (i = 0; i < c->org_permissions_len; i++)
		pack_text(dst, cap, &used, c->org_permissions[i]);
	return used;
}

/* Restores packed claims (len bytes of src) into out, strings in a. */
static void
unpack_claims(struct arena *a, const unsigned char *src, size_t len,
    struct clerk_session_claims *out)
{
	const char       **fields[TEXT_FIELDS];
	const char       **perms = NULL;
	struct packed_head h;
	char              *p;
	size_t             i;

	memcpy(&h, src, sizeof(h));
	out->iat = h.iat;
	out->fva.state = h.fva_state;
	out->fva.first = h.fva_first;
	out->fva.second = h.fva_second;
	p = arena_alloc(a, len - sizeof(h));
	memcpy(p, src + sizeof(h), len - sizeof(h));
	text_fields(out, fields);
	for (i = 0; i < TEXT_FIELDS; i++) {
		*fields[i] = p;
		p += strlen(p) + 1;
	}
	if (h.perms_len > 0)
		perms = arena_alloc(a, h.perms_len * sizeof(*perms));
	for (i = 0; i < h.perms_len; i++) {
		perms[i] = p;
		p += strlen(p) + 1;
	}
	out->perms = perms;
	out->perms_len = h.perms_len;
}

struct lookup_ctx {
	struct clerk_session *s;
	EVP_PKEY             *held;
	enum jwks_result      result;
	uint64_t              ticket; /* for JWKS_PENDING */
};

static EVP_PKEY *
lookup_key(const char *kid, void *arg)
{
	struct lookup_ctx *l = arg;

	if (l->s->pem_key != NULL)
		return l->s->pem_key;
	EVP_PKEY_free(l->held);
	l->held = NULL;
	if (kid == NULL)
		return NULL;
	l->result = jwks_get(l->s->jwks, kid, &l->held, &l->ticket);
	return l->held;
}

/*
 * Packs verified claims once: into a cache entry under key (when key is
 * not NULL and they fit one), else into the arena; out gets them from
 * there. Claims too large for an entry are simply not cached: such a
 * token is verified on each use.
 */
static void
keep_claims(struct clerk_session *s, const struct clerk_session_token *t,
    const unsigned char *key, const struct clerk_claims *c, struct arena *a,
    struct clerk_session_claims *out)
{
	struct token_cache_entry e;
	size_t                   len;
	unsigned char           *big;

	len = pack_claims(c, e.data, sizeof(e.data));
	if (len > sizeof(e.data)) {
		big = arena_alloc(a, len);
		(void)pack_claims(c, big, len);
		unpack_claims(a, big, len, out);
	} else {
		unpack_claims(a, e.data, len, out);
		if (key != NULL) {
			memcpy(e.key, key, TOKEN_CACHE_KEY_SIZE);
			e.exp = c->exp;
			e.len = (uint16_t)len;
			token_cache_put(s->cache, &e, t->now);
		}
	}
	out->exp = c->exp;
}

/*
 * Verifies t's signature and claims: CLERK_SESSION_OK with out's claims
 * filled, and the token cached under key when key is not NULL and its
 * claims fit an entry.
 */
static enum clerk_session_verdict
verify(struct clerk_session *s, const struct clerk_session_token *t,
    const unsigned char *key, struct arena *a, struct clerk_session_result *out)
{
	struct lookup_ctx     l = {s, NULL, JWKS_FOUND, 0};
	struct clerk_jwt_opts o;
	struct clerk_claims   c;

	memset(&o, 0, sizeof(o));
	o.lookup = lookup_key;
	o.lookup_ctx = &l;
	o.issuer = s->issuer;
	o.authorized_parties = s->authorized_parties;
	o.azp_may_be_missing = t->azp_may_be_missing;
	o.now = t->now;
	out->why = clerk_jwt_verify(t->text, strlen(t->text), &o, &c);
	EVP_PKEY_free(l.held);
	if (out->why != CLERK_JWT_OK) {
		if (l.result == JWKS_PENDING) {
			out->ticket = l.ticket;
			out->verdict = CLERK_SESSION_PENDING;
		} else if (l.result == JWKS_UNAVAILABLE) {
			out->verdict = CLERK_SESSION_UNAVAILABLE;
		} else {
			out->verdict = CLERK_SESSION_REFUSED;
		}
	} else {
		keep_claims(s, t, key, &c, a, &out->claims);
		out->verdict = CLERK_SESSION_OK;
	}
	clerk_claims_cleanup(&c);
	return out->verdict;
}

enum clerk_session_verdict
clerk_session_verify(struct clerk_session *s,
    const struct clerk_session_token *t, struct arena *a,
    struct clerk_session_result *out)
{
	unsigned char            key[TOKEN_CACHE_KEY_SIZE];
	struct token_cache_entry e;

	memset(out, 0, sizeof(*out));
	if (!cache_key(t, key))
		return verify(s, t, NULL, a, out);
	if (!token_cache_get(s->cache, key, t->now, &e)) {
		out->cache = CLERK_CACHE_MISS;
		return verify(s, t, key, a, out);
	}
	out->cache = CLERK_CACHE_HIT;
	unpack_claims(a, e.data, e.len, &out->claims);
	out->claims.exp = e.exp;
	out->verdict = CLERK_SESSION_OK;
	return out->verdict;
}

enum clerk_session_verdict
clerk_session_verify_machine(struct clerk_session *s,
    const struct clerk_machine_jwt *t, struct clerk_machine_jwt_result *out)
{
	struct lookup_ctx     l = {s, NULL, JWKS_FOUND, 0};
	struct clerk_jwt_opts o;

	memset(out, 0, sizeof(*out));
	memset(&o, 0, sizeof(o));
	o.lookup = lookup_key;
	o.lookup_ctx = &l;
	o.now = t->now;
	out->why = clerk_jwt_verify_machine(t->text, strlen(t->text), t->form,
	    &o, &out->payload, &out->exp);
	EVP_PKEY_free(l.held);
	if (out->why == CLERK_JWT_OK)
		return CLERK_SESSION_OK;
	if (l.result == JWKS_PENDING) {
		out->ticket = l.ticket;
		return CLERK_SESSION_PENDING;
	}
	return l.result == JWKS_UNAVAILABLE ? CLERK_SESSION_UNAVAILABLE
	                                    : CLERK_SESSION_REFUSED;
}

bool
clerk_session_is_pending(const struct clerk_session_claims *c)
{
	return strcmp(c->sts, "pending") == 0;
}

void
clerk_session_subject(const struct clerk_session_claims *c,
    struct has_subject                                  *s)
{
	memset(s, 0, sizeof(*s));
	/* The SDK treats a pending session as signed out: has() is false. */
	if (!clerk_session_is_pending(c))
		s->user_id = c->sub;
	s->org_id = c->org_id;
	s->org_role = c->org_role;
	s->perms = c->perms;
	s->perms_len = c->perms_len;
	/* An empty list is a list: has() must not read perms_csv. */
	if (s->perms == NULL)
		s->perms_csv = "";
	s->features = c->fea;
	s->plans = c->pla;
	s->fva = c->fva;
}
