/*
 * Unit tests for src/auth/has.c: Clerk's has() (reference/clerk.md 9.2),
 * with the vectors of 9.6 (A = @clerk/shared authorization.spec.ts, S =
 * clerk-js Session.test.ts), then edge cases of our own. The SDK's object
 * form of a reverification config, {level, afterMinutes}, is written here
 * as the string "level:minutes" that has_reverification_parse reads.
 */
#include "auth/has.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static const char *const held[] = {"org:sys_memberships:read"};

/* userId user_123, orgId org_123, as the vectors have them. */
static struct has_subject
subject(void)
{
	struct has_subject s = {
	    .user_id = "user_123",
	    .org_id = "org_123",
	};

	return s;
}

static struct has_fva
fva(double first, double second)
{
	struct has_fva f = {HAS_FVA_VALID, first, second};

	return f;
}

static bool
ask(const struct has_subject *s, const char *role, const char *permission,
    const char *feature, const char *plan, const char *reverification)
{
	struct has_query q = {role, permission, feature, plan, reverification};

	return has_check(s, &q);
}

static bool
feature(const struct has_subject *s, const char *f)
{
	return ask(s, NULL, NULL, f, NULL, NULL);
}

static bool
reverify(const struct has_subject *s, const char *rv)
{
	return ask(s, NULL, NULL, NULL, NULL, rv);
}

/* A 1: every spelling of a feature's scope. */
static void
vector_1_feature_scopes(void **state)
{
	struct has_subject s = subject();

	(void)state;
	s.org_role = "admin";
	s.features = "o:reservations,u:dashboard";
	assert_true(feature(&s, "o:reservations"));
	assert_true(feature(&s, "org:reservations"));
	assert_true(feature(&s, "organization:reservations"));
	assert_true(feature(&s, "reservations"));
	assert_true(feature(&s, "u:dashboard"));
	assert_true(feature(&s, "user:dashboard"));
	assert_true(feature(&s, "dashboard"));
	assert_false(feature(&s, "lol:dashboard"));
}

/* A 2: several dimensions in one query must all pass. */
static void
vector_2_combined(void **state)
{
	struct has_subject s = subject();

	(void)state;
	s.org_role = "org:admin";
	s.perms = held;
	s.perms_len = 1;
	s.features = "o:reservations";
	s.plans = "u:plus";
	s.fva = fva(0, 0);
	assert_false(ask(&s, NULL, "org:sys_profile:delete", "org:reservations",
	    NULL, NULL));
	assert_true(ask(&s, NULL, "org:sys_memberships:read",
	    "org:reservations", NULL, NULL));
	assert_false(ask(&s, "org:member", "org:sys_memberships:read", NULL,
	    NULL, NULL));
	assert_true(ask(&s, NULL, NULL, "org:reservations", "u:plus", NULL));
	assert_false(ask(&s, NULL, NULL, "org:reservations", "u:free", NULL));
	assert_false(ask(&s, NULL, NULL, NULL, NULL, NULL));
}

/* A 3, A 4: no organization, or an fva that is absent or malformed. */
static void
vectors_3_4_no_org_bad_fva(void **state)
{
	struct has_subject s = subject();

	(void)state;
	s.org_id = NULL;
	s.fva = fva(0, 0);
	assert_false(
	    ask(&s, NULL, "org:sys_profile:delete", NULL, NULL, "strict"));

	s = subject();
	s.perms = held;
	s.perms_len = 1;
	s.fva.state = HAS_FVA_ABSENT; /* fva null */
	assert_false(
	    ask(&s, NULL, "org:sys_memberships:read", NULL, NULL, "strict"));
	assert_true(
	    ask(&s, NULL, "org:sys_memberships:read", NULL, NULL, NULL));
	/*
	 * fva [-0.5, 0] and ["0", "0"]: the claim decoder marks both invalid
	 * (tests/clerk/jwt_test.c); whatever the values, invalid fails.
	 */
	s.fva = fva(-0.5, 0);
	s.fva.state = HAS_FVA_INVALID;
	assert_false(reverify(&s, "strict"));
	s.fva = fva(0, 0);
	s.fva.state = HAS_FVA_INVALID;
	assert_false(reverify(&s, "strict_mfa"));
}

/*
 * A 5: {level: multi_factor} without afterMinutes, afterMinutes 0 and -1,
 * and "invalid-value": none parses, so each fails.
 */
static void
vector_5_bad_configs(void **state)
{
	struct has_subject s = subject();

	(void)state;
	s.perms = held;
	s.perms_len = 1;
	s.fva = fva(0, 0);
	assert_false(ask(&s, NULL, "org:sys_memberships:read", NULL, NULL,
	    "multi_factor"));
	assert_false(ask(&s, NULL, "org:sys_memberships:read", NULL, NULL,
	    "multi_factor:0"));
	assert_false(ask(&s, NULL, "org:sys_memberships:read", NULL, NULL,
	    "multi_factor:-1"));
	assert_false(ask(&s, NULL, "org:sys_memberships:read", NULL, NULL,
	    "invalid-value"));
	assert_true(ask(&s, NULL, "org:sys_memberships:read", NULL, NULL,
	    "multi_factor:1"));
}

/* A 6: no second factor enrolled falls back to the first. */
static void
vector_6_downgrade(void **state)
{
	struct has_subject s = subject();

	(void)state;
	s.perms = held;
	s.perms_len = 1;
	s.fva = fva(0, -1);
	assert_true(ask(&s, NULL, "org:sys_memberships:read", NULL, NULL,
	    "strict_mfa"));
	s.fva = fva(-1, -1);
	assert_false(
	    ask(&s, NULL, "org:sys_memberships:read", NULL, NULL, "strict"));
}

static void
signed_out(void **state)
{
	struct has_subject s = subject();

	(void)state;
	s.org_role = "org:admin";
	assert_true(ask(&s, "org:admin", NULL, NULL, NULL, NULL));
	s.user_id = NULL;
	assert_false(ask(&s, "org:admin", NULL, NULL, NULL, NULL));
	s.user_id = "";
	assert_false(ask(&s, "org:admin", NULL, NULL, NULL, NULL));
}

static void
role_normalisation(void **state)
{
	struct has_subject s = subject();

	(void)state;
	s.org_role = "admin";
	assert_true(ask(&s, "org:admin", NULL, NULL, NULL, NULL));
	assert_true(ask(&s, "admin", NULL, NULL, NULL, NULL));
	assert_true(ask(&s, "org:org:admin", NULL, NULL, NULL, NULL));
	assert_true(ask(&s, "org:org:org:admin", NULL, NULL, NULL, NULL));
	assert_false(ask(&s, "Admin", NULL, NULL, NULL, NULL));
	assert_false(ask(&s, "org:Admin", NULL, NULL, NULL, NULL));
	assert_false(ask(&s, "ORG:admin", NULL, NULL, NULL, NULL));
	assert_false(ask(&s, "org:admin ", NULL, NULL, NULL, NULL));
	assert_false(ask(&s, "org: admin", NULL, NULL, NULL, NULL));
	assert_false(ask(&s, "org:member", NULL, NULL, NULL, NULL));
	s.org_role = "org:org:admin";
	assert_true(ask(&s, "admin", NULL, NULL, NULL, NULL));
	/* No role, or no organization: a role is never held. */
	s.org_role = "";
	assert_false(ask(&s, "org:admin", NULL, NULL, NULL, NULL));
	s.org_role = NULL;
	assert_false(ask(&s, "", NULL, NULL, NULL, NULL));
	s.org_role = "org:admin";
	s.org_id = "";
	assert_false(ask(&s, "org:admin", NULL, NULL, NULL, NULL));
	/* Role and permission together: both. */
	s = subject();
	s.org_role = "org:admin";
	s.perms = held;
	s.perms_len = 1;
	assert_true(
	    ask(&s, "admin", "org:sys_memberships:read", NULL, NULL, NULL));
	assert_false(
	    ask(&s, "admin", "org:sys_memberships:manage", NULL, NULL, NULL));
}

static void
permission_normalisation(void **state)
{
	static const char *const perms[] = {"org:invoices:read", "reports:read",
	    "org:org:x:y", NULL};
	struct has_subject       s = subject();

	(void)state;
	s.perms = perms;
	s.perms_len = 4;
	assert_true(ask(&s, NULL, "org:invoices:read", NULL, NULL, NULL));
	assert_true(ask(&s, NULL, "invoices:read", NULL, NULL, NULL));
	assert_true(ask(&s, NULL, "org:org:invoices:read", NULL, NULL, NULL));
	assert_false(ask(&s, NULL, "org:invoices:Read", NULL, NULL, NULL));
	assert_false(ask(&s, NULL, "org:invoices", NULL, NULL, NULL));
	/* The token's list is not normalised: an entry without the prefix,
	 * or with two, is never matched. */
	assert_false(ask(&s, NULL, "reports:read", NULL, NULL, NULL));
	assert_false(ask(&s, NULL, "org:org:x:y", NULL, NULL, NULL));
	assert_false(ask(&s, NULL, "x:y", NULL, NULL, NULL));
	/* No organization: false even with the permission listed. */
	s.org_id = NULL;
	assert_false(ask(&s, NULL, "org:invoices:read", NULL, NULL, NULL));
	/* No list at all. */
	s = subject();
	assert_false(ask(&s, NULL, "org:invoices:read", NULL, NULL, NULL));
}

/* The cached, comma-joined form of the same list. */
static void
permissions_joined(void **state)
{
	struct has_subject s = subject();

	(void)state;
	s.perms_csv = "org:invoices:read,org:teams:manage";
	assert_true(ask(&s, NULL, "org:invoices:read", NULL, NULL, NULL));
	assert_true(ask(&s, NULL, "teams:manage", NULL, NULL, NULL));
	assert_false(ask(&s, NULL, "org:teams:read", NULL, NULL, NULL));
	assert_false(ask(&s, NULL, "org:invoices:read,org", NULL, NULL, NULL));
	s.perms_csv = "";
	assert_false(ask(&s, NULL, "org:", NULL, NULL, NULL));
}

static void
billing_scopes(void **state)
{
	struct has_subject s = subject();

	(void)state;
	/* ou and uo count in both lists; other scopes are ignored. */
	s.features = "ou:teams, uo:sso ,x:hidden,org:long";
	assert_true(feature(&s, "o:teams"));
	assert_true(feature(&s, "u:teams"));
	assert_true(feature(&s, "organization:sso"));
	assert_true(feature(&s, "user:sso"));
	assert_false(feature(&s, "hidden"));
	assert_false(feature(&s, "long"));
	/* Scope names are exact. */
	assert_false(feature(&s, "O:teams"));
	assert_false(feature(&s, "users:teams"));
	assert_false(feature(&s, ":teams"));
	/* Parts past the second ':' are dropped from the query. */
	assert_true(feature(&s, "org:teams:extra"));
	/* "o:" asks for "o" (rawId || rawScope). */
	assert_false(feature(&s, "o:"));
	s.features = "o:o";
	assert_true(feature(&s, "o:"));
	assert_true(feature(&s, "o"));
	assert_false(feature(&s, "u:"));
	/* The value keeps everything after the first ':'. */
	s.features = "o:a:b";
	assert_false(feature(&s, "o:a"));
	assert_false(feature(&s, "o:a:b"));
	assert_false(feature(&s, "a:b"));
	/* Values are case-sensitive; the query is not trimmed. */
	s.features = "o:Teams";
	assert_false(feature(&s, "teams"));
	assert_false(feature(&s, " Teams"));
	assert_true(feature(&s, "Teams"));
}

static void
billing_malformed_claims(void **state)
{
	struct has_subject s = subject();

	(void)state;
	/* One element without ':' fails the whole check, match or not. */
	s.features = "o:a,broken";
	assert_false(feature(&s, "a"));
	s.features = "broken,o:a";
	assert_false(feature(&s, "a"));
	/* A trailing comma leaves an empty element: no ':'. */
	s.features = "o:a,";
	assert_false(feature(&s, "a"));
	s.features = "";
	assert_false(feature(&s, "a"));
	s.features = NULL;
	assert_false(feature(&s, "a"));
	/* Elements are trimmed as JavaScript trims: NBSP, LS, BOM too. */
	s.features = "\xc2\xa0o:a\xe2\x80\xa8,\xef\xbb\xbfu:b\t";
	assert_true(feature(&s, "o:a"));
	assert_true(feature(&s, "u:b"));
}

static void
billing_feature_and_plan(void **state)
{
	struct has_subject s = subject();

	(void)state;
	s.features = "o:teams";
	s.plans = "o:pro,u:free";
	assert_true(ask(&s, NULL, NULL, "teams", "o:pro", NULL));
	assert_true(ask(&s, NULL, NULL, NULL, "free", NULL));
	assert_false(ask(&s, NULL, NULL, NULL, "o:free", NULL));
	assert_false(ask(&s, NULL, NULL, "teams", "u:pro", NULL));
	assert_false(ask(&s, NULL, NULL, "sso", "o:pro", NULL));
	/* No plan claim: a plan is never held. */
	s.plans = NULL;
	assert_false(ask(&s, NULL, NULL, "teams", "pro", NULL));
	/* A billing pass does not need an organization. */
	s = subject();
	s.org_id = NULL;
	s.features = "u:beta";
	assert_true(feature(&s, "beta"));
	/* ... but a failing dimension still fails the query. */
	assert_false(ask(&s, "org:admin", NULL, "beta", NULL, NULL));
}

static void
reverification_parser(void **state)
{
	struct has_reverification rv;

	(void)state;
	assert_int_equal(has_reverification_parse("strict_mfa", &rv), 0);
	assert_int_equal(rv.level, HAS_MULTI_FACTOR);
	assert_true(rv.minutes == 10);
	assert_int_equal(has_reverification_parse("strict", &rv), 0);
	assert_int_equal(rv.level, HAS_SECOND_FACTOR);
	assert_true(rv.minutes == 10);
	assert_int_equal(has_reverification_parse("moderate", &rv), 0);
	assert_int_equal(rv.level, HAS_SECOND_FACTOR);
	assert_true(rv.minutes == 60);
	assert_int_equal(has_reverification_parse("lax", &rv), 0);
	assert_int_equal(rv.level, HAS_SECOND_FACTOR);
	assert_true(rv.minutes == 1440);
	assert_int_equal(has_reverification_parse("first_factor:5", &rv), 0);
	assert_int_equal(rv.level, HAS_FIRST_FACTOR);
	assert_true(rv.minutes == 5);
	assert_int_equal(has_reverification_parse("second_factor:007", &rv), 0);
	assert_true(rv.minutes == 7);
	assert_int_equal(
	    has_reverification_parse("multi_factor:99999999999999999999", &rv),
	    0);
	assert_true(rv.minutes == 1e20);

	assert_int_equal(has_reverification_parse(NULL, &rv), -1);
	assert_int_equal(has_reverification_parse("", &rv), -1);
	assert_int_equal(has_reverification_parse("strict:10", &rv), -1);
	assert_int_equal(has_reverification_parse("second_factor:0", &rv), -1);
	assert_int_equal(has_reverification_parse("second_factor:000", &rv),
	    -1);
	assert_int_equal(has_reverification_parse("second_factor:-1", &rv), -1);
	assert_int_equal(has_reverification_parse("second_factor:+1", &rv), -1);
	assert_int_equal(has_reverification_parse("second_factor:abc", &rv),
	    -1);
	assert_int_equal(has_reverification_parse("second_factor:1.5", &rv),
	    -1);
	assert_int_equal(has_reverification_parse("second_factor:1e3", &rv),
	    -1);
	assert_int_equal(has_reverification_parse("second_factor: 5", &rv), -1);
	assert_int_equal(has_reverification_parse("second_factor:5 ", &rv), -1);
	assert_int_equal(has_reverification_parse("second_factor:", &rv), -1);
	assert_int_equal(has_reverification_parse("second_factor:5:1", &rv),
	    -1);
	assert_int_equal(has_reverification_parse("multi_factor", &rv), -1);
	assert_int_equal(has_reverification_parse(":10", &rv), -1);
	assert_int_equal(has_reverification_parse("Strict", &rv), -1);
	assert_int_equal(has_reverification_parse("strict ", &rv), -1);
	assert_int_equal(has_reverification_parse("Second_factor:5", &rv), -1);
	assert_int_equal(has_reverification_parse("third_factor:5", &rv), -1);
}

/* A value past DBL_MAX (309 digits) is refused, not taken as infinity. */
static void
reverification_parser_huge(void **state)
{
	struct has_reverification rv;
	char                      s[400];

	(void)state;
	memcpy(s, "first_factor:", 13);
	memset(s + 13, '9', sizeof(s) - 14);
	s[sizeof(s) - 1] = '\0';
	assert_int_equal(has_reverification_parse(s, &rv), -1);
	/* 308 digits are still finite. */
	s[13 + 308] = '\0';
	assert_int_equal(has_reverification_parse(s, &rv), 0);
	assert_true(rv.minutes > 9e307);
}

/*
 * Ages against rules: S ({level: multi_factor, afterMinutes: 10}), then
 * our own cases.
 */
static const struct {
	double      first, second;
	const char *rv;
	bool        want;
} fresh_cases[] = {
    {0, 0, "multi_factor:10", true},
    {0, 10, "multi_factor:10", false},
    {10, 0, "multi_factor:10", false},
    {0, 11, "multi_factor:10", false},
    {0, -1, "multi_factor:10", true},
    {11, -1, "multi_factor:10", false},
    {11, -1, "strict", false},
    /* Strictly younger than the limit; ages need not be whole. */
    {0, 10, "strict", false},
    {0, 9.5, "strict", true},
    {0, 0.5, "second_factor:1", true},
    /* first_factor looks at the first age only. */
    {5, -1, "first_factor:6", true},
    {5, -1, "first_factor:5", false},
    {-1, 0, "first_factor:60", false},
    /* second_factor: the second age when enrolled, else the first. */
    {-1, 0, "second_factor:1", true},
    {0, 30, "second_factor:30", false},
    {0, 30, "moderate", true},
    {30, -1, "strict", false},
    {30, -1, "lax", true},
    /* multi_factor: both; a second factor alone is not enough. */
    {-1, 0, "strict_mfa", false},
    {1, 2, "multi_factor:3", true},
    {1, 2, "multi_factor:2", false},
    /* Nothing enrolled. */
    {-1, -1, "lax", false},
};

static void
reverification_rules(void **state)
{
	struct has_subject s = subject();
	size_t             i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(fresh_cases); i++) {
		s.fva = fva(fresh_cases[i].first, fresh_cases[i].second);
		if (reverify(&s, fresh_cases[i].rv) != fresh_cases[i].want)
			fail_msg("case %zu: [%g,%g] %s", i,
			    fresh_cases[i].first, fresh_cases[i].second,
			    fresh_cases[i].rv);
	}
	/* The fva must be valid. */
	s.fva.state = HAS_FVA_ABSENT;
	assert_false(reverify(&s, "lax"));
	/* Reverification alone may pass without an organization. */
	s = subject();
	s.org_id = NULL;
	s.fva = fva(0, 0);
	assert_true(reverify(&s, "strict"));
}

static void
reverification_fresh_direct(void **state)
{
	struct has_reverification rv;
	struct has_fva            f = fva(3, 4);

	(void)state;
	assert_int_equal(has_reverification_parse("strict", &rv), 0);
	assert_true(has_reverification_fresh(&f, &rv));
	f.state = HAS_FVA_INVALID;
	assert_false(has_reverification_fresh(&f, &rv));
}

static void
reverification_body(void **state)
{
	struct has_reverification rv;
	char                      buf[HAS_BODY_MAX];
	int                       n;

	(void)state;
	assert_int_equal(has_reverification_parse("strict", &rv), 0);
	n = has_reverification_body(&rv, buf, sizeof(buf));
	assert_string_equal(buf,
	    "{\"clerk_error\":{\"type\":\"forbidden\",\"reason\":"
	    "\"reverification-error\",\"metadata\":{\"reverification\":"
	    "{\"level\":\"second_factor\",\"afterMinutes\":10}}}}");
	assert_int_equal(n, (int)strlen(buf));
	/* Exactly the length plus the NUL fits; one byte less does not. */
	assert_int_equal(has_reverification_body(&rv, buf, (size_t)n + 1), n);
	assert_int_equal(has_reverification_body(&rv, buf, (size_t)n), -1);
	assert_int_equal(has_reverification_body(&rv, buf, 0), -1);

	assert_int_equal(has_reverification_parse("strict_mfa", &rv), 0);
	assert_true(has_reverification_body(&rv, buf, sizeof(buf)) > 0);
	assert_non_null(
	    strstr(buf, "{\"level\":\"multi_factor\",\"afterMinutes\":10}}}}"));
	assert_int_equal(has_reverification_parse("lax", &rv), 0);
	assert_true(has_reverification_body(&rv, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf,
	    "{\"level\":\"second_factor\",\"afterMinutes\":1440}}}}"));
	assert_int_equal(has_reverification_parse("first_factor:0015", &rv), 0);
	assert_true(has_reverification_body(&rv, buf, sizeof(buf)) > 0);
	assert_non_null(
	    strstr(buf, "{\"level\":\"first_factor\",\"afterMinutes\":15}}}}"));
	/* The largest value below 1e21 still fits. */
	assert_int_equal(
	    has_reverification_parse("first_factor:999999999999999999999", &rv),
	    0);
	assert_true(has_reverification_body(&rv, buf, sizeof(buf)) > 0);
	assert_non_null(
	    strstr(buf, "\"afterMinutes\":1000000000000000000000}"));
	assert_string_equal(has_level_name(HAS_SECOND_FACTOR), "second_factor");
}

static void
default_roles(void **state)
{
	size_t i, member = 0;

	(void)state;
	for (i = 0; i < HAS_SYSTEM_PERMISSIONS; i++) {
		const char *p = has_system_permissions[i];

		assert_int_equal(strncmp(p, "org:sys_", 8), 0);
		assert_true(has_default_role_grants("org:admin", p));
		if (has_default_role_grants("org:member", p))
			member++;
	}
	assert_int_equal(member, 2);
	assert_true(
	    has_default_role_grants("org:member", "org:sys_memberships:read"));
	assert_true(
	    has_default_role_grants("org:member", "org:sys_billing:read"));
	assert_false(has_default_role_grants("org:member",
	    "org:sys_memberships:manage"));
	assert_false(
	    has_default_role_grants("org:member", "org:sys_profile:delete"));
	/* Normalised as has() normalises. */
	assert_true(has_default_role_grants("admin", "sys_domains:manage"));
	assert_true(has_default_role_grants("org:org:member",
	    "org:org:sys_billing:read"));
	/* Custom permissions, other roles, other spellings: nothing. */
	assert_false(has_default_role_grants("org:admin", "org:invoices:read"));
	assert_false(has_default_role_grants("org:admin", "org:sys_billing"));
	assert_false(
	    has_default_role_grants("org:viewer", "org:sys_billing:read"));
	assert_false(
	    has_default_role_grants("org:Admin", "org:sys_billing:read"));
	assert_false(has_default_role_grants("", "org:sys_billing:read"));
}

static void
trim_and_elements(void **state)
{
	struct str v;
	unsigned   scopes;

	(void)state;
	assert_true(str_eq_cstr(has_trim(STR_LIT(" \t\v\f\r\na b\n ")), "a b"));
	assert_true(
	    str_eq_cstr(has_trim(STR_LIT("\xe3\x80\x80x\xe2\x80\x8a")), "x"));
	assert_true(
	    str_eq_cstr(has_trim(STR_LIT("\xe1\x9a\x80x\xe2\x81\x9f")), "x"));
	assert_true(
	    str_eq_cstr(has_trim(STR_LIT("\xe2\x80\xafx\xe2\x80\xa9")), "x"));
	assert_true(str_eq_cstr(has_trim(STR_LIT("   ")), ""));
	/* NEL, ZWSP and a lone NBSP byte are not JavaScript white space. */
	assert_true(str_eq_cstr(has_trim(STR_LIT("\xc2\x85x")), "\xc2\x85x"));
	assert_true(
	    str_eq_cstr(has_trim(STR_LIT("x\xe2\x80\x8b")), "x\xe2\x80\x8b"));
	assert_true(str_eq_cstr(has_trim(STR_LIT("\xa0x")), "\xa0x"));

	assert_int_equal(has_claim_element(STR_LIT(" ou:a:b "), &scopes, &v),
	    0);
	assert_int_equal(scopes, HAS_SCOPE_ORG | HAS_SCOPE_USER);
	assert_true(str_eq_cstr(v, "a:b"));
	assert_int_equal(has_claim_element(STR_LIT("u:"), &scopes, &v), 0);
	assert_int_equal(scopes, HAS_SCOPE_USER);
	assert_true(str_eq_cstr(v, ""));
	assert_int_equal(has_claim_element(STR_LIT(":x"), &scopes, &v), 0);
	assert_int_equal(scopes, 0);
	assert_int_equal(has_claim_element(STR_LIT("oo:x"), &scopes, &v), 0);
	assert_int_equal(scopes, 0);
	assert_int_equal(has_claim_element(STR_LIT("org"), &scopes, &v), -1);
	assert_int_equal(has_claim_element(STR_LIT(" "), &scopes, &v), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(vector_1_feature_scopes),
	    cmocka_unit_test(vector_2_combined),
	    cmocka_unit_test(vectors_3_4_no_org_bad_fva),
	    cmocka_unit_test(vector_5_bad_configs),
	    cmocka_unit_test(vector_6_downgrade),
	    cmocka_unit_test(signed_out),
	    cmocka_unit_test(role_normalisation),
	    cmocka_unit_test(permission_normalisation),
	    cmocka_unit_test(permissions_joined),
	    cmocka_unit_test(billing_scopes),
	    cmocka_unit_test(billing_malformed_claims),
	    cmocka_unit_test(billing_feature_and_plan),
	    cmocka_unit_test(reverification_parser),
	    cmocka_unit_test(reverification_parser_huge),
	    cmocka_unit_test(reverification_rules),
	    cmocka_unit_test(reverification_fresh_direct),
	    cmocka_unit_test(reverification_body),
	    cmocka_unit_test(default_roles),
	    cmocka_unit_test(trim_and_elements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
