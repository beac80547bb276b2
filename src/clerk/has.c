/*
 * has(), as @clerk/shared's createCheckAuthorization (authorization.ts)
 * evaluates it on the server: three dimensions (organization, billing,
 * reverification), each passing, failing or skipped when not asked; the
 * answer is true when one passes and none fails. Every string is borrowed
 * and compared in place: a check allocates nothing, so it can run on
 * every request that declares a requirement. Thread-safe (no state).
 */
#include "clerk/has.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum verdict {
	SKIP,
	PASS,
	FAIL,
};

const char *const has_system_permissions[HAS_SYSTEM_PERMISSIONS] = {
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
    "org:sys_billing:read",
    "org:sys_billing:manage",
    "org:sys_entconns:manage",
};

static const char *const level_names[] = {
    [HAS_FIRST_FACTOR] = "first_factor",
    [HAS_SECOND_FACTOR] = "second_factor",
    [HAS_MULTI_FACTOR] = "multi_factor",
};

/* TYPES_TO_OBJECTS in authorization.ts. */
static const struct {
	const char               *name;
	struct has_reverification rv;
} presets[] = {
    {"strict_mfa", {HAS_MULTI_FACTOR, 10}},
    {"strict", {HAS_SECOND_FACTOR, 10}},
    {"moderate", {HAS_SECOND_FACTOR, 60}},
    {"lax", {HAS_SECOND_FACTOR, 1440}},
};

static bool
is_absent(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/*
 * s past any run of leading "org:". Clerk's prefixWithOrg replaces that
 * run with one "org:", so two names are equal after it exactly when they
 * are equal after this.
 */
static const char *
skip_org(const char *s)
{
	while (strncmp(s, "org:", 4) == 0)
		s += 4;
	return s;
}

/* True when the token's (unnormalised) permission p is "org:" + bare. */
static bool
perm_is(struct str p, const char *bare)
{
	return str_has_prefix(p, "org:") &&
	    str_eq_cstr((struct str){p.p + 4, p.len - 4}, bare);
}

static bool
holds_permission(const struct has_subject *s, const char *bare)
{
	struct str rest, item;
	size_t     i;

	if (s->perms != NULL) {
		for (i = 0; i < s->perms_len; i++) {
			if (s->perms[i] != NULL &&
			    perm_is(str_from_cstr(s->perms[i]), bare))
				return true;
		}
		return false;
	}
	rest = str_from_cstr(s->perms_csv);
	while (str_split_next(&rest, ',', &item)) {
		if (perm_is(item, bare))
			return true;
	}
	return false;
}

/* role and permission against the active organization. */
static enum verdict
check_org(const struct has_subject *s, const struct has_query *q)
{
	if (q->role == NULL && q->permission == NULL)
		return SKIP;
	if (is_absent(s->org_id))
		return FAIL;
	if (q->role != NULL &&
	    (is_absent(s->org_role) ||
	        strcmp(skip_org(s->org_role), skip_org(q->role)) != 0))
		return FAIL;
	if (q->permission != NULL &&
	    !holds_permission(s, skip_org(q->permission)))
		return FAIL;
	return PASS;
}

/* JavaScript white space or line terminator at p (n bytes): its length. */
static size_t
js_space_at(const unsigned char *p, size_t n)
{
	if (n >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')))
		return 1;
	if (n >= 2 && p[0] == 0xc2 && p[1] == 0xa0) /* U+00A0 */
		return 2;
	if (n < 3)
		return 0;
	switch (p[0]) {
	case 0xe1: /* U+1680 */
		return p[1] == 0x9a && p[2] == 0x80 ? 3 : 0;
	case 0xe2: /* U+2000-200A, U+2028, U+2029, U+202F, U+205F */
		if (p[1] == 0x80 &&
		    (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 ||
		        p[2] == 0xaf))
			return 3;
		return p[1] == 0x81 && p[2] == 0x9f ? 3 : 0;
	case 0xe3: /* U+3000 */
		return p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
	case 0xef: /* U+FEFF */
		return p[1] == 0xbb && p[2] == 0xbf ? 3 : 0;
	default:
		return 0;
	}
}

/* The length of the JavaScript space that ends p (n bytes), or 0. */
static size_t
js_space_before(const unsigned char *p, size_t n)
{
	size_t k;

	for (k = 1; k <= 3 && k <= n; k++) {
		if (js_space_at(p + n - k, k) == k)
			return k;
	}
	return 0;
}

struct str
has_trim(struct str s)
{
	size_t k;

	while (s.len > 0 &&
	    (k = js_space_at((const unsigned char *)s.p, s.len)) > 0) {
		s.p += k;
		s.len -= k;
	}
	while (s.len > 0 &&
	    (k = js_space_before((const unsigned char *)s.p, s.len)) > 0)
		s.len -= k;
	return s;
}

int
has_claim_element(struct str element, unsigned *scopes, struct str *value)
{
	struct str  e = has_trim(element), scope;
	const char *colon = e.len > 0 ? memchr(e.p, ':', e.len) : NULL;

	if (colon == NULL)
		return -1;
	scope = (struct str){e.p, (size_t)(colon - e.p)};
	*value = (struct str){colon + 1, e.len - scope.len - 1};
	*scopes = 0;
	if (str_eq_cstr(scope, "o"))
		*scopes = HAS_SCOPE_ORG;
	else if (str_eq_cstr(scope, "u"))
		*scopes = HAS_SCOPE_USER;
	else if (str_eq_cstr(scope, "ou") || str_eq_cstr(scope, "uo"))
		*scopes = HAS_SCOPE_ORG | HAS_SCOPE_USER;
	return 0;
}

/*
 * What a feature or plan query asks for (checkForFeatureOrPlan): the
 * query's split(':') gives scope and id, later parts dropped; no ':'
 * searches both lists. An empty id falls back to the scope ("o:" asks
 * for "o" in the org list), as `rawId || rawScope` does. -1 for a scope
 * other than o/org/organization or u/user.
 */
static int
billing_query(const char *query, unsigned *want, struct str *id)
{
	const char *colon = strchr(query, ':'), *end;
	struct str  scope;

	if (colon == NULL) {
		*want = HAS_SCOPE_ORG | HAS_SCOPE_USER;
		*id = str_from_cstr(query);
		return 0;
	}
	scope = (struct str){query, (size_t)(colon - query)};
	if ((end = strchr(colon + 1, ':')) == NULL)
		end = colon + 1 + strlen(colon + 1);
	*id = (struct str){colon + 1, (size_t)(end - colon - 1)};
	if (id->len == 0)
		*id = scope;
	if (str_eq_cstr(scope, "o") || str_eq_cstr(scope, "org") ||
	    str_eq_cstr(scope, "organization"))
		*want = HAS_SCOPE_ORG;
	else if (str_eq_cstr(scope, "u") || str_eq_cstr(scope, "user"))
		*want = HAS_SCOPE_USER;
	else
		return -1;
	return 0;
}

/*
 * True when claim (fea or pla) lists what query asks for. Clerk splits
 * the whole claim before looking, so an element without ':' anywhere in
 * it fails the check, even after a match.
 */
static bool
billing_has(const char *claim, const char *query)
{
	struct str rest, item, value, id;
	unsigned   want, scopes;
	bool       found = false;

	if (is_absent(claim) || billing_query(query, &want, &id) == -1)
		return false;
	rest = str_from_cstr(claim);
	while (str_split_next(&rest, ',', &item)) {
		if (has_claim_element(item, &scopes, &value) == -1)
			return false;
		if ((scopes & want) != 0 && str_eq(value, id))
			found = true;
	}
	return found;
}

static enum verdict
check_billing(const struct has_subject *s, const struct has_query *q)
{
	if (q->feature == NULL && q->plan == NULL)
		return SKIP;
	if (q->feature != NULL && !billing_has(s->features, q->feature))
		return FAIL;
	if (q->plan != NULL && !billing_has(s->plans, q->plan))
		return FAIL;
	return PASS;
}

int
has_reverification_parse(const char *s, struct has_reverification *out)
{
	const char *colon, *digits;
	size_t      i, n;
	int         level = -1;

	if (s == NULL)
		return -1;
	for (i = 0; i < ARRAY_LEN(presets); i++) {
		if (strcmp(s, presets[i].name) == 0) {
			*out = presets[i].rv;
			return 0;
		}
	}
	if ((colon = strchr(s, ':')) == NULL)
		return -1;
	for (i = 0; i < ARRAY_LEN(level_names); i++) {
		if (str_eq_cstr((struct str){s, (size_t)(colon - s)},
		        level_names[i]))
			level = (int)i;
	}
	digits = colon + 1;
	n = strlen(digits);
	if (level == -1 || n == 0 || strspn(digits, "0123456789") != n)
		return -1;
	/* Digits only: strtod reads them whatever the locale, and a value
	 * past DBL_MAX comes back infinite. */
	out->minutes = strtod(digits, NULL);
	out->level = (enum has_level)level;
	return out->minutes > 0 && isfinite(out->minutes) ? 0 : -1;
}

bool
has_reverification_fresh(const struct has_fva *fva,
    const struct has_reverification           *rv)
{
	double f1 = fva->first, f2 = fva->second;
	bool   fresh1, fresh2;

	if (fva->state != HAS_FVA_VALID || (f1 == -1 && f2 == -1))
		return false;
	/* An age equal to the limit is too old: 10 fails a 10-minute rule. */
	fresh1 = f1 != -1 && rv->minutes > f1;
	fresh2 = f2 != -1 && rv->minutes > f2;
	switch (rv->level) {
	case HAS_FIRST_FACTOR:
		return fresh1;
	case HAS_SECOND_FACTOR:
		/* Falls back to the first factor when there is no second. */
		return f2 == -1 ? fresh1 : fresh2;
	case HAS_MULTI_FACTOR:
		/* Falls back likewise; a second factor alone is not enough. */
		return f2 == -1 ? fresh1 : fresh1 && fresh2;
	}
	return false;
}

static enum verdict
check_reverification(const struct has_subject *s, const struct has_query *q)
{
	struct has_reverification rv;

	if (q->reverification == NULL)
		return SKIP;
	if (has_reverification_parse(q->reverification, &rv) == -1)
		return FAIL;
	return has_reverification_fresh(&s->fva, &rv) ? PASS : FAIL;
}

bool
has_check(const struct has_subject *s, const struct has_query *q)
{
	enum verdict v[3];
	bool         passed = false;
	size_t       i;

	if (is_absent(s->user_id))
		return false;
	v[0] = check_org(s, q);
	v[1] = check_billing(s, q);
	v[2] = check_reverification(s, q);
	for (i = 0; i < ARRAY_LEN(v); i++) {
		if (v[i] == FAIL)
			return false;
		passed = passed || v[i] == PASS;
	}
	return passed;
}

const char *
has_level_name(enum has_level level)
{
	if ((size_t)level >= ARRAY_LEN(level_names))
		return "unknown";
	return level_names[level];
}

int
has_reverification_body(const struct has_reverification *rv, char *buf,
    size_t size)
{
	int n;

	/* %.0f: minutes is a whole number, written as JSON.stringify does
	 * below 1e21 (and as an equal, longer integer above). */
	n = snprintf(buf, size,
	    "{\"clerk_error\":{\"type\":\"forbidden\",\"reason\":"
	    "\"reverification-error\",\"metadata\":{\"reverification\":"
	    "{\"level\":\"%s\",\"afterMinutes\":%.0f}}}}",
	    has_level_name(rv->level), rv->minutes);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return n;
}

bool
has_permission_is(const char *held, const char *asked)
{
	return perm_is(str_from_cstr(held), skip_org(asked));
}

bool
has_default_role_grants(const char *role, const char *permission)
{
	const char *r = skip_org(role), *p = skip_org(permission);
	size_t      i;

	for (i = 0; i < HAS_SYSTEM_PERMISSIONS; i++) {
		if (strcmp(skip_org(has_system_permissions[i]), p) == 0)
			break;
	}
	if (i == HAS_SYSTEM_PERMISSIONS)
		return false;
	if (strcmp(r, "admin") == 0)
		return true;
	return strcmp(r, "member") == 0 &&
	    (strcmp(p, "sys_memberships:read") == 0 ||
	        strcmp(p, "sys_billing:read") == 0);
}
