/*
 * Machine-token verification for requests. The configuration is read once
 * in machine_gate_new() and shared read-only afterwards; the verdict
 * cache has its own locks. A request that waits for another's
 * verification keeps its waiter in its arena (r->auth_wait) and is
 * suspended, so it holds no worker thread; the request that verifies
 * makes the Backend API call on its own thread.
 */
#include "auth/machine_gate.h"

#include <stdlib.h>
#include <string.h>

#include "auth/machine_cache.h"
#include "clerk/jwt.h"
#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/metrics.h"
#include "http/req.h"

struct machine_gate {
	char                 *api_url;
	char                 *secret_key; /* NULL: machine tokens refused */
	struct machine_cache *cache;
};

struct machine_gate *
machine_gate_new(const struct config *cfg)
{
	struct machine_gate *m = xcalloc(1, sizeof(*m));

	m->api_url = xstrdup(cfg->clerk_api_url);
	if (cfg->clerk_secret_key != NULL)
		m->secret_key = xstrdup(cfg->clerk_secret_key);
	m->cache = machine_cache_new(MACHINE_CACHE_ENTRIES);
	return m;
}

void
machine_gate_free(struct machine_gate *m)
{
	if (m == NULL)
		return;
	free(m->api_url);
	free(m->secret_key);
	machine_cache_free(m->cache);
	free(m);
}

static void
wake_request(void *arg)
{
	req_resume(arg);
}

/* How long a verdict is kept: refusals 10 s; acceptances 60 s, but never
 * past the token's own expiration. */
static int64_t
keep_until(const struct machine_verdict *v, bool accepted, int64_t now_ms)
{
	int64_t until;

	if (!accepted)
		return now_ms + MACHINE_REFUSED_TTL_MS;
	until = now_ms + MACHINE_ACCEPTED_TTL_MS;
	if (v->expiration_ms > 0 && v->expiration_ms < until)
		until = v->expiration_ms;
	return until;
}

/* Ends this request's verification of key with outcome o (v when
 * accepted), waking those who wait for it. */
static void
finish(struct req *r, struct machine_gate *m, const unsigned char *key,
    enum machine_outcome o, const struct machine_verdict *v, int64_t now_ms)
{
	unsigned char *data = NULL;
	size_t         len = 0;

	if (o == MACHINE_ACCEPTED) {
		len = machine_verdict_pack(v, NULL, 0);
		data = arena_alloc(r->arena, len);
		(void)!machine_verdict_pack(v, data, len);
		machine_cache_finish(m->cache, key, MACHINE_CACHE_ACCEPTED,
		    data, len, keep_until(v, true, now_ms), now_ms);
	} else if (o == MACHINE_REFUSED) {
		machine_cache_finish(m->cache, key, MACHINE_CACHE_REFUSED, NULL,
		    0, keep_until(v, false, now_ms), now_ms);
	} else {
		machine_cache_finish(m->cache, key, MACHINE_CACHE_UNAVAILABLE,
		    NULL, 0, 0, now_ms);
	}
}

static enum machine_gate_result
result_of(enum machine_outcome o)
{
	switch (o) {
	case MACHINE_ACCEPTED:
		return MACHINE_GATE_OK;
	case MACHINE_REFUSED:
		return MACHINE_GATE_REFUSED;
	case MACHINE_PENDING:
	case MACHINE_UNAVAILABLE:
	case MACHINE_SECRET_REFUSED:
	default:
		return MACHINE_GATE_UNAVAILABLE;
	}
}

/* The Backend API call for an opaque token, made by this request. */
static enum machine_gate_result
verify_opaque(struct req *r, struct machine_gate *m, const char *token,
    struct machine_kind k, const unsigned char *key, struct machine_verdict *v,
    const char **why)
{
	const char          *type = machine_type_name(k.type);
	struct machine_call  call;
	enum machine_outcome o;
	int64_t              now_ms = time_now_ms();

	o = machine_verify_opaque(m->api_url, m->secret_key, k.type, token,
	    now_ms, r->arena, v, &call, why);
	if (call.status != 0 || call.ns != 0)
		metrics_clerk_verify(type, call.status, call.ns);
	finish(r, m, key, o, v, now_ms);
	if (o == MACHINE_SECRET_REFUSED)
		log_error("req=%s component=auth msg=\"Clerk refused "
		          "CLERK_SECRET_KEY on a verify call\" type=%s "
		          "status=%ld",
		    r->id, type, call.status);
	else if (o == MACHINE_UNAVAILABLE)
		log_warn("req=%s component=auth msg=\"machine token not "
		         "verified: Clerk did not answer\" type=%s status=%ld "
		         "reason=%s",
		    r->id, type, call.status, *why);
	return result_of(o);
}

/* A JWT form, verified here with the session's key source. */
static enum machine_gate_result
verify_jwt(struct req *r, struct machine_gate *m, struct clerk_session *s,
    const char *token, struct machine_kind k, const unsigned char *key,
    struct machine_verdict *v, const char **why)
{
	enum machine_outcome o;
	int64_t              now_ms = time_now_ms();
	uint64_t             ticket = 0;

	o = machine_verify_jwt(s, k, token, now_ms, r->arena, v, &ticket, why);
	if (o == MACHINE_PENDING && r->auth_waits++ == 0) {
		/* Suspended before the wake-up is asked for: it may come at
		 * once, from this thread. */
		req_suspend(r, req_rerun);
		clerk_session_on_keys(s, ticket, wake_request, r);
		return MACHINE_GATE_SUSPENDED;
	}
	if (o == MACHINE_PENDING || o == MACHINE_UNAVAILABLE) {
		log_warn("req=%s component=auth msg=\"no signing keys: "
		         "the JWKS could not be fetched\"",
		    r->id);
		return MACHINE_GATE_UNAVAILABLE;
	}
	/* Only what the keys decided is kept: a JWT cannot be revoked. */
	finish(r, m, key, o, v, now_ms);
	return result_of(o);
}

/* Waits for another request's verification of key. */
static enum machine_gate_result
wait_for(struct req *r, struct machine_gate *m, const unsigned char *key)
{
	struct machine_cache_waiter *w = arena_alloc(r->arena, sizeof(*w));

	memset(w, 0, sizeof(*w));
	w->ready = wake_request;
	w->arg = r;
	r->auth_wait = w;
	metrics_machine_cache("wait");
	/* Suspended first: the wake-up may come at once, from any thread. */
	req_suspend(r, req_rerun);
	machine_cache_wait(m->cache, key, w);
	return MACHINE_GATE_SUSPENDED;
}

enum machine_gate_result
machine_gate_verify(struct req *r, struct machine_gate *m,
    struct clerk_session *verifier, const char *token, struct machine_kind k,
    struct machine_verdict *v, const char **why)
{
	const struct machine_cache_waiter *waited = r->auth_wait;
	unsigned char                      key[MACHINE_CACHE_KEY_SIZE];
	enum machine_cache_state           st;
	const void                        *data;
	size_t                             len, n = strlen(token);
	bool                               owner;

	memset(v, 0, sizeof(*v));
	v->type = k.type;
	v->is_jwt = k.is_jwt;
	v->id = v->subject = "";
	if (m == NULL || m->secret_key == NULL) {
		*why = "clerk-secret-key-not-set";
		return MACHINE_GATE_REFUSED;
	}
	if (n > MACHINE_TOKEN_MAX) {
		*why = "token-too-long";
		return MACHINE_GATE_REFUSED;
	}
	if (waited != NULL && waited->result == MACHINE_CACHE_UNAVAILABLE) {
		*why = "clerk-unavailable";
		return MACHINE_GATE_UNAVAILABLE;
	}
	if (!clerk_sha256(token, n, "", 0, key)) {
		*why = "digest-failed";
		return MACHINE_GATE_UNAVAILABLE;
	}
	/* JWTs are verified here, in parallel: nothing to wait for. */
	st = machine_cache_lookup(m->cache, key, time_now_ms(), !k.is_jwt,
	    r->arena, &data, &len, &owner);
	switch (st) {
	case MACHINE_CACHE_ACCEPTED:
		metrics_machine_cache("hit");
		*why = "ok";
		if (machine_verdict_unpack(data, len, r->arena, v) == -1) {
			*why = "cache-entry-unreadable";
			return MACHINE_GATE_UNAVAILABLE;
		}
		return MACHINE_GATE_OK;
	case MACHINE_CACHE_REFUSED:
		metrics_machine_cache("hit");
		*why = "token-refused-recently";
		return MACHINE_GATE_REFUSED;
	case MACHINE_CACHE_IN_FLIGHT:
		/* Once: a request that waited and finds yet another
		 * verification under way gives up rather than wait again. */
		if (waited != NULL) {
			*why = "verification-still-in-flight";
			return MACHINE_GATE_UNAVAILABLE;
		}
		return wait_for(r, m, key);
	case MACHINE_CACHE_LEAD:
	case MACHINE_CACHE_UNAVAILABLE:
	default:
		break;
	}
	metrics_machine_cache("miss");
	if (k.is_jwt)
		return verify_jwt(r, m, verifier, token, k, key, v, why);
	return verify_opaque(r, m, token, k, key, v, why);
}
