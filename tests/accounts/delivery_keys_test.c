/*
 * Unit tests for clerk_delivery_lock_keys() (src/accounts/clerk_delivery.c):
 * the keys a delivery's writer locks before applying it. Two deliveries
 * that can write one row must share a key (a membership and its
 * organization's event, two memberships of one user); the svix id is
 * always one; payloads without the fields give fewer keys, never garbage.
 */
#include "accounts/clerk_delivery.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* Keys of a delivery with svix id and payload text; *n gets how many. */
static void
keys_of(const char *svix_id, const char *payload, int64_t *keys, size_t *n)
{
	json_error_t    err;
	json_t         *event = json_loads(payload, 0, &err);
	struct delivery d;

	assert_non_null(event);
	memset(&d, 0, sizeof(d));
	d.svix_id = svix_id;
	d.event = event;
	*n = clerk_delivery_lock_keys(&d, keys, DELIVERY_LOCK_KEYS);
	json_decref(event);
}

static bool
shares_key(const int64_t *a, size_t na, const int64_t *b, size_t nb)
{
	for (size_t i = 0; i < na; i++) {
		for (size_t j = 0; j < nb; j++) {
			if (a[i] == b[j])
				return true;
		}
	}
	return false;
}

static const char membership_a[] =
    "{\"type\":\"organizationMembership.created\",\"data\":{"
    "\"id\":\"orgmem_1\",\"organization\":{\"id\":\"org_acme\"},"
    "\"public_user_data\":{\"user_id\":\"user_alice\"}}}";
static const char membership_b[] =
    "{\"type\":\"organizationMembership.created\",\"data\":{"
    "\"id\":\"orgmem_2\",\"organization\":{\"id\":\"org_globex\"},"
    "\"public_user_data\":{\"user_id\":\"user_alice\"}}}";
static const char org_acme[] =
    "{\"type\":\"organization.updated\",\"data\":{\"id\":\"org_acme\"}}";
static const char user_bob[] =
    "{\"type\":\"user.created\",\"data\":{\"id\":\"user_bob\"}}";

static void
test_membership_names_its_organization_and_user(void **state)
{
	int64_t a[DELIVERY_LOCK_KEYS], b[DELIVERY_LOCK_KEYS];
	int64_t o[DELIVERY_LOCK_KEYS], u[DELIVERY_LOCK_KEYS];
	size_t  na, nb, no, nu;

	(void)state;
	keys_of("msg_1", membership_a, a, &na);
	keys_of("msg_2", membership_b, b, &nb);
	keys_of("msg_3", org_acme, o, &no);
	keys_of("msg_4", user_bob, u, &nu);
	assert_int_equal(na, 4); /* svix id, membership, organization, user */
	assert_int_equal(no, 2);
	assert_int_equal(nu, 2);
	assert_true(shares_key(a, na, b, nb));  /* the same user */
	assert_true(shares_key(a, na, o, no));  /* the same organization */
	assert_false(shares_key(b, nb, o, no)); /* nothing in common */
	assert_false(shares_key(u, nu, a, na));
}

static void
test_other_shapes(void **state)
{
	int64_t k[DELIVERY_LOCK_KEYS], s[DELIVERY_LOCK_KEYS];
	size_t  n, ns;

	(void)state;
	/* An invitation and a session name their organization and user. */
	keys_of("msg_5",
	    "{\"type\":\"organizationInvitation.created\",\"data\":{"
	    "\"id\":\"orginv_1\",\"organization_id\":\"org_acme\"}}",
	    k, &n);
	assert_int_equal(n, 3);
	keys_of("msg_6",
	    "{\"type\":\"session.created\",\"data\":{\"id\":\"sess_1\","
	    "\"user_id\":\"user_bob\"}}",
	    s, &ns);
	assert_int_equal(ns, 3);
	/* Fields of the wrong type or empty give no key; the svix id stays. */
	keys_of("msg_7",
	    "{\"type\":\"user.created\",\"data\":{\"id\":7,"
	    "\"organization\":\"org_x\",\"user_id\":\"\"}}",
	    k, &n);
	assert_int_equal(n, 1);
	/* The same svix id twice: one key, so duplicates wait for each other.
	 */
	keys_of("msg_7", "{\"type\":\"x\",\"data\":{}}", s, &ns);
	assert_int_equal(ns, 1);
	assert_true(k[0] == s[0]);
}

static void
test_bounded_by_max(void **state)
{
	json_t         *event = json_loads(membership_a, 0, NULL);
	struct delivery d;
	int64_t         keys[2];

	(void)state;
	assert_non_null(event);
	memset(&d, 0, sizeof(d));
	d.svix_id = "msg_1";
	d.event = event;
	assert_int_equal(clerk_delivery_lock_keys(&d, keys, 2), 2);
	json_decref(event);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_membership_names_its_organization_and_user),
	    cmocka_unit_test(test_other_shapes),
	    cmocka_unit_test(test_bounded_by_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
