/*
 * Unit tests for src/clerk/has.c: Clerk's has() (reference/clerk.md 9.2),
 * with the vectors of 9.6 (A = @clerk/shared authorization.spec.ts, S =
 * clerk-js Session.test.ts), then edge cases of our own. The SDK's object
 * form of a reverification config, {level, afterMinutes}, is written here
 * as the string "level:minutes" that has_reverification_parse reads.
 */
#include "clerk/has.h"

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

/* Holds org:sys_memberships:read, with the given factor ages. */
static struct has_subject
holder(double first, double second)
{
	struct has_subject s = subject();

	s.perms = held;
	s.perms_len = 1;
	s.fva = fva(first, second);
	return s;
}

/* Asks for the held permission and a reverification together. */
static bool
held_and(const struct has_subject *s, const char *rv)
{
	return ask(s, NULL, held[0], NULL, NULL, rv);
}

/* A 2: several dimensions in one query must all pass. */
static void
vector_2_combined(void **state)
{
	struct has_subject s = holder(0, 0);

	(void)state;
	s.org_role = "org:admin";
	s.features = "o:reservations";
	s.plans = "u:plus";
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

	s = holder(0, 0);
	s.fva.state = HAS_FVA_ABSENT; /* fva null */
	assert_false(held_and(&s, "strict"));
	assert_true(held_and(&s, NULL));
	/*
	 * fva [-0.5, 0] and ["0", "0"]: the claim decoder marks both invalid
	 * (tests/clerk/jwt_test.c); whatever the values, invalid fails.
	 */
	s = holder(-0.5, 0);
	s.fva.state = HAS_FVA_INVALID;
	assert_false(held_and(&s, "strict"));
	s = holder(0, 0);
	s.fva.state = HAS_FVA_INVALID;
	assert_false(held_and(&s, "strict_mfa"));
}

/*
 * A 5: {level: multi_factor} without afterMinutes, afterMinutes 0 and -1,
 * and "invalid-value": none parses, so each fails.
 */
static void
vector_5_bad_configs(void **state)
{
	struct has_subject s = holder(0, 0);

	(void)state;
	assert_false(held_and(&s, "multi_factor"));
	assert_false(held_and(&s, "multi_factor:0"));
	assert_false(held_and(&s, "multi_factor:-1"));
	assert_false(held_and(&s, "invalid-value"));
	assert_true(held_and(&s, "multi_factor:1"));
}

/* A 6: no second factor enrolled falls back to the first. */
static void
vector_6_downgrade(void **state)
{
	struct has_subject s = holder(0, -1);

	(void)state;
	assert_true(held_and(&s, "strict_mfa"));
	s = holder(-1, -1);
	assert_false(held_and(&s, "strict"));
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

/* A feature query against an fea claim: A 1 first, then our own. */
static const struct {
	const char *fea, *query;
	bool        want;
} feature_cases[] = {
    /* A 1: every spelling of a scope (orgRole admin, as A has it). */
    {"o:reservations,u:dashboard", "o:reservations", true},
    {"o:reservations,u:dashboard", "org:reservations", true},
    {"o:reservations,u:dashboard", "organization:reservations", true},
    {"o:reservations,u:dashboard", "reservations", true},
    {"o:reservations,u:dashboard", "u:dashboard", true},
    {"o:reservations,u:dashboard", "user:dashboard", true},
    {"o:reservations,u:dashboard", "dashboard", true},
    {"o:reservations,u:dashboard", "lol:dashboard", false},
    {"o:reservations,u:dashboard", "u:reservations", false},
    {"o:reservations,u:dashboard", "o:dashboard", false},
    /* ou and uo count in both lists; other claim scopes are ignored. */
    {"ou:teams, uo:sso ,x:hidden,org:long", "o:teams", true},
    {"ou:teams, uo:sso ,x:hidden,org:long", "u:teams", true},
    {"ou:teams, uo:sso ,x:hidden,org:long", "organization:sso", true},
    {"ou:teams, uo:sso ,x:hidden,org:long", "user:sso", true},
    {"ou:teams, uo:sso ,x:hidden,org:long", "hidden", false},
    {"ou:teams, uo:sso ,x:hidden,org:long", "long", false},
    /* Query scopes are exact; parts past the second ':' are dropped. */
    {"ou:teams", "O:teams", false},
    {"ou:teams", "users:teams", false},
    {"ou:teams", ":teams", false},
    {"ou:teams", "org:teams:extra", true},
    /* "o:" asks for "o" (rawId || rawScope). */
    {"ou:teams", "o:", false},
    {"o:o", "o:", true},
    {"o:o", "o", true},
    {"o:o", "u:", false},
    /* A claim value keeps everything after its first ':'. */
    {"o:a:b", "o:a", false},
    {"o:a:b", "o:a:b", false},
    {"o:a:b", "a:b", false},
    /* Values are case-sensitive; the query is not trimmed. */
    {"o:Teams", "teams", false},
    {"o:Teams", " Teams", false},
    {"o:Teams", "Teams", true},
    /* One element without ':' fails the whole check, match or not; a
     * trailing comma leaves such an element. */
    {"o:a,broken", "a", false},
    {"broken,o:a", "a", false},
    {"o:a,", "a", false},
    {"", "a", false},
    {NULL, "a", false},
    /* Elements are trimmed as JavaScript trims: NBSP, LS, BOM too. */
    {"\xc2\xa0o:a\xe2\x80\xa8,\xef\xbb\xbfu:b\t", "o:a", true},
    {"\xc2\xa0o:a\xe2\x80\xa8,\xef\xbb\xbfu:b\t", "u:b", true},
};

static void
billing_features(void **state)
{
	struct has_subject s = subject();
	size_t             i;

	(void)state;
	s.org_role = "admin";
	for (i = 0; i < ARRAY_LEN(feature_cases); i++) {
		s.features = feature_cases[i].fea;
		if (feature(&s, feature_cases[i].query) !=
		    feature_cases[i].want)
			fail_msg("case %zu: %s in %s", i,
			    feature_cases[i].query,
			    s.features != NULL ? s.features : "(null)");
	}
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

static const struct {
	const char    *s;
	enum has_level level;
	double         minutes;
} parse_ok[] = {
    {"strict_mfa", HAS_MULTI_FACTOR, 10},
    {"strict", HAS_SECOND_FACTOR, 10},
    {"moderate", HAS_SECOND_FACTOR, 60},
    {"lax", HAS_SECOND_FACTOR, 1440},
    {"first_factor:5", HAS_FIRST_FACTOR, 5},
    {"second_factor:007", HAS_SECOND_FACTOR, 7},
    {"multi_factor:99999999999999999999", HAS_MULTI_FACTOR, 1e20},
};

static const char *const parse_bad[] = {
    "",
    "strict:10",
    "second_factor:0",
    "second_factor:000",
    "second_factor:-1",
    "second_factor:+1",
    "second_factor:abc",
    "second_factor:1.5",
    "second_factor:1e3",
    "second_factor: 5",
    "second_factor:5 ",
    "second_factor:",
    "second_factor:5:1",
    "multi_factor",
    ":10",
    "Strict",
    "strict ",
    "Second_factor:5",
    "third_factor:5",
};

static void
reverification_parser(void **state)
{
	struct has_reverification rv;
	size_t                    i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(parse_ok); i++) {
		if (has_reverification_parse(parse_ok[i].s, &rv) == -1 ||
		    rv.level != parse_ok[i].level ||
		    rv.minutes != parse_ok[i].minutes)
			fail_msg("refused or misread: %s", parse_ok[i].s);
	}
	for (i = 0; i < ARRAY_LEN(parse_bad); i++) {
		if (has_reverification_parse(parse_bad[i], &rv) != -1)
			fail_msg("accepted: \"%s\"", parse_bad[i]);
	}
	assert_int_equal(has_reverification_parse(NULL, &rv), -1);
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

/* A held key against an asked permission, as has() compares them. */
static void
permission_is(void **state)
{
	(void)state;
	assert_true(
	    has_permission_is("org:invoices:read", "org:invoices:read"));
	assert_true(has_permission_is("org:invoices:read", "invoices:read"));
	assert_true(
	    has_permission_is("org:invoices:read", "org:org:invoices:read"));
	/* The held key is not normalised; the comparison is exact. */
	assert_false(has_permission_is("invoices:read", "invoices:read"));
	assert_false(
	    has_permission_is("org:org:invoices:read", "org:invoices:read"));
	assert_false(
	    has_permission_is("org:invoices:read", "org:Invoices:read"));
	assert_false(has_permission_is("org:invoices:read", "org:invoices"));
	assert_false(has_permission_is("org:invoices:read", ""));
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
	    cmocka_unit_test(vector_2_combined),
	    cmocka_unit_test(vectors_3_4_no_org_bad_fva),
	    cmocka_unit_test(vector_5_bad_configs),
	    cmocka_unit_test(vector_6_downgrade),
	    cmocka_unit_test(signed_out),
	    cmocka_unit_test(role_normalisation),
	    cmocka_unit_test(permission_normalisation),
	    cmocka_unit_test(permissions_joined),
	    cmocka_unit_test(billing_features),
	    cmocka_unit_test(billing_feature_and_plan),
	    cmocka_unit_test(reverification_parser),
	    cmocka_unit_test(reverification_parser_huge),
	    cmocka_unit_test(reverification_rules),
	    cmocka_unit_test(reverification_fresh_direct),
	    cmocka_unit_test(reverification_body),
	    cmocka_unit_test(default_roles),
	    cmocka_unit_test(permission_is),
	    cmocka_unit_test(trim_and_elements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
