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
#include "core/buf.h"

/*
 * 16,384 entries of about 1 KiB: pages are touched only as tokens arrive,
 * and 1,000 live tokens seldom share a set.
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

static bool
copy_field(char *dst, size_t size, const char *src)
{
	return snprintf(dst, size, "%s", src != NULL ? src : "") < (int)size;
}

/* Fills e from verified claims; false when a field does not fit. */
static bool
entry_from_claims(struct token_cache_entry *e, const struct clerk_claims *c)
{
	size_t i, used = 0;

	e->exp = c->exp;
	e->iat = c->has_iat ? c->iat : 0;
	if (!copy_field(e->sub, sizeof(e->sub), c->sub) ||
	    !copy_field(e->sid, sizeof(e->sid), c->sid) ||
	    !copy_field(e->org_id, sizeof(e->org_id), c->org_id) ||
	    !copy_field(e->org_role, sizeof(e->org_role), c->org_role) ||
	    !copy_field(e->org_slug, sizeof(e->org_slug), c->org_slug))
		return false;
	e->perms[0] = '\0';
	for (i = 0; i < c->org_permissions_len; i++) {
		int n = snprintf(e->perms + used, sizeof(e->perms) - used,
		    "%s%s", i > 0 ? "," : "", c->org_permissions[i]);

		if (n < 0 || (size_t)n >= sizeof(e->perms) - used)
			return false;
		used += (size_t)n;
	}
	return true;
}

static const char *
arena_copy(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

/* Copies verified claims into the arena. */
static void
claims_from_token(struct arena *a, const struct clerk_claims *c,
    struct clerk_session_claims *out)
{
	struct buf perms;
	size_t     i;

	out->exp = c->exp;
	out->iat = c->has_iat ? c->iat : 0;
	out->sub = arena_copy(a, c->sub);
	out->sid = arena_copy(a, c->sid);
	out->org_id = arena_copy(a, c->org_id);
	out->org_role = arena_copy(a, c->org_role);
	out->org_slug = arena_copy(a, c->org_slug);
	buf_init(&perms, 0);
	for (i = 0; i < c->org_permissions_len; i++)
		(void)!buf_appendf(&perms, "%s%s", i > 0 ? "," : "",
		    c->org_permissions[i]);
	out->perms =
	    arena_strndup(a, perms.data != NULL ? perms.data : "", perms.len);
	buf_cleanup(&perms);
}

/* Copies a cached entry's claims into the arena. */
static void
claims_from_entry(struct arena *a, const struct token_cache_entry *e,
    struct clerk_session_claims *out)
{
	out->exp = e->exp;
	out->iat = e->iat;
	out->sub = arena_copy(a, e->sub);
	out->sid = arena_copy(a, e->sid);
	out->org_id = arena_copy(a, e->org_id);
	out->org_role = arena_copy(a, e->org_role);
	out->org_slug = arena_copy(a, e->org_slug);
	out->perms = arena_copy(a, e->perms);
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
 * Verifies t's signature and claims: CLERK_SESSION_OK with out's claims
 * filled, and the token cached under key when key is not NULL and its
 * claims fit an entry.
 */
static enum clerk_session_verdict
verify(struct clerk_session *s, const struct clerk_session_token *t,
    const unsigned char *key, struct arena *a, struct clerk_session_result *out)
{
	struct lookup_ctx        l = {s, NULL, JWKS_FOUND, 0};
	struct clerk_jwt_opts    o;
	struct clerk_claims      c;
	struct token_cache_entry e;

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
		claims_from_token(a, &c, &out->claims);
		/* Claims too large for an entry are simply not cached, nor
		 * a token whose key could not be computed (key NULL). */
		memset(&e, 0, sizeof(e));
		if (key != NULL) {
			memcpy(e.key, key, TOKEN_CACHE_KEY_SIZE);
			if (entry_from_claims(&e, &c))
				token_cache_put(s->cache, &e, t->now);
		}
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
	claims_from_entry(a, &e, &out->claims);
	out->verdict = CLERK_SESSION_OK;
	return out->verdict;
}
