/*
 * Unit tests for src/auth/policy.c: the decision for each kind of
 * requirement against a token's claims (has()), the order of the checks,
 * the exact answers (403 {"detail":"Forbidden"}, 404, Clerk's
 * reverification body byte for byte), and organization-scoped permissions
 * end to end: the membership read from a migrated in-memory SQLite mirror
 * (own permissions, role catalog, Clerk's defaults) and decided on.
 */
#include "auth/policy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "accounts/membership_permissions.h"
#include "core/arena.h"
#include "memdb.h"

static const char *const token_perms[] = {"org:invoices:read",
    "org:sys_memberships:manage"};

/* A signed-in admin of org_123 with billing claims and fresh factors. */
static struct has_subject
subject(void)
{
	struct has_subject s;

	memset(&s, 0, sizeof(s));
	s.user_id = "user_123";
	s.org_id = "org_123";
	s.org_role = "org:admin";
	s.perms = token_perms;
	s.perms_len = 2;
	s.features = "o:teams,u:beta";
	s.plans = "u:pro";
	s.fva = (struct has_fva){HAS_FVA_VALID, 0, 5};
	return s;
}

static enum policy_verdict
decide(const struct route_policy *p, const struct has_subject *s,
    const struct membership_permissions *m)
{
	struct has_reverification rv;

	return policy_decide(p, s, m, &rv);
}

static void
test_token_requirements(void **state)
{
	struct has_subject  s = subject();
	struct route_policy p;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(decide(&p, &s, NULL), POLICY_ALLOW);
	p = (struct route_policy){.role = "admin"};
	assert_int_equal(decide(&p, &s, NULL), POLICY_ALLOW);
	p = (struct route_policy){.role = "org:member"};
	assert_int_equal(decide(&p, &s, NULL), POLICY_FORBIDDEN);
	p = (struct route_policy){.permission = "invoices:read"};
	assert_int_equal(decide(&p, &s, NULL), POLICY_ALLOW);
	p = (struct route_policy){.permission = "org:invoices:write"};
	assert_int_equal(decide(&p, &s, NULL), POLICY_FORBIDDEN);
	p = (struct route_policy){.feature = "teams", .plan = "u:pro"};
	assert_int_equal(decide(&p, &s, NULL), POLICY_ALLOW);
	p = (struct route_policy){.feature = "u:teams"};
	assert_int_equal(decide(&p, &s, NULL), POLICY_FORBIDDEN);
	p = (struct route_policy){.plan = "o:pro"};
	assert_int_equal(decide(&p, &s, NULL), POLICY_FORBIDDEN);
	/* Without an active organization, role and permission fail. */
	s.org_id = NULL;
	p = (struct route_policy){.role = "org:admin"};
	assert_int_equal(decide(&p, &s, NULL), POLICY_FORBIDDEN);
}

/* Signed out (a pending session): every requirement fails. */
static void
test_signed_out(void **state)
{
	struct has_subject  s = subject();
	struct route_policy p = {.feature = "teams"};

	(void)state;
	s.user_id = NULL;
	assert_int_equal(decide(&p, &s, NULL), POLICY_FORBIDDEN);
	p = (struct route_policy){.reverification = "lax"};
	assert_int_equal(decide(&p, &s, NULL), POLICY_FORBIDDEN);
}

static void
test_reverification(void **state)
{
	struct has_subject        s = subject();
	struct route_policy       p = {.reverification = "strict"};
	struct has_reverification rv;

	(void)state;
	assert_int_equal(policy_decide(&p, &s, NULL, &rv), POLICY_ALLOW);
	s.fva = (struct has_fva){HAS_FVA_VALID, 0, 10}; /* 10 is too old */
	assert_int_equal(policy_decide(&p, &s, NULL, &rv), POLICY_REVERIFY);
	assert_int_equal(rv.level, HAS_SECOND_FACTOR);
	assert_true(rv.minutes == 10);
	p.reverification = "first_factor:30";
	assert_int_equal(policy_decide(&p, &s, NULL, &rv), POLICY_ALLOW);
	s.fva = (struct has_fva){HAS_FVA_INVALID, 0, 0};
	assert_int_equal(policy_decide(&p, &s, NULL, &rv), POLICY_REVERIFY);
	assert_int_equal(rv.level, HAS_FIRST_FACTOR);
	assert_true(rv.minutes == 30);
	s.fva = (struct has_fva){HAS_FVA_ABSENT, 0, 0};
	assert_int_equal(policy_decide(&p, &s, NULL, &rv), POLICY_REVERIFY);
	/* A level that does not parse refuses outright. */
	p.reverification = "strict:10";
	assert_int_equal(policy_decide(&p, &s, NULL, &rv), POLICY_FORBIDDEN);
}

/*
 * Reverification is asked for last: a caller who would still be refused
 * is not sent to verify again first.
 */
static void
test_reverification_comes_last(void **state)
{
	struct has_subject  s = subject();
	struct route_policy p = {.permission = "org:invoices:write",
	    .reverification = "strict"};

	(void)state;
	s.fva = (struct has_fva){HAS_FVA_VALID, 60, 60};
	assert_int_equal(decide(&p, &s, NULL), POLICY_FORBIDDEN);
	p.permission = "org:invoices:read";
	assert_int_equal(decide(&p, &s, NULL), POLICY_REVERIFY);
}

/* An organization-scoped permission reads the membership, not the token. */
static void
test_organization_scoped(void **state)
{
	static const char *const held[] = {"org:sys_memberships:manage"};
	struct has_subject       s = subject();
	struct route_policy p = {.permission = "org:sys_memberships:manage",
	    .organization_param = "id"};
	struct membership_permissions m = {1, "org:member", NULL, 0,
	    MEMBERSHIP_PERMS_OWN};

	(void)state;
	/* Not a member: 404, whatever else would fail or pass. */
	assert_int_equal(decide(&p, &s, NULL), POLICY_NOT_FOUND);
	p.role = "org:nope";
	assert_int_equal(decide(&p, &s, NULL), POLICY_NOT_FOUND);
	p.role = NULL;
	/* The token holds it, the membership does not: refused. */
	assert_int_equal(decide(&p, &s, &m), POLICY_FORBIDDEN);
	m.keys = held;
	m.n = 1;
	assert_int_equal(decide(&p, &s, &m), POLICY_ALLOW);
	p.permission = "sys_memberships:manage"; /* normalised as has() */
	assert_int_equal(decide(&p, &s, &m), POLICY_ALLOW);
	p.permission = "org:org:sys_memberships:manage";
	assert_int_equal(decide(&p, &s, &m), POLICY_ALLOW);
	p.permission = "org:sys_memberships:MANAGE";
	assert_int_equal(decide(&p, &s, &m), POLICY_FORBIDDEN);
	/* Membership alone. */
	p.permission = NULL;
	m.n = 0;
	assert_int_equal(decide(&p, &s, &m), POLICY_ALLOW);
}

/* What the client receives, byte for byte. */
static void
assert_answer(enum policy_verdict v, const char *level, int status,
    const char *body)
{
	struct has_reverification rv;
	char                      buf[HAS_BODY_MAX];
	int                       got_status = 0, n;

	if (level != NULL)
		assert_int_equal(has_reverification_parse(level, &rv), 0);
	n = policy_answer(v, &rv, buf, sizeof(buf), &got_status);
	assert_int_equal(got_status, status);
	assert_int_equal(n, (int)strlen(body));
	assert_string_equal(buf, body);
}

static void
test_answers(void **state)
{
	struct has_reverification rv = {HAS_SECOND_FACTOR, 10};
	char                      small[16];
	int                       status;

	(void)state;
	assert_answer(POLICY_FORBIDDEN, NULL, 403,
	    "{\"detail\":\"Forbidden\"}");
	assert_answer(POLICY_NOT_FOUND, NULL, 404,
	    "{\"detail\":\"Not Found\"}");
	/* DESIGN 11.2, the shape ClerkJS's useReverification reads. */
	assert_answer(POLICY_REVERIFY, "strict", 403,
	    "{\"clerk_error\":{\"type\":\"forbidden\",\"reason\":"
	    "\"reverification-error\",\"metadata\":{\"reverification\":"
	    "{\"level\":\"second_factor\",\"afterMinutes\":10}}}}");
	assert_answer(POLICY_REVERIFY, "strict_mfa", 403,
	    "{\"clerk_error\":{\"type\":\"forbidden\",\"reason\":"
	    "\"reverification-error\",\"metadata\":{\"reverification\":"
	    "{\"level\":\"multi_factor\",\"afterMinutes\":10}}}}");
	assert_answer(POLICY_REVERIFY, "lax", 403,
	    "{\"clerk_error\":{\"type\":\"forbidden\",\"reason\":"
	    "\"reverification-error\",\"metadata\":{\"reverification\":"
	    "{\"level\":\"second_factor\",\"afterMinutes\":1440}}}}");
	assert_answer(POLICY_REVERIFY, "first_factor:45", 403,
	    "{\"clerk_error\":{\"type\":\"forbidden\",\"reason\":"
	    "\"reverification-error\",\"metadata\":{\"reverification\":"
	    "{\"level\":\"first_factor\",\"afterMinutes\":45}}}}");
	assert_int_equal(policy_answer(POLICY_REVERIFY, &rv, small,
	                     sizeof(small), &status),
	    -1);
	assert_int_equal(policy_answer(POLICY_FORBIDDEN, &rv, small,
	                     sizeof(small), &status),
	    -1);
}

/* ---- organization-scoped requirements over the mirror ---- */

static const char seed[] =
    "INSERT INTO users (id, clerk_id) VALUES (1, 'user_admin'), "
    "(2, 'user_member'), (3, 'user_outsider'), (4, 'user_granted');"
    "INSERT INTO organizations (id, clerk_id, name) VALUES "
    "(7, 'org_acme', 'Acme'), (8, 'org_other', 'Other');"
    "INSERT INTO organization_memberships (user_id, organization_id, role, "
    "permissions) VALUES (1, 7, 'org:admin', NULL), "
    "(2, 7, 'org:member', NULL), (3, 8, 'org:admin', NULL), "
    "(4, 7, 'org:member', '[\"org:sys_memberships:manage\"]');";

/* The status and body the requirement answers user_id for org_ref. */
static int
answer_for(struct db *db, const struct route_policy *p, int64_t user_id,
    const char *org_ref, char *body, size_t size)
{
	struct db_conn               *c = db_acquire(db);
	struct arena                 *a = arena_new();
	struct membership_permissions m;
	struct has_subject            s = subject();
	struct has_reverification     rv;
	enum policy_verdict           v;
	int                           rc, status = 200;

	assert_non_null(c);
	rc = membership_permissions_of(c, user_id, org_ref, a, &m);
	assert_int_not_equal(rc, -1);
	v = policy_decide(p, &s, rc == 1 ? &m : NULL, &rv);
	body[0] = '\0';
	if (v != POLICY_ALLOW)
		assert_int_not_equal(policy_answer(v, &rv, body, size, &status),
		    -1);
	arena_free(a);
	db_release(db, c);
	return status;
}

static void
test_mirror_end_to_end(void **state)
{
	static const struct route_policy manage =
	    {.permission = "org:sys_memberships:manage",
	        .organization_param = "id"};
	static const struct route_policy read = {.permission =
	                                             "org:sys_memberships:read",
	    .organization_param = "id"};
	static const struct route_policy strict_delete =
	    {.permission = "org:sys_profile:delete",
	        .reverification = "strict",
	        .organization_param = "id"};
	struct db *db = memdb_open();
	char       body[HAS_BODY_MAX];

	(void)state;
	memdb_exec(db, seed);
	/* Clerk's defaults (empty catalog): admin manages, member reads. */
	assert_int_equal(answer_for(db, &manage, 1, "7", body, sizeof(body)),
	    200);
	assert_int_equal(answer_for(db, &manage, 1, "org_acme", body,
	                     sizeof(body)),
	    200);
	assert_int_equal(answer_for(db, &manage, 2, "7", body, sizeof(body)),
	    403);
	assert_string_equal(body, "{\"detail\":\"Forbidden\"}");
	assert_int_equal(answer_for(db, &read, 2, "org_acme", body,
	                     sizeof(body)),
	    200);
	/* The membership's own permissions. */
	assert_int_equal(answer_for(db, &manage, 4, "7", body, sizeof(body)),
	    200);
	assert_int_equal(answer_for(db, &read, 4, "7", body, sizeof(body)),
	    403);
	/* Not a member, or no such organization: 404 alike. */
	assert_int_equal(answer_for(db, &read, 3, "7", body, sizeof(body)),
	    404);
	assert_string_equal(body, "{\"detail\":\"Not Found\"}");
	assert_int_equal(answer_for(db, &read, 1, "org_nope", body,
	                     sizeof(body)),
	    404);
	assert_int_equal(answer_for(db, &read, 1, "42", body, sizeof(body)),
	    404);
	/* The token's fva (second factor 5 minutes ago) passes strict. */
	assert_int_equal(answer_for(db, &strict_delete, 1, "7", body,
	                     sizeof(body)),
	    200);
	assert_int_equal(answer_for(db, &strict_delete, 2, "7", body,
	                     sizeof(body)),
	    403);
	/* A role catalog replaces the defaults. */
	memdb_exec(db,
	    "INSERT INTO roles (id, clerk_id, key) VALUES (1, 'role_m', "
	    "'org:member');"
	    "INSERT INTO permissions (id, clerk_id, key) VALUES (1, 'perm_1', "
	    "'org:sys_memberships:manage');"
	    "INSERT INTO role_permissions VALUES (1, 1);");
	assert_int_equal(answer_for(db, &manage, 2, "7", body, sizeof(body)),
	    200);
	assert_int_equal(answer_for(db, &manage, 1, "7", body, sizeof(body)),
	    403);
	db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_token_requirements),
	    cmocka_unit_test(test_signed_out),
	    cmocka_unit_test(test_reverification),
	    cmocka_unit_test(test_reverification_comes_last),
	    cmocka_unit_test(test_organization_scoped),
	    cmocka_unit_test(test_answers),
	    cmocka_unit_test(test_mirror_end_to_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
