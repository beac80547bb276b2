/*
 * Unit tests for src/accounts/membership_permissions.c against a migrated
 * in-memory SQLite database: the organization by local or Clerk id, the
 * membership's own permissions, its role's in the catalog (either
 * spelling of the key), Clerk's default roles while the catalog is empty,
 * and the answers for non-members, unknown organizations and bad data.
 */
#include "accounts/membership_permissions.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clerk/has.h"
#include "memdb.h"

static const char seed[] =
    "INSERT INTO users (id, clerk_id, email) VALUES "
    "(1, 'user_a', 'a@x.io'), (2, 'user_b', 'b@x.io'), "
    "(3, 'user_c', 'c@x.io');"
    "INSERT INTO organizations (id, clerk_id, name, slug) VALUES "
    "(10, 'org_acme', 'Acme', 'acme'), (11, 'org_globex', 'Globex', "
    "'globex'), (12, 'org_initech', 'Initech', 'initech');"
    "INSERT INTO organization_memberships (user_id, organization_id, role, "
    "permissions) VALUES "
    "(1, 10, 'org:admin', "
    "'[\"org:sys_memberships:manage\",\"org:x:read\"]'), "
    "(1, 11, 'org:member', NULL), (1, 12, 'org:editor', NULL), "
    "(2, 10, 'org:member', '[]'), (2, 11, 'org:admin', '{\"a\":1}'), "
    "(2, 12, 'org:member', 'not json'), (3, 11, 'org:admin', NULL);";

/* The catalog: org:member and editor (stored without its prefix). */
static const char catalog[] =
    "INSERT INTO roles (id, clerk_id, key, name) VALUES "
    "(1, 'role_m', 'org:member', 'Member'), "
    "(2, 'role_e', 'editor', 'Editor');"
    "INSERT INTO permissions (id, clerk_id, key, name) VALUES "
    "(1, 'perm_1', 'org:x:read', 'Read'), "
    "(2, 'perm_2', 'org:sys_memberships:read', 'Members'), "
    "(3, 'perm_3', 'org:x:write', 'Write');"
    "INSERT INTO role_permissions (role_id, permission_id) VALUES "
    "(1, 1), (2, 1), (2, 3);";

struct fixture {
	struct db      *db;
	struct arena   *a;
	struct db_conn *c;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->db = memdb_open();
	memdb_exec(f->db, seed);
	f->a = arena_new();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->c != NULL)
		db_release(f->db, f->c);
	arena_free(f->a);
	db_close(f->db);
	free(f);
	return 0;
}

/* membership_permissions_of on the fixture's connection. */
static int
read_of(struct fixture *f, int64_t user_id, const char *ref,
    struct membership_permissions *m)
{
	if (f->c == NULL)
		f->c = db_acquire(f->db);
	assert_non_null(f->c);
	return membership_permissions_of(f->c, user_id, ref, f->a, m);
}

/* Asserts m's keys are exactly the n of want, in order. */
static void
assert_keys(const struct membership_permissions *m, const char *const *want,
    size_t n)
{
	size_t i;

	assert_int_equal(m->n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(m->keys[i], want[i]);
}

static void
test_not_a_member(void **state)
{
	static const char *const refs[] = {"org_missing", "999", "abc", "0",
	    "-10", "", "10x", "org_"};
	struct fixture          *f = *state;
	struct membership_permissions m;
	size_t                        i;

	assert_int_equal(read_of(f, 3, "10", &m), 0);
	assert_int_equal(read_of(f, 3, "org_acme", &m), 0);
	assert_int_equal(read_of(f, 99, "10", &m), 0);
	for (i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		assert_int_equal(read_of(f, 1, refs[i], &m), 0);
}

/* The membership's own list, by either id of the organization. */
static void
test_own_permissions(void **state)
{
	static const char *const      want[] = {"org:sys_memberships:manage",
	         "org:x:read"};
	struct fixture               *f = *state;
	struct membership_permissions m;

	assert_int_equal(read_of(f, 1, "10", &m), 1);
	assert_int_equal(m.source, MEMBERSHIP_PERMS_OWN);
	assert_int_equal(m.org_id, 10);
	assert_string_equal(m.role, "org:admin");
	assert_keys(&m, want, 2);
	assert_int_equal(read_of(f, 1, "org_acme", &m), 1);
	assert_int_equal(m.org_id, 10);
	assert_keys(&m, want, 2);
}

/* An empty list is a list; text that is not one grants nothing. */
static void
test_own_empty_or_malformed(void **state)
{
	struct fixture               *f = *state;
	struct membership_permissions m;

	assert_int_equal(read_of(f, 2, "10", &m), 1);
	assert_int_equal(m.source, MEMBERSHIP_PERMS_OWN);
	assert_int_equal(m.n, 0);
	assert_int_equal(read_of(f, 2, "11", &m), 1);
	assert_int_equal(m.source, MEMBERSHIP_PERMS_OWN);
	assert_int_equal(m.n, 0);
	assert_int_equal(read_of(f, 2, "org_initech", &m), 1);
	assert_int_equal(m.n, 0);
}

/* No catalog yet: Clerk's default roles (reference/clerk.md 9.5). */
static void
test_defaults_while_the_catalog_is_empty(void **state)
{
	static const char *const      member[] = {"org:sys_memberships:read",
	         "org:sys_billing:read"};
	struct fixture               *f = *state;
	struct membership_permissions m;
	size_t                        i;

	assert_int_equal(read_of(f, 1, "11", &m), 1);
	assert_int_equal(m.source, MEMBERSHIP_PERMS_DEFAULTS);
	assert_keys(&m, member, 2);
	assert_int_equal(read_of(f, 3, "org_globex", &m), 1);
	assert_int_equal(m.source, MEMBERSHIP_PERMS_DEFAULTS);
	assert_int_equal(m.n, HAS_SYSTEM_PERMISSIONS);
	for (i = 0; i < m.n; i++)
		assert_string_equal(m.keys[i], has_system_permissions[i]);
	/* A custom role holds nothing by default. */
	assert_int_equal(read_of(f, 1, "12", &m), 1);
	assert_int_equal(m.source, MEMBERSHIP_PERMS_DEFAULTS);
	assert_int_equal(m.n, 0);
}

/* With a catalog: the role's permissions, and none for a role it lacks. */
static void
test_role_catalog(void **state)
{
	static const char *const      member[] = {"org:x:read"};
	static const char *const      editor[] = {"org:x:read", "org:x:write"};
	struct fixture               *f = *state;
	struct membership_permissions m;

	memdb_exec(f->db, catalog);
	assert_int_equal(read_of(f, 1, "11", &m), 1);
	assert_int_equal(m.source, MEMBERSHIP_PERMS_ROLE);
	assert_keys(&m, member, 1);
	/* org:editor finds the catalog's "editor". */
	assert_int_equal(read_of(f, 1, "12", &m), 1);
	assert_int_equal(m.source, MEMBERSHIP_PERMS_ROLE);
	assert_keys(&m, editor, 2);
	/* org:admin is not in this catalog: no defaults once there is one. */
	assert_int_equal(read_of(f, 3, "11", &m), 1);
	assert_int_equal(m.source, MEMBERSHIP_PERMS_ROLE);
	assert_int_equal(m.n, 0);
	/* The membership's own list still wins. */
	assert_int_equal(read_of(f, 1, "10", &m), 1);
	assert_int_equal(m.source, MEMBERSHIP_PERMS_OWN);
}

/* Both spellings in the catalog: the prefixed key's role wins. */
static void
test_prefixed_role_wins(void **state)
{
	static const char *const      want[] = {"org:sys_memberships:read"};
	struct fixture               *f = *state;
	struct membership_permissions m;

	memdb_exec(f->db, catalog);
	memdb_exec(f->db,
	    "INSERT INTO roles (id, clerk_id, key) VALUES "
	    "(3, 'role_e2', 'org:editor');"
	    "INSERT INTO role_permissions VALUES (3, 2);");
	assert_int_equal(read_of(f, 1, "12", &m), 1);
	assert_keys(&m, want, 1);
}

#define TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_not_a_member),
	    TEST(test_own_permissions),
	    TEST(test_own_empty_or_malformed),
	    TEST(test_defaults_while_the_catalog_is_empty),
	    TEST(test_role_catalog),
	    TEST(test_prefixed_role_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
