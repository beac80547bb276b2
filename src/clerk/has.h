/*
 * Authorization decided the way Clerk's has() decides it
 * (reference/clerk.md 9.2, @clerk/shared createCheckAuthorization): a
 * role or permission of the active organization, a feature or plan of the
 * billing claims, and the freshness of the factor verifications. Pure
 * functions over borrowed data: no allocation, no locks, thread-safe.
 */
#ifndef CLERK_HAS_H
#define CLERK_HAS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/mem.h"
#include "core/str.h"

enum has_fva_state {
	HAS_FVA_ABSENT = 0, /* no fva claim, or null */
	HAS_FVA_INVALID,    /* anything but [age, age] (see struct has_fva) */
	HAS_FVA_VALID,
};

/*
 * The fva claim: minutes since the first and the second factor were
 * verified, -1 for a factor group that is not enabled. Valid only as an
 * array of exactly two finite numbers, each -1 or >= 0 (0.5 is allowed).
 */
struct has_fva {
	enum has_fva_state state;
	double             first;  /* valid when state is HAS_FVA_VALID */
	double             second; /* likewise */
};

/*
 * Who asks: borrowed strings, NULL and "" alike meaning absent. org_role
 * may come with or without its "org:" prefix (both sides are normalised
 * before comparing); permissions are compared exactly, as the token has
 * them. A pending session (sts "pending") is signed out: pass user_id NULL.
 */
struct has_subject {
	const char        *user_id; /* absent: signed out, has_check false */
	const char        *org_id;  /* absent: no active organization */
	const char        *org_role;
	const char *const *perms; /* the organization's permissions */
	size_t             perms_len;
	/* When perms is NULL: the permissions joined by ',' ("a,b"). */
	const char    *perms_csv;
	const char    *features; /* the raw fea claim */
	const char    *plans;    /* the raw pla claim */
	struct has_fva fva;
};

/* What is asked: NULL for a dimension not asked. */
struct has_query {
	const char *role;           /* "org:admin" or "admin" */
	const char *permission;     /* "org:invoices:read" or "invoices:read" */
	const char *feature;        /* "teams", "o:teams", "user:teams", ... */
	const char *plan;           /* likewise */
	const char *reverification; /* see has_reverification_parse */
};

enum has_level {
	HAS_FIRST_FACTOR,
	HAS_SECOND_FACTOR,
	HAS_MULTI_FACTOR,
};

struct has_reverification {
	enum has_level level;
	double         minutes; /* > 0, a whole number */
};

/*
 * has(): each asked dimension must pass and at least one must be asked,
 * so an empty query is false; false when signed out.
 */
bool has_check(const struct has_subject *s,
    const struct has_query              *q) MUST_CHECK;

/*
 * Parses a preset (strict_mfa, strict, moderate, lax) or "LEVEL:MINUTES"
 * with LEVEL first_factor, second_factor or multi_factor and MINUTES
 * decimal digits worth more than 0. 0, or -1 when s is anything else.
 */
int has_reverification_parse(const char *s,
    struct has_reverification           *out) MUST_CHECK;

/* True when fva is valid and recent enough for rv (Clerk's rules). */
bool has_reverification_fresh(const struct has_fva *fva,
    const struct has_reverification                *rv) MUST_CHECK;

/*
 * Writes Clerk's reverification 403 body for rv into buf (size bytes,
 * NUL-terminated), e.g. {"clerk_error":{"type":"forbidden","reason":
 * "reverification-error","metadata":{"reverification":{"level":
 * "second_factor","afterMinutes":10}}}}. Returns its length, or -1 when
 * it does not fit; HAS_BODY_MAX bytes hold any with minutes below 1e21.
 */
int has_reverification_body(const struct has_reverification *rv, char *buf,
    size_t size) MUST_CHECK;

#define HAS_BODY_MAX 192

/* "first_factor", "second_factor" or "multi_factor". */
const char *has_level_name(enum has_level level) MUST_CHECK;

/*
 * Billing-claim syntax as @clerk/shared reads fea and pla (splitByScope),
 * shared with the claim decoder: the scopes an element names.
 */
#define HAS_SCOPE_ORG  1u /* "o", "ou", "uo" */
#define HAS_SCOPE_USER 2u /* "u", "ou", "uo" */

/*
 * One element of a comma list of scope:value: trims it (has_trim), then
 * sets *scopes (0 for a scope Clerk ignores) and *value (all after the
 * first ':'). -1 when it has no ':', which makes Clerk's parser throw.
 */
int has_claim_element(struct str element, unsigned *scopes,
    struct str *value) MUST_CHECK;

/* s without JavaScript's white space and line terminators at either end
 * (String.prototype.trim; s is UTF-8). */
struct str has_trim(struct str s) MUST_CHECK;

/*
 * True when a held permission key (taken as it is) is the asked one,
 * normalised as has() normalises it: "invoices:read" asks for
 * "org:invoices:read".
 */
bool has_permission_is(const char *held, const char *asked) MUST_CHECK;

/*
 * Clerk's system permissions (reference/clerk.md 9.5), which session
 * tokens never carry, and what its default roles hold of them: org:admin
 * all nine, org:member org:sys_memberships:read and org:sys_billing:read.
 * Role and permission are normalised as has() normalises them.
 */
#define HAS_SYSTEM_PERMISSIONS 9
extern const char *const has_system_permissions[HAS_SYSTEM_PERMISSIONS];

bool has_default_role_grants(const char *role,
    const char                          *permission) MUST_CHECK;

#endif
