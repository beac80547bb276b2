/*
 * Route requirements. The decision (policy_decide, policy_answer) is pure
 * and allocates nothing; policy_enforce() adds what only a request has:
 * the path's organization, the mirror's membership, the answer.
 */
#include "auth/policy.h"

#include <stdio.h>
#include <string.h>

#include "accounts/membership_permissions.h"
#include "clerk/session.h"
#include "core/log.h"
#include "http/req.h"

static bool
is_set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* True when the membership holds permission, as has() compares them. */
static bool
member_grants(const struct membership_permissions *m, const char *permission)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (has_permission_is(m->keys[i], permission))
			return true;
	}
	return false;
}

enum policy_verdict
policy_decide(const struct route_policy *p, const struct has_subject *s,
    const struct membership_permissions *member, struct has_reverification *rv)
{
	bool             scoped = p->organization_param != NULL;
	struct has_query q = {p->role, scoped ? NULL : p->permission,
	    p->feature, p->plan, NULL};

	if (scoped && member == NULL)
		return POLICY_NOT_FOUND;
	if (!is_set(s->user_id))
		return POLICY_FORBIDDEN;
	if ((q.role != NULL || q.permission != NULL || q.feature != NULL ||
	        q.plan != NULL) &&
	    !has_check(s, &q))
		return POLICY_FORBIDDEN;
	if (scoped && p->permission != NULL &&
	    !member_grants(member, p->permission))
		return POLICY_FORBIDDEN;
	if (p->reverification != NULL) {
		/* A level that does not parse refuses, as in has(). */
		if (has_reverification_parse(p->reverification, rv) == -1)
			return POLICY_FORBIDDEN;
		if (!has_reverification_fresh(&s->fva, rv))
			return POLICY_REVERIFY;
	}
	return POLICY_ALLOW;
}

int
policy_answer(enum policy_verdict v, const struct has_reverification *rv,
    char *buf, size_t size, int *status)
{
	const char *detail = "{\"detail\":\"Forbidden\"}";
	int         n;

	*status = HTTP_FORBIDDEN;
	/* Clerk's body (reference/clerk.md 9.4), which ClerkJS's
	 * useReverification recognises by its shape. */
	if (v == POLICY_REVERIFY)
		return has_reverification_body(rv, buf, size);
	if (v == POLICY_NOT_FOUND) {
		*status = HTTP_NOT_FOUND;
		detail = "{\"detail\":\"Not Found\"}";
	}
	n = snprintf(buf, size, "%s", detail);
	return n < 0 || (size_t)n >= size ? -1 : n;
}

static const char *
verdict_reason(enum policy_verdict v)
{
	switch (v) {
	case POLICY_NOT_FOUND:
		return "not-a-member";
	case POLICY_REVERIFY:
		return "reverification-required";
	case POLICY_FORBIDDEN:
	case POLICY_ALLOW:
	default:
		return "requirement-not-met";
	}
}

/*
 * The caller's membership of the organization in p's path parameter:
 * 1 with *m, 0 when there is none, -1 when the database failed (answered).
 */
static int
read_member(struct req *r, const struct route_policy *p,
    struct membership_permissions *m, int *status)
{
	struct str      ref = req_param(r, p->organization_param);
	struct db_conn *c;
	int             rc;

	if (ref.p == NULL)
		return 0;
	if ((c = req_db(r)) == NULL) {
		*status = resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
		    "Database unavailable");
		return -1;
	}
	rc = membership_permissions_of(c, r->auth.user_id,
	    arena_strndup(r->arena, ref.p, ref.len), r->arena, m);
	if (rc == -1) {
		log_error("req=%s component=auth msg=\"membership query "
		          "failed\" error=\"%s\"",
		    r->id, db_errmsg(c));
		*status = resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
		    "Service temporarily unavailable");
	}
	return rc;
}

/* True when r's path parameter name is the caller: its local id or its
 * Clerk id. */
static bool
names_caller(struct req *r, const char *name)
{
	struct str v = req_param(r, name);
	int64_t    id;

	if (v.p == NULL)
		return false;
	if (r->auth.clerk_user_id != NULL &&
	    str_eq_cstr(v, r->auth.clerk_user_id))
		return true;
	return str_to_i64(v, 1, INT64_MAX, &id) == 0 && id == r->auth.user_id;
}

unsigned
policy_accepts(const struct route_policy *p)
{
	return p != NULL && p->accepts != 0 ? p->accepts : AUTH_ACCEPT_SESSION;
}

bool
policy_has_requirement(const struct route_policy *p)
{
	return p != NULL &&
	    (p->role != NULL || p->permission != NULL || p->feature != NULL ||
	        p->plan != NULL || p->reverification != NULL ||
	        p->organization_param != NULL);
}

int
policy_enforce(struct req *r)
{
	const struct route_policy    *p = r->match.route->policy;
	struct route_policy           self;
	struct membership_permissions m;
	struct has_subject            s;
	struct has_reverification     rv;
	enum policy_verdict           v;
	char                          body[HAS_BODY_MAX];
	int                           len, status = 0, rc = 0;

	if (!policy_has_requirement(p))
		return 0;
	/* A machine token never passes has() (reference/clerk.md 10.4):
	 * a route that requires anything refuses it. */
	if (r->auth.machine || r->auth.claims == NULL) {
		log_info("req=%s component=auth outcome=forbidden "
		         "reason=machine-token-has-no-claims",
		    r->id);
		return resp_detail(r, HTTP_FORBIDDEN, "Forbidden");
	}
	if (p->allow_self_param != NULL &&
	    names_caller(r, p->allow_self_param)) {
		self = *p;
		self.permission = NULL;
		p = &self;
	}
	if (p->organization_param != NULL &&
	    (rc = read_member(r, p, &m, &status)) == -1)
		return status;
	clerk_session_subject(r->auth.claims, &s);
	v = policy_decide(p, &s, rc == 1 ? &m : NULL, &rv);
	if (v == POLICY_ALLOW)
		return 0;
	log_info("req=%s component=auth outcome=forbidden reason=%s", r->id,
	    verdict_reason(v));
	if ((len = policy_answer(v, &rv, body, sizeof(body), &status)) == -1)
		return HTTP_INTERNAL_ERROR;
	return resp_bytes(r, status, "application/json", body, (size_t)len);
}
