/*
 * The session gate. Configuration is read once in clerk_session_new();
 * afterwards the struct is shared read-only, except the token cache, whose
 * slots are guarded by striped mutexes (held only to copy an entry), and
 * the JWKS cache, which has its own lock. Reasons for refusing a token go to
 * the log; the client only ever sees "Not authenticated".
 */
#include "clerk/session.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts/clerk_sync.h"
#include "accounts/directory.h"
#include "clerk/backend_api.h"
#include "clerk/jwks.h"
#include "clerk/jwt.h"
#include "clerk/pubkey.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/metrics.h"
#include "http/req.h"

#define CACHE_SLOTS 16384
#define CACHE_LOCKS 64
#define FIELD       128
#define PERMS       512

/* A verified token's claims, kept until it expires. */
struct cached {
	unsigned char key[SHA256_DIGEST_LENGTH];
	bool          used;
	int64_t       exp;
	int64_t       iat; /* 0 when absent */
	char          sub[FIELD];
	char          org_id[FIELD];
	char          org_role[FIELD];
	char          org_slug[FIELD];
	char          perms[PERMS]; /* comma-joined */
};

struct clerk_session {
	EVP_PKEY       *pem_key; /* CLERK_JWT_KEY, or NULL */
	struct jwks    *jwks;    /* else the Backend API's JWKS */
	char           *issuer;  /* NULL: no publishable key */
	char           *cookie_suffix;
	char           *authorized_parties;
	char           *api_url;
	char           *secret_key;
	pthread_mutex_t locks[CACHE_LOCKS];
	struct cached  *slots;
};

/* The request's view of a verified token. */
struct session_claims {
	int64_t     exp;
	int64_t     iat;
	const char *sub;
	const char *org_id, *org_role, *org_slug, *perms;
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
load_publishable(struct clerk_session *s, const struct config *cfg, char *err,
    size_t errlen)
{
	char host[256], suffix[CLERK_COOKIE_SUFFIX_SIZE];

	if (cfg->clerk_publishable_key == NULL)
		return 0;
	if (clerk_frontend_api_host(cfg->clerk_publishable_key, host,
	        sizeof(host)) == -1 ||
	    clerk_cookie_suffix(cfg->clerk_publishable_key, suffix) == -1) {
		(void)snprintf(err, errlen,
		    "CLERK_PUBLISHABLE_KEY: not a Clerk publishable key "
		    "(pk_test_ or pk_live_ followed by the encoded Frontend "
		    "API host)");
		return -1;
	}
	s->issuer = xstrndup("https://", 8);
	s->issuer = xrealloc(s->issuer, 8 + strlen(host) + 1);
	memcpy(s->issuer + 8, host, strlen(host) + 1);
	s->cookie_suffix = xstrdup(suffix);
	return 0;
}

int
clerk_session_new(const struct config *cfg, struct clerk_session **gate,
    char *err, size_t errlen)
{
	struct clerk_session *s;
	int                   i;

	*gate = NULL;
	if (cfg->clerk_jwt_key == NULL && cfg->clerk_secret_key == NULL)
		return 0;
	s = xcalloc(1, sizeof(*s));
	if (load_keys(s, cfg, err, errlen) == -1 ||
	    load_publishable(s, cfg, err, errlen) == -1) {
		clerk_session_free(s);
		return -1;
	}
	if (cfg->clerk_authorized_parties != NULL)
		s->authorized_parties = xstrdup(cfg->clerk_authorized_parties);
	s->api_url = xstrdup(cfg->clerk_api_url);
	if (cfg->clerk_secret_key != NULL)
		s->secret_key = xstrdup(cfg->clerk_secret_key);
	for (i = 0; i < CACHE_LOCKS; i++)
		pthread_mutex_init(&s->locks[i], NULL);
	s->slots = xcalloc(CACHE_SLOTS, sizeof(*s->slots));
	*gate = s;
	return 0;
}

void
clerk_session_free(struct clerk_session *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->slots != NULL) {
		for (i = 0; i < CACHE_LOCKS; i++)
			pthread_mutex_destroy(&s->locks[i]);
	}
	EVP_PKEY_free(s->pem_key);
	jwks_free(s->jwks);
	free(s->issuer);
	free(s->cookie_suffix);
	free(s->authorized_parties);
	free(s->api_url);
	free(s->secret_key);
	free(s->slots);
	free(s);
}

static int
unauthorized(struct req *r, const char *why)
{
	log_info("req=%s component=auth outcome=refused reason=%s", r->id, why);
	(void)resp_detail(r, HTTP_UNAUTHORIZED, "Not authenticated");
	resp_header(r, "WWW-Authenticate", "Bearer");
	return HTTP_UNAUTHORIZED;
}

/* A cookie, preferring the publishable key's suffixed name. */
static const char *
suffixed_cookie(struct req *r, const struct clerk_session *s, const char *base)
{
	const char *v = NULL;
	char        name[64];

	if (s->cookie_suffix != NULL) {
		(void)snprintf(name, sizeof(name), "%s_%s", base,
		    s->cookie_suffix);
		v = req_cookie(r, name);
	}
	return v != NULL ? v : req_cookie(r, base);
}

/*
 * The token: "Authorization: Bearer <t>" (or a bare value without a
 * space, as Clerk's SDK takes it); a header of another scheme is ignored.
 * Without one, the session cookie.
 */
static const char *
find_token(struct req *r, const struct clerk_session *s, bool *is_bearer)
{
	const char *h = req_header(r, "Authorization");

	*is_bearer = false;
	if (h != NULL && *h != '\0') {
		const char *sp = strchr(h, ' ');

		if (sp == NULL) {
			*is_bearer = true;
			return h;
		}
		if (sp - h == 6 && strncmp(h, "Bearer", 6) == 0) {
			while (*sp == ' ')
				sp++;
			*is_bearer = true;
			return sp;
		}
	}
	return suffixed_cookie(r, s, "__session");
}

/* The cache key of a token; false when it cannot be computed. */
static bool
cache_key(const char *token, size_t len, bool azp_optional,
    unsigned char out[SHA256_DIGEST_LENGTH])
{
	unsigned char mode = azp_optional ? 1 : 0;

	return clerk_sha256(&mode, 1, token, len, out);
}

/*
 * The cache is 4-way set-associative: a key may sit in any of the four
 * slots of its set, so a few tokens whose keys share a set do not keep
 * evicting each other (direct-mapped, 1,000 live tokens in 16,384 slots
 * left one token in twenty sharing its slot, and verifying again on every
 * use).
 */
#define CACHE_WAYS 4

/* The first slot of key's set. */
static size_t
set_of(const unsigned char key[SHA256_DIGEST_LENGTH])
{
	size_t v;

	memcpy(&v, key, sizeof(v));
	return v % (CACHE_SLOTS / CACHE_WAYS) * CACHE_WAYS;
}

static pthread_mutex_t *
lock_of(struct clerk_session *s, size_t set)
{
	return &s->locks[set / CACHE_WAYS % CACHE_LOCKS];
}

static bool
is_live(const struct cached *e, int64_t now)
{
	return e->used && e->exp > now - CLERK_JWT_LEEWAY_S;
}

/* Copies a live cached entry for key into out; false on a miss. */
static bool
cache_get(struct clerk_session *s, const unsigned char *key, int64_t now,
    struct cached *out)
{
	size_t           set = set_of(key), w;
	pthread_mutex_t *mu = lock_of(s, set);
	bool             hit = false;

	pthread_mutex_lock(mu);
	for (w = 0; w < CACHE_WAYS && !hit; w++) {
		const struct cached *e = &s->slots[set + w];

		if (is_live(e, now) &&
		    memcmp(e->key, key, SHA256_DIGEST_LENGTH) == 0) {
			*out = *e;
			hit = true;
		}
	}
	pthread_mutex_unlock(mu);
	return hit;
}

static bool
copy_field(char *dst, size_t size, const char *src)
{
	return snprintf(dst, size, "%s", src != NULL ? src : "") < (int)size;
}

/* Fills e from verified claims; false when a field does not fit. */
static bool
entry_from_claims(struct cached *e, const struct clerk_claims *c)
{
	size_t i, used = 0;

	e->exp = c->exp;
	e->iat = c->has_iat ? c->iat : 0;
	if (!copy_field(e->sub, FIELD, c->sub) ||
	    !copy_field(e->org_id, FIELD, c->org_id) ||
	    !copy_field(e->org_role, FIELD, c->org_role) ||
	    !copy_field(e->org_slug, FIELD, c->org_slug))
		return false;
	e->perms[0] = '\0';
	for (i = 0; i < c->org_permissions_len; i++) {
		int n = snprintf(e->perms + used, PERMS - used, "%s%s",
		    i > 0 ? "," : "", c->org_permissions[i]);

		if (n < 0 || (size_t)n >= PERMS - used)
			return false;
		used += (size_t)n;
	}
	return true;
}

/*
 * Stores e in its set: over the same key, else in a free or expired slot,
 * else over the entry that expires first.
 */
static void
cache_put(struct clerk_session *s, const struct cached *e, int64_t now)
{
	size_t           set = set_of(e->key), w, pick = CACHE_WAYS;
	pthread_mutex_t *mu = lock_of(s, set);

	pthread_mutex_lock(mu);
	for (w = 0; w < CACHE_WAYS && pick == CACHE_WAYS; w++) {
		if (s->slots[set + w].used &&
		    memcmp(s->slots[set + w].key, e->key,
		        SHA256_DIGEST_LENGTH) == 0)
			pick = w;
	}
	for (w = 0; w < CACHE_WAYS && pick == CACHE_WAYS; w++) {
		if (!is_live(&s->slots[set + w], now))
			pick = w;
	}
	if (pick == CACHE_WAYS) {
		pick = 0;
		for (w = 1; w < CACHE_WAYS; w++) {
			if (s->slots[set + w].exp < s->slots[set + pick].exp)
				pick = w;
		}
	}
	s->slots[set + pick] = *e;
	s->slots[set + pick].used = true;
	pthread_mutex_unlock(mu);
}

static void
wake_request(void *arg)
{
	req_resume(arg);
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

/* Copies verified claims into the request's arena. */
static void
claims_to_request(struct req *r, const struct clerk_claims *c,
    struct session_claims *out)
{
	struct buf perms;
	size_t     i;

	out->exp = c->exp;
	out->iat = c->has_iat ? c->iat : 0;
	out->sub = arena_strndup(r->arena, c->sub, strlen(c->sub));
	out->org_id = arena_strndup(r->arena, c->org_id, strlen(c->org_id));
	out->org_role =
	    arena_strndup(r->arena, c->org_role, strlen(c->org_role));
	out->org_slug =
	    arena_strndup(r->arena, c->org_slug, strlen(c->org_slug));
	buf_init(&perms, 0);
	for (i = 0; i < c->org_permissions_len; i++)
		(void)!buf_appendf(&perms, "%s%s", i > 0 ? "," : "",
		    c->org_permissions[i]);
	out->perms = arena_strndup(r->arena,
	    perms.data != NULL ? perms.data : "", perms.len);
	buf_cleanup(&perms);
}

/* Copies a cached entry's claims into the request's arena. */
static void
claims_from_entry(struct req *r, const struct cached *e,
    struct session_claims *out)
{
	out->exp = e->exp;
	out->iat = e->iat;
	out->sub = arena_strndup(r->arena, e->sub, strlen(e->sub));
	out->org_id = arena_strndup(r->arena, e->org_id, strlen(e->org_id));
	out->org_role =
	    arena_strndup(r->arena, e->org_role, strlen(e->org_role));
	out->org_slug =
	    arena_strndup(r->arena, e->org_slug, strlen(e->org_slug));
	out->perms = arena_strndup(r->arena, e->perms, strlen(e->perms));
}

/* What verify() found. */
enum verdict {
	VERDICT_OK,
	VERDICT_REFUSED,     /* *why says why */
	VERDICT_UNAVAILABLE, /* no signing keys */
	VERDICT_SUSPENDED,   /* waiting for the JWKS; the route reruns */
};

/*
 * Verifies token; VERDICT_OK with out filled (and the token cached under
 * key when key is not NULL and its claims fit an entry). Writes no
 * response.
 */
static enum verdict
verify(struct req *r, struct clerk_session *s, const char *token,
    bool azp_optional, const unsigned char *key, struct session_claims *out,
    enum clerk_jwt_error *why)
{
	struct lookup_ctx     l = {s, NULL, JWKS_FOUND, 0};
	struct clerk_jwt_opts o;
	struct clerk_claims   c;
	struct cached         e;
	enum clerk_jwt_error  rc;
	enum verdict          v = VERDICT_OK;

	memset(&o, 0, sizeof(o));
	o.lookup = lookup_key;
	o.lookup_ctx = &l;
	o.issuer = s->issuer;
	o.authorized_parties = s->authorized_parties;
	o.azp_may_be_missing = azp_optional;
	o.now = time_now_ms() / 1000;
	rc = clerk_jwt_verify(token, strlen(token), &o, &c);
	*why = rc;
	EVP_PKEY_free(l.held);
	if (rc != CLERK_JWT_OK) {
		if (l.result == JWKS_PENDING && r->auth_waits++ == 0) {
			/* The signing keys are being read: wait for them off
			 * this thread, then run the route again. */
			req_suspend(r, req_rerun);
			jwks_on_ready(s->jwks, l.ticket, wake_request, r);
			v = VERDICT_SUSPENDED;
		} else if (l.result == JWKS_UNAVAILABLE ||
		    l.result == JWKS_PENDING) {
			log_warn("req=%s component=auth msg=\"no signing keys: "
			         "the JWKS could not be fetched\"",
			    r->id);
			v = VERDICT_UNAVAILABLE;
		} else {
			v = VERDICT_REFUSED;
		}
	} else {
		claims_to_request(r, &c, out);
		/* Claims too large for an entry are simply not cached, nor
		 * a token whose key could not be computed (key NULL). */
		memset(&e, 0, sizeof(e));
		if (key != NULL) {
			memcpy(e.key, key, SHA256_DIGEST_LENGTH);
			if (entry_from_claims(&e, &c))
				cache_put(s, &e, o.now);
		}
	}
	clerk_claims_cleanup(&c);
	return v;
}

/* A cached or freshly verified token's claims; see verify(). */
static enum verdict
check_token(struct req *r, struct clerk_session *s, const char *token,
    bool azp_optional, struct session_claims *sc, enum clerk_jwt_error *why)
{
	struct cached e;
	bool          hit;

	memset(&e, 0, sizeof(e));
	memset(sc, 0, sizeof(*sc));
	*why = CLERK_JWT_OK;
	if (!cache_key(token, strlen(token), azp_optional, e.key))
		return verify(r, s, token, azp_optional, NULL, sc, why);
	hit = cache_get(s, e.key, time_now_ms() / 1000, &e);
	metrics_token_cache(hit);
	if (hit) {
		claims_from_entry(r, &e, sc);
		return VERDICT_OK;
	}
	return verify(r, s, token, azp_optional, e.key, sc, why);
}

/*
 * A cookie token older than __client_uat predates a sign-in or sign-out
 * in this browser: stale.
 */
static bool
stale_for_client(struct req *r, const struct clerk_session *s, int64_t iat)
{
	const char *uat = suffixed_cookie(r, s, "__client_uat");
	int64_t     v;

	if (uat == NULL ||
	    str_to_i64(str_from_cstr(uat), 0, INT64_MAX, &v) == -1 || v == 0)
		return false;
	return iat < v;
}

static bool
is_clerk_id(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return i > 0 && i < 100;
}

/* Mirrors a user fetched from the Backend API, as a user.updated event. */
static int
store_fetched_user(struct db_conn *c, json_t *user)
{
	struct sync_result res;
	json_t            *event =
	    json_pack("{s:s, s:O}", "type", "user.updated", "data", user);
	int rc = -1;

	if (event == NULL || db_begin(c) == -1)
		goto out;
	if (clerk_sync_apply(c, event, time_now_ms(), &res) == SYNC_DB_ERROR) {
		(void)!db_rollback(c);
		goto out;
	}
	rc = db_commit(c);
out:
	json_decref(event);
	return rc;
}

/*
 * Just-in-time user: fetch sub from the Backend API and store it. 1 when
 * it is now mirrored, 0 when Clerk does not know it (or it is tombstoned),
 * -1 when Clerk or the database could not be reached.
 */
static int
fetch_user(struct req *r, struct clerk_session *s, struct db_conn *c,
    const char *sub, int64_t *user_id)
{
	char    path[160];
	json_t *user = NULL;
	long    status = 0;
	int     rc;

	if (s->secret_key == NULL || !is_clerk_id(sub))
		return 0;
	/* A deleted user stays deleted, whatever Clerk still answers. */
	if ((rc = directory_is_tombstoned(c, sub)) != 0)
		return rc == 1 ? 0 : -1;
	(void)snprintf(path, sizeof(path), "/v1/users/%s", sub);
	if (clerk_api_get(s->api_url, s->secret_key, path, &status, &user) ==
	    -1)
		return -1;
	if (status != 200 || !json_is_object(user) ||
	    !json_is_string(json_object_get(user, "id")) ||
	    strcmp(json_string_value(json_object_get(user, "id")), sub) != 0) {
		log_info("req=%s component=auth msg=\"user unknown to Clerk\" "
		         "status=%ld",
		    r->id, status);
		json_decref(user);
		return status == 404 ? 0 : -1;
	}
	rc = store_fetched_user(c, user);
	json_decref(user);
	if (rc == -1)
		return -1;
	log_info("req=%s component=auth msg=\"user fetched just in time\" "
	         "clerk_id=%s",
	    r->id, sub);
	return directory_user_id(c, sub, user_id);
}

static json_t *
perms_array(const char *perms)
{
	json_t     *a = json_array();
	const char *p = perms;

	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t      n = end != NULL ? (size_t)(end - p) : strlen(p);
		json_t     *v = json_stringn(p, n);

		if (v != NULL)
			json_array_append_new(a, v);
		p += n;
		if (*p == ',')
			p++;
	}
	return a;
}

static void
decref_json(void *p)
{
	json_decref(p);
}

static const char *
arena_or_null(struct req *r, const char *s)
{
	return *s != '\0' ? arena_strndup(r->arena, s, strlen(s)) : NULL;
}

/* perms (the request's array of e's permissions) is borrowed. */
static void
fill_auth(struct req *r, const struct session_claims *e, json_t *perms,
    int64_t user_id)
{
	r->auth.user_id = user_id;
	r->auth.clerk_user_id = arena_strndup(r->arena, e->sub, strlen(e->sub));
	r->auth.org_id = arena_or_null(r, e->org_id);
	r->auth.org_role = arena_or_null(r, e->org_role);
	r->auth.org_slug = arena_or_null(r, e->org_slug);
	r->auth.org_permissions = perms;
}

/* The text of a JSON array, in the request's arena. */
static const char *
json_text_in_arena(struct req *r, const json_t *a)
{
	char       *text = json_dumps(a, JSON_COMPACT);
	const char *out =
	    text != NULL ? arena_strndup(r->arena, text, strlen(text)) : "[]";

	free(text);
	return out;
}

/*
 * users/me's body for e's user (r->auth.profile_json, left NULL when the
 * database cannot render it) and *user_id: as directory_user_id. perms is
 * the array of e's permissions.
 */
static int
read_profile(struct req *r, struct db_conn *c, const struct session_claims *e,
    const json_t *perms, int64_t *user_id)
{
	struct directory_active_org a = {NULL, NULL, NULL, NULL};

	if (e->org_id[0] != '\0') {
		a.org_id = e->org_id;
		a.role = e->org_role[0] != '\0' ? e->org_role : NULL;
		a.slug = e->org_slug[0] != '\0' ? e->org_slug : NULL;
		a.permissions_json = json_text_in_arena(r, perms);
	}
	return directory_user_me_text(c, e->sub, &a, r->arena, user_id,
	    &r->auth.profile_json, &r->auth.profile_json_len);
}

/*
 * The local user of verified claims, fetched just in time when not
 * mirrored: 1 found (r->auth filled), 0 unknown, -1 database or Clerk
 * unreachable (*no_db set when there was no database connection). With
 * with_profile, users/me's body is read in the same statement.
 */
static int
find_user(struct req *r, struct clerk_session *s,
    const struct session_claims *e, bool with_profile, bool *no_db)
{
	struct db_conn *c = req_db(r);
	json_t         *perms;
	int64_t         user_id = 0;
	int             rc;

	*no_db = c == NULL;
	if (c == NULL)
		return -1;
	perms = perms_array(e->perms);
	arena_defer(r->arena, decref_json, perms);
	rc = with_profile ? read_profile(r, c, e, perms, &user_id)
	                  : directory_user_id(c, e->sub, &user_id);
	if (rc == 0) {
		rc = fetch_user(r, s, c, e->sub, &user_id);
		if (rc == 1 && with_profile)
			rc = read_profile(r, c, e, perms, &user_id);
	}
	if (rc == 1)
		fill_auth(r, e, perms, user_id);
	return rc;
}

int
clerk_session_authenticate(struct req *r)
{
	struct clerk_session *s = r->app->session;
	struct session_claims sc;
	enum clerk_jwt_error  why;
	const char           *token;
	bool                  bearer, azp_optional, no_db;
	int                   rc;

	if (s == NULL)
		return unauthorized(r, "clerk-not-configured");
	if ((token = find_token(r, s, &bearer)) == NULL || *token == '\0')
		return unauthorized(r, "no-token");
	/* Browsers omit azp on top-level navigations: a cookie token without
	 * one is good only for requests that change nothing. */
	azp_optional = !bearer &&
	    (str_eq_cstr(r->method, "GET") || str_eq_cstr(r->method, "HEAD"));
	switch (check_token(r, s, token, azp_optional, &sc, &why)) {
	case VERDICT_OK:
		break;
	case VERDICT_SUSPENDED:
		return HTTP_SUSPENDED;
	case VERDICT_UNAVAILABLE:
		return resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
		    "Authentication is temporarily unavailable");
	case VERDICT_REFUSED:
	default:
		return unauthorized(r, clerk_jwt_error_str(why));
	}
	if (!bearer && stale_for_client(r, s, sc.iat))
		return unauthorized(r, "token-older-than-client-uat");
	rc = find_user(r, s, &sc,
	    (r->match.route->flags & ROUTE_AUTH_PROFILE) != 0, &no_db);
	if (rc == -1 && no_db)
		return resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
		    "Database unavailable");
	if (rc == -1)
		return resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
		    "Service temporarily unavailable");
	if (rc == 0)
		return resp_detail(r, HTTP_NOT_FOUND, "User not synced yet");
	return 0;
}

/* True when __client_uat says a session is signed in in this browser. */
static bool
client_signed_in(struct req *r, const struct clerk_session *s)
{
	const char *uat = suffixed_cookie(r, s, "__client_uat");
	int64_t     v;

	return uat != NULL &&
	    str_to_i64(str_from_cstr(uat), 0, INT64_MAX, &v) == 0 && v > 0;
}

enum clerk_page_auth
clerk_session_page_auth(struct req *r)
{
	struct clerk_session *s = r->app->session;
	struct session_claims sc;
	enum clerk_jwt_error  why;
	const char           *token;
	bool                  no_db;
	int                   rc;

	if (s == NULL)
		return CLERK_PAGE_UNAVAILABLE;
	token = suffixed_cookie(r, s, "__session");
	if (token == NULL || *token == '\0') {
		/* Signed in, but no cookie yet: ClerkJS writes one. */
		return client_signed_in(r, s) ? CLERK_PAGE_REFRESH
		                              : CLERK_PAGE_NO_SESSION;
	}
	/* Page requests are GET navigations: a missing azp is fine. */
	switch (check_token(r, s, token, true, &sc, &why)) {
	case VERDICT_OK:
		break;
	case VERDICT_SUSPENDED:
		return CLERK_PAGE_SUSPENDED;
	case VERDICT_UNAVAILABLE:
		return CLERK_PAGE_UNAVAILABLE;
	case VERDICT_REFUSED:
	default:
		log_info("req=%s component=auth outcome=refused reason=%s",
		    r->id, clerk_jwt_error_str(why));
		/* A token that is only out of date (what Clerk's SDK would
		 * send through its handshake) while the browser is signed
		 * in: let ClerkJS write a fresh one. */
		if ((why == CLERK_JWT_EXPIRED ||
		        why == CLERK_JWT_NOT_YET_VALID ||
		        why == CLERK_JWT_IAT_FUTURE) &&
		    client_signed_in(r, s))
			return CLERK_PAGE_REFRESH;
		return CLERK_PAGE_INVALID;
	}
	if (stale_for_client(r, s, sc.iat)) {
		log_info("req=%s component=auth outcome=refused "
		         "reason=token-older-than-client-uat",
		    r->id);
		return CLERK_PAGE_REFRESH;
	}
	rc = find_user(r, s, &sc, false, &no_db);
	if (rc == 0)
		return CLERK_PAGE_NOT_SYNCED;
	return rc == 1 ? CLERK_PAGE_OK : CLERK_PAGE_UNAVAILABLE;
}
