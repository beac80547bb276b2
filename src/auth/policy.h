/*
 * Route requirements (DESIGN 11.2): what a ROUTE_AUTH route needs beyond
 * a session, declared in the route table (struct route.policy) and
 * checked by the session gate before the handler. The token's claims
 * answer role, permission, feature, plan and reverification as Clerk's
 * has() does; an organization-scoped permission is checked against the
 * caller's membership of the organization named in the path, read from
 * the mirror (accounts/membership_permissions.h). Policies are static
 * and read-only; the checks are thread-safe.
 */
#ifndef AUTH_POLICY_H
#define AUTH_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "clerk/has.h"
#include "core/mem.h"

struct req;
struct membership_permissions;

/*
 * The token types a route accepts (DESIGN 13), bits of route_policy's
 * accepts. A route without a policy, or whose accepts is 0, takes session
 * tokens only; any other type is refused (401).
 */
#define AUTH_ACCEPT_SESSION   0x01 /* Clerk session tokens (DESIGN 6) */
#define AUTH_ACCEPT_API_KEY   0x02 /* ak_ */
#define AUTH_ACCEPT_M2M       0x04 /* mt_ */
#define AUTH_ACCEPT_M2M_JWT   0x08 /* a JWT with an mch_ subject */
#define AUTH_ACCEPT_OAUTH     0x10 /* oat_ */
#define AUTH_ACCEPT_OAUTH_JWT 0x20 /* a JWT of typ at+jwt */
#define AUTH_ACCEPT_ANY       0x3f
/* The subjects a machine token may have on a route (route_policy's
 * subjects; 0 = any). */
#define AUTH_SUBJECT_USER    0x1 /* user_...: the route acts as that user */
#define AUTH_SUBJECT_ORG     0x2 /* org_... */
#define AUTH_SUBJECT_MACHINE 0x4 /* mch_... */

/* Each field NULL when not required; all that are set must pass. */
struct route_policy {
	/* AUTH_ACCEPT_* bits; 0 = AUTH_ACCEPT_SESSION alone. */
	unsigned accepts;
	/* AUTH_SUBJECT_* bits a machine token's subject must be one of;
	 * 0 = any. With AUTH_SUBJECT_USER alone, the gate finds the local
	 * user, as for a session. */
	unsigned    subjects;
	const char *role; /* of the active organization: "org:admin" */
	const char
	    *permission;     /* "org:invoices:read"; see organization_param */
	const char *feature; /* "teams", "o:teams", "u:beta" */
	const char *plan;    /* likewise */
	/* A preset (strict_mfa, strict, moderate, lax) or LEVEL:MINUTES. */
	const char *reverification;
	/*
	 * The path parameter naming an organization (its local id or Clerk
	 * id): the caller must be a member of it (404 when not), and
	 * permission is then checked against that membership, not the token.
	 */
	const char *organization_param;
	/*
	 * A path parameter naming a user (local id or Clerk id): when it
	 * names the caller, permission is not required (a member may leave
	 * an organization without the right to remove others). The other
	 * requirements still apply.
	 */
	const char *allow_self_param;
};

/* What a requirement check decided. */
enum policy_verdict {
	POLICY_ALLOW,
	POLICY_NOT_FOUND, /* not a member of the organization (or none) */
	POLICY_FORBIDDEN, /* 403 {"detail":"Forbidden"} */
	POLICY_REVERIFY,  /* 403 with Clerk's reverification body */
};

/*
 * The decision for p: member is the caller's membership of p's
 * organization (NULL when p names none, or when the caller is not a
 * member). Requirements are checked in this order: membership, then
 * role, permission, feature and plan, then reverification last, so a
 * caller asked to verify again is one who would then pass; *rv gets the
 * level to ask for on POLICY_REVERIFY.
 */
enum policy_verdict policy_decide(const struct route_policy *p,
    const struct has_subject *s, const struct membership_permissions *member,
    struct has_reverification *rv) MUST_CHECK;

/*
 * The answer to a verdict other than POLICY_ALLOW: its status (403 or
 * 404), content type and body, written into buf (size bytes, at least
 * HAS_BODY_MAX). -1 when it does not fit.
 */
int policy_answer(enum policy_verdict v, const struct has_reverification *rv,
    char *buf, size_t size, int *status) MUST_CHECK;

/* The AUTH_ACCEPT_* bits of a route's policy (p may be NULL). */
unsigned policy_accepts(const struct route_policy *p) MUST_CHECK;
/* True when p requires something beyond the caller's identity (a role, a
 * permission, a feature, a plan, a reverification or a membership). */
bool policy_has_requirement(const struct route_policy *p) MUST_CHECK;

/*
 * The gate's requirement step for r (authenticated: r->auth filled):
 * 0 when r's route requires nothing more or r meets it; else the status
 * already answered (403, 404, or 503 without a database).
 */
int policy_enforce(struct req *r) MUST_CHECK;

#endif
