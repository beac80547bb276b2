/*
 * The request side of the Clerk session: where the token is, what a
 * verdict means for the answer, and who the user is locally. The gate's
 * configuration is read once in auth_gate_new() and shared read-only
 * afterwards; all request state lives in the request's arena.
 */
#include "auth/gate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/clerk_sync.h"
#include "accounts/directory.h"
#include "app.h"
#include "auth/machine_gate.h"
#include "auth/policy.h"
#include "auth/revocations.h"
#include "clerk/backend_api.h"
#include "clerk/machine.h"
#include "clerk/pubkey.h"
#include "clerk/session.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/bearer.h"
#include "http/metrics.h"
#include "http/req.h"

struct auth_gate {
	struct clerk_session *verifier;
	char                 *cookie_suffix; /* NULL: no publishable key */
	char                 *api_url;
	char                 *secret_key; /* NULL: no just-in-time fetch */
	struct machine_gate  *machine;    /* machine tokens (DESIGN 13) */
};

int
auth_gate_new(const struct config *cfg, struct auth_gate **gate, char *err,
    size_t errlen)
{
	struct clerk_session *verifier;
	struct auth_gate     *g;
	char                  suffix[CLERK_COOKIE_SUFFIX_SIZE];

	*gate = NULL;
	if (clerk_session_new(cfg, &verifier, err, errlen) == -1)
		return -1;
	if (verifier == NULL)
		return 0;
	g = xcalloc(1, sizeof(*g));
	g->verifier = verifier;
	if (cfg->clerk_publishable_key != NULL) {
		if (clerk_cookie_suffix(cfg->clerk_publishable_key, suffix) ==
		    -1) {
			(void)snprintf(err, errlen,
			    "CLERK_PUBLISHABLE_KEY: not a Clerk publishable "
			    "key (pk_test_ or pk_live_ followed by the encoded "
			    "Frontend API host)");
			auth_gate_free(g);
			return -1;
		}
		g->cookie_suffix = xstrdup(suffix);
	}
	g->api_url = xstrdup(cfg->clerk_api_url);
	if (cfg->clerk_secret_key != NULL)
		g->secret_key = xstrdup(cfg->clerk_secret_key);
	g->machine = machine_gate_new(cfg);
	*gate = g;
	return 0;
}

void
auth_gate_free(struct auth_gate *g)
{
	if (g == NULL)
		return;
	clerk_session_free(g->verifier);
	free(g->cookie_suffix);
	free(g->api_url);
	free(g->secret_key);
	machine_gate_free(g->machine);
	free(g);
}

static void
log_refused(struct req *r, const char *why)
{
	log_info("req=%s component=auth outcome=refused reason=%s", r->id, why);
}

static int
unauthorized(struct req *r, const char *why)
{
	log_refused(r, why);
	(void)resp_detail(r, HTTP_UNAUTHORIZED, "Not authenticated");
	resp_header(r, "WWW-Authenticate", "Bearer");
	return HTTP_UNAUTHORIZED;
}

/* A cookie, preferring the publishable key's suffixed name. */
static const char *
suffixed_cookie(struct req *r, const struct auth_gate *g, const char *base)
{
	const char *v = NULL;
	char        name[64];

	if (g->cookie_suffix != NULL) {
		(void)snprintf(name, sizeof(name), "%s_%s", base,
		    g->cookie_suffix);
		v = req_cookie(r, name);
	}
	return v != NULL ? v : req_cookie(r, base);
}

/*
 * The token: the Authorization header's (http/bearer.h: "Bearer <t>" in
 * any case, or a bare value); a header of another scheme is ignored.
 * Without one, the session cookie. NULL when there is none.
 */
static const char *
find_token(struct req *r, const struct auth_gate *g, bool *is_bearer)
{
	const char *h = req_header(r, "Authorization");
	struct str  t;

	*is_bearer = false;
	if (h != NULL && bearer_token(str_from_cstr(h), &t)) {
		*is_bearer = true;
		/* Most headers end with the token: no copy needed. */
		if (t.p[t.len] == '\0')
			return t.p;
		return arena_strndup(r->arena, t.p, t.len);
	}
	return suffixed_cookie(r, g, "__session");
}

static void
wake_request(void *arg)
{
	req_resume(arg);
}

/* What check_token() found. */
enum verdict {
	VERDICT_OK,
	VERDICT_REFUSED,     /* *why says why */
	VERDICT_UNAVAILABLE, /* no signing keys */
	VERDICT_SUSPENDED,   /* waiting for the JWKS; the route reruns */
};

/*
 * Has token verified: VERDICT_OK with sc filled. While the signing keys
 * are read, the request waits for them once, off this thread, and then
 * runs again. Writes no response.
 */
static enum verdict
check_token(struct req *r, struct auth_gate *g, const char *token,
    bool azp_optional, const struct clerk_session_claims **sc,
    enum clerk_jwt_error *why)
{
	struct clerk_session_token  t = {token, azp_optional, 0};
	struct clerk_session_result res;
	enum clerk_session_verdict  v;

	t.now = time_now_ms() / 1000;
	v = clerk_session_verify(g->verifier, &t, r->arena, &res);
	if (res.cache != CLERK_CACHE_UNUSED)
		metrics_token_cache(res.cache == CLERK_CACHE_HIT);
	*why = res.why;
	if (v == CLERK_SESSION_OK) {
		/* Kept for the request: r->auth.claims points at them. */
		struct clerk_session_claims *kept =
		    arena_alloc(r->arena, sizeof(*kept));

		*kept = res.claims;
		*sc = kept;
		return VERDICT_OK;
	}
	if (v == CLERK_SESSION_REFUSED)
		return VERDICT_REFUSED;
	if (v == CLERK_SESSION_PENDING && r->auth_waits++ == 0) {
		/* Suspended before the wake-up is asked for: it may come at
		 * once, from this thread. */
		req_suspend(r, req_rerun);
		clerk_session_on_keys(g->verifier, res.ticket, wake_request, r);
		return VERDICT_SUSPENDED;
	}
	log_warn("req=%s component=auth msg=\"no signing keys: "
	         "the JWKS could not be fetched\"",
	    r->id);
	return VERDICT_UNAVAILABLE;
}

/*
 * __client_uat (reference/clerk.md 3.3): 0 when the browser says it is
 * signed out, the Unix seconds of its client's last change while signed
 * in, or -1 when it is missing or unreadable (no statement either way).
 */
static int64_t
client_uat(struct req *r, const struct auth_gate *g)
{
	const char *uat = suffixed_cookie(r, g, "__client_uat");
	int64_t     v;

	if (uat == NULL ||
	    str_to_i64(str_from_cstr(uat), 0, INT64_MAX, &v) == -1)
		return -1;
	return v;
}

/*
 * Why a cookie token is refused whatever its signature says, or NULL:
 * __client_uat=0 means signed out in this browser (DESIGN 6).
 */
static const char *
cookie_signed_out(struct req *r, const struct auth_gate *g)
{
	return client_uat(r, g) == 0 ? "client-uat-signed-out" : NULL;
}

/*
 * A cookie token older than __client_uat predates a sign-in or sign-out
 * in this browser: stale.
 */
static bool
stale_for_client(struct req *r, const struct auth_gate *g, int64_t iat)
{
	int64_t v = client_uat(r, g);

	return v > 0 && iat < v;
}

/*
 * Why verified claims authenticate nobody, or NULL: a pending session (an
 * open task, such as choosing an organization) is signed out, as Clerk's
 * SDK treats it by default (reference/clerk.md 9.3); so is a revoked one.
 */
static const char *
session_refusal(struct req *r, const struct clerk_session_claims *sc)
{
	if (clerk_session_is_pending(sc))
		return "session-pending";
	/* Verified or cached: a session the mirror holds as ended refuses
	 * its tokens all the same (DESIGN section 11.3). */
	if (revocations_contains(r->app->revocations, sc->sid))
		return "session-revoked";
	return NULL;
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

	if (db_begin(c) == -1)
		return -1;
	if (clerk_sync_apply_object(c, "user.updated", user, time_now_ms(),
	        &res) == SYNC_DB_ERROR) {
		(void)!db_rollback(c);
		return -1;
	}
	return db_commit(c);
}

/*
 * Just-in-time user: fetch sub from the Backend API and store it. 1 when
 * it is now mirrored, 0 when Clerk does not know it (or it is tombstoned),
 * -1 when Clerk or the database could not be reached.
 */
static int
fetch_user(struct req *r, struct auth_gate *g, struct db_conn *c,
    const char *sub, int64_t *user_id)
{
	char    path[160];
	json_t *user = NULL;
	long    status = 0;
	int     rc;

	if (g->secret_key == NULL || !is_clerk_id(sub))
		return 0;
	/* A deleted user stays deleted, whatever Clerk still answers. */
	if ((rc = directory_is_tombstoned(c, sub)) != 0)
		return rc == 1 ? 0 : -1;
	(void)snprintf(path, sizeof(path), "/v1/users/%s", sub);
	if (clerk_api_get(g->api_url, g->secret_key, path, &status, &user) ==
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

static const char *
or_null(const char *s)
{
	return *s != '\0' ? s : NULL;
}

/* sc is in the request's arena already (check_token). */
static void
fill_auth(struct req *r, const struct clerk_session_claims *sc, int64_t user_id)
{
	r->auth.subject = sc->sub;
	r->auth.user_id = user_id;
	r->auth.clerk_user_id = sc->sub;
	r->auth.session_id = sc->sid;
	r->auth.actor = or_null(sc->actor);
	r->auth.features = sc->fea;
	r->auth.plans = sc->pla;
	r->auth.org_id = or_null(sc->org_id);
	r->auth.org_role = or_null(sc->org_role);
	r->auth.org_slug = or_null(sc->org_slug);
	r->auth.org_permissions = sc->perms;
	r->auth.org_permissions_len = sc->perms_len;
	r->auth.claims = sc;
}

json_t *
auth_permissions_json(const char *const *perms, size_t n)
{
	json_t *a = json_array();
	size_t  i;

	for (i = 0; i < n; i++) {
		json_t *v = json_string(perms[i]);

		if (v != NULL)
			(void)json_array_append_new(a, v);
	}
	return a;
}

json_t *
auth_claim_list_json(const char *claim)
{
	json_t    *a = json_array();
	struct str rest = str_from_cstr(claim), item;

	while (*claim != '\0' && str_split_next(&rest, ',', &item)) {
		struct str e = has_trim(item);
		json_t    *v;

		if (e.len > 0 && (v = json_stringn(e.p, e.len)) != NULL)
			(void)json_array_append_new(a, v);
	}
	return a;
}

/* The text of a (stolen) JSON array, in the request's arena. */
static const char *
json_text_in_arena(struct req *r, json_t *a)
{
	char       *text = json_dumps(a, JSON_COMPACT);
	const char *out =
	    text != NULL ? arena_strndup(r->arena, text, strlen(text)) : "[]";

	free(text);
	json_decref(a);
	return out;
}

/*
 * users/me's body for sc's user (r->auth.profile_json, left NULL when the
 * database cannot render it) and *user_id: as directory_user_id. Lists
 * that are empty, as they mostly are, cost no encoding.
 */
static int
read_profile(struct req *r, struct db_conn *c,
    const struct clerk_session_claims *sc, int64_t *user_id)
{
	struct directory_me_claims m;

	memset(&m, 0, sizeof(m));
	m.session_id = or_null(sc->sid);
	m.actor = or_null(sc->actor);
	m.features_json = *sc->fea == '\0'
	    ? "[]"
	    : json_text_in_arena(r, auth_claim_list_json(sc->fea));
	m.plans_json = *sc->pla == '\0'
	    ? "[]"
	    : json_text_in_arena(r, auth_claim_list_json(sc->pla));
	if (sc->org_id[0] != '\0') {
		m.org.org_id = sc->org_id;
		m.org.role = or_null(sc->org_role);
		m.org.slug = or_null(sc->org_slug);
		m.org.permissions_json = sc->perms_len == 0
		    ? "[]"
		    : json_text_in_arena(r,
		          auth_permissions_json(sc->perms, sc->perms_len));
	}
	return directory_user_me_text(c, sc->sub, &m, r->arena, user_id,
	    &r->auth.profile_json, &r->auth.profile_json_len);
}

/*
 * The local user of verified claims, fetched just in time when not
 * mirrored: 1 found (r->auth filled), 0 unknown, -1 database or Clerk
 * unreachable (*no_db set when there was no database connection). With
 * with_profile, users/me's body is read in the same statement.
 */
static int
find_user(struct req *r, struct auth_gate *g,
    const struct clerk_session_claims *sc, bool with_profile, bool *no_db)
{
	struct db_conn *c = req_db(r);
	int64_t         user_id = 0;
	int             rc;

	*no_db = c == NULL;
	if (c == NULL)
		return -1;
	rc = with_profile ? read_profile(r, c, sc, &user_id)
	                  : directory_user_id(c, sc->sub, &user_id);
	if (rc == 0) {
		rc = fetch_user(r, g, c, sc->sub, &user_id);
		if (rc == 1 && with_profile)
			rc = read_profile(r, c, sc, &user_id);
	}
	if (rc == 1)
		fill_auth(r, sc, user_id);
	return rc;
}

/*
 * find_user() for the route r is on (with users/me's body where the route
 * asks for it): 0 when found, else the status already answered (503
 * without a database or Clerk, 404 for a user not mirrored).
 */
static int
route_user(struct req *r, struct auth_gate *g,
    const struct clerk_session_claims *sc)
{
	bool no_db;
	int  rc = find_user(r, g, sc,
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

/* The AUTH_ACCEPT_* bit of a machine token kind. */
static unsigned
accept_bit(struct machine_kind k)
{
	switch (k.type) {
	case MACHINE_API_KEY:
		return AUTH_ACCEPT_API_KEY;
	case MACHINE_M2M:
		return k.is_jwt ? AUTH_ACCEPT_M2M_JWT : AUTH_ACCEPT_M2M;
	case MACHINE_OAUTH:
		return k.is_jwt ? AUTH_ACCEPT_OAUTH_JWT : AUTH_ACCEPT_OAUTH;
	case MACHINE_NONE:
	default:
		return AUTH_ACCEPT_SESSION;
	}
}

/* The AUTH_SUBJECT_* bit of a machine token's subject, 0 when none. */
static unsigned
subject_bit(const char *subject)
{
	if (strncmp(subject, "user_", 5) == 0)
		return AUTH_SUBJECT_USER;
	if (strncmp(subject, "org_", 4) == 0)
		return AUTH_SUBJECT_ORG;
	if (strncmp(subject, "mch_", 4) == 0)
		return AUTH_SUBJECT_MACHINE;
	return 0;
}

/* The auth context of an accepted machine token (strings in the arena
 * already): its subject, its organization, no session. */
static void
fill_machine(struct req *r, const struct machine_verdict *v)
{
	r->auth.machine = true;
	r->auth.subject = v->subject;
	r->auth.machine_id = v->id;
	r->auth.scopes = v->scopes;
	r->auth.scopes_len = v->nscopes;
	r->auth.machine_claims = v->claims_json;
	r->auth.client_id = v->client_id;
	r->auth.org_id = v->org_id;
	r->auth.clerk_user_id =
	    strncmp(v->subject, "user_", 5) == 0 ? v->subject : NULL;
	r->auth.user_id = 0;
	r->auth.session_id = NULL;
	r->auth.actor = NULL;
	r->auth.features = "";
	r->auth.plans = "";
	r->auth.org_role = NULL;
	r->auth.org_slug = NULL;
	r->auth.org_permissions = NULL;
	r->auth.org_permissions_len = 0;
	r->auth.claims = NULL;
}

/* The local user a user-subject machine token acts as (users/me), as a
 * session's: mirrored, or fetched just in time; else 404. */
static int
machine_user(struct req *r, struct auth_gate *g, const char *subject)
{
	struct clerk_session_claims *sc = arena_alloc(r->arena, sizeof(*sc));
	struct req_auth              kept = r->auth;
	int                          rc;

	memset(sc, 0, sizeof(*sc));
	sc->sub = subject;
	sc->sid = sc->sts = sc->actor = sc->org_id = sc->org_role =
	    sc->org_slug = sc->fea = sc->pla = "";
	if ((rc = route_user(r, g, sc)) != 0)
		return rc;
	/* find_user filled a session's context: keep the machine's, with
	 * the user and the profile it found. */
	kept.user_id = r->auth.user_id;
	kept.profile_json = r->auth.profile_json;
	kept.profile_json_len = r->auth.profile_json_len;
	r->auth = kept;
	return 0;
}

/*
 * A machine token from the Authorization header (DESIGN 13): the route
 * must accept its type, Clerk (or the keys) must accept it, and the route
 * its subject; then the context is filled as for a session.
 */
static int
authenticate_machine(struct req *r, struct auth_gate *g, const char *token,
    struct machine_kind k, unsigned accepts)
{
	const struct route_policy *p = r->match.route->policy;
	const char                *type = machine_type_name(k.type), *why = "";
	unsigned                   subjects = p != NULL ? p->subjects : 0;
	struct machine_verdict     v;
	int                        rc;

	r->auth.token_type = type;
	if ((accepts & accept_bit(k)) == 0) {
		metrics_machine_verdict(type, k.is_jwt, "not_accepted");
		return unauthorized(r, "token-type-not-accepted");
	}
	switch (machine_gate_verify(r, g->machine, g->verifier, token, k, &v,
	    &why)) {
	case MACHINE_GATE_OK:
		break;
	case MACHINE_GATE_SUSPENDED:
		return HTTP_SUSPENDED;
	case MACHINE_GATE_UNAVAILABLE:
		metrics_machine_verdict(type, k.is_jwt, "unavailable");
		log_info("req=%s component=auth outcome=unavailable reason=%s",
		    r->id, why);
		return resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
		    "Authentication is temporarily unavailable");
	case MACHINE_GATE_REFUSED:
	default:
		metrics_machine_verdict(type, k.is_jwt, "refused");
		return unauthorized(r, why);
	}
	if (subjects != 0 && (subject_bit(v.subject) & subjects) == 0) {
		metrics_machine_verdict(type, k.is_jwt, "refused");
		return unauthorized(r, "token-subject-not-accepted");
	}
	metrics_machine_verdict(type, k.is_jwt, "accepted");
	fill_machine(r, &v);
	/* A route that acts as the user finds the local user. */
	if (subjects == AUTH_SUBJECT_USER &&
	    (rc = machine_user(r, g, v.subject)) != 0)
		return rc;
	return policy_enforce(r);
}

int
auth_gate_session(struct req *r)
{
	struct auth_gate                  *g = r->app->session_gate;
	const struct clerk_session_claims *sc = NULL;
	enum clerk_jwt_error               why;
	const char                        *token, *refusal;
	bool                               bearer, azp_optional;
	unsigned                           accepts;
	int                                rc;

	if (g == NULL)
		return unauthorized(r, "clerk-not-configured");
	if ((token = find_token(r, g, &bearer)) == NULL || *token == '\0')
		return unauthorized(r, "no-token");
	accepts = policy_accepts(r->match.route->policy);
	/* Machine tokens come from the Authorization header only: a cookie
	 * holds a session token, whatever it looks like. The JWT forms are
	 * told apart only where a route takes them. */
	if (bearer) {
		struct machine_kind k = machine_classify(token, strlen(token),
		    (accepts & (AUTH_ACCEPT_M2M_JWT | AUTH_ACCEPT_OAUTH_JWT)) !=
		        0);

		if (k.type != MACHINE_NONE)
			return authenticate_machine(r, g, token, k, accepts);
	}
	r->auth.token_type = "session_token";
	if ((accepts & AUTH_ACCEPT_SESSION) == 0)
		return unauthorized(r, "token-type-not-accepted");
	if (!bearer && (refusal = cookie_signed_out(r, g)) != NULL)
		return unauthorized(r, refusal);
	/* Browsers omit azp on top-level navigations: a cookie token without
	 * one is good only for requests that change nothing. */
	azp_optional = !bearer &&
	    (str_eq_cstr(r->method, "GET") || str_eq_cstr(r->method, "HEAD"));
	switch (check_token(r, g, token, azp_optional, &sc, &why)) {
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
	if ((refusal = session_refusal(r, sc)) != NULL)
		return unauthorized(r, refusal);
	if (!bearer && stale_for_client(r, g, sc->iat))
		return unauthorized(r, "token-older-than-client-uat");
	if ((rc = route_user(r, g, sc)) != 0)
		return rc;
	/* What the route requires beyond a session (auth/policy.h). */
	return policy_enforce(r);
}

enum auth_page
auth_page_session(struct req *r)
{
	struct auth_gate                  *g = r->app->session_gate;
	const struct clerk_session_claims *sc = NULL;
	enum clerk_jwt_error               why;
	const char                        *token, *refusal;
	bool                               no_db;
	int                                rc;

	if (g == NULL)
		return AUTH_PAGE_UNAVAILABLE;
	token = suffixed_cookie(r, g, "__session");
	if (token == NULL || *token == '\0') {
		/* Signed in, but no cookie yet: ClerkJS writes one. */
		return client_uat(r, g) > 0 ? AUTH_PAGE_REFRESH
		                            : AUTH_PAGE_NO_SESSION;
	}
	if ((refusal = cookie_signed_out(r, g)) != NULL) {
		log_refused(r, refusal);
		return AUTH_PAGE_NO_SESSION;
	}
	/* Page requests are GET navigations: a missing azp is fine. */
	switch (check_token(r, g, token, true, &sc, &why)) {
	case VERDICT_OK:
		break;
	case VERDICT_SUSPENDED:
		return AUTH_PAGE_SUSPENDED;
	case VERDICT_UNAVAILABLE:
		return AUTH_PAGE_UNAVAILABLE;
	case VERDICT_REFUSED:
	default:
		log_refused(r, clerk_jwt_error_str(why));
		/* A token that is only out of date (what Clerk's SDK would
		 * send through its handshake) while the browser is signed
		 * in: let ClerkJS write a fresh one. */
		if ((why == CLERK_JWT_EXPIRED ||
		        why == CLERK_JWT_NOT_YET_VALID ||
		        why == CLERK_JWT_IAT_FUTURE) &&
		    client_uat(r, g) > 0)
			return AUTH_PAGE_REFRESH;
		return AUTH_PAGE_INVALID;
	}
	/* Signed out, as with no session: ClerkJS's SignIn shows a pending
	 * session its task. */
	if ((refusal = session_refusal(r, sc)) != NULL) {
		log_refused(r, refusal);
		return AUTH_PAGE_NO_SESSION;
	}
	if (stale_for_client(r, g, sc->iat)) {
		log_refused(r, "token-older-than-client-uat");
		return AUTH_PAGE_REFRESH;
	}
	rc = find_user(r, g, sc, false, &no_db);
	if (rc == 0)
		return AUTH_PAGE_NOT_SYNCED;
	return rc == 1 ? AUTH_PAGE_OK : AUTH_PAGE_UNAVAILABLE;
}
