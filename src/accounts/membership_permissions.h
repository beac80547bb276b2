/*
 * What a member may do in an organization, from the mirror (DESIGN 11.2):
 * the permission keys an organization-scoped route requirement is checked
 * against. System permissions (org:sys_*) never appear in session tokens,
 * so they are read here: the membership's own permissions when Clerk sent
 * them, else its role's in the role catalog, else, while the catalog is
 * empty, what Clerk's default roles hold (reference/clerk.md 9.5).
 */
#ifndef ACCOUNTS_MEMBERSHIP_PERMISSIONS_H
#define ACCOUNTS_MEMBERSHIP_PERMISSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/mem.h"
#include "db/db.h"

/* Where a membership's permissions came from. */
enum membership_permissions_source {
	MEMBERSHIP_PERMS_OWN,      /* organization_memberships.permissions */
	MEMBERSHIP_PERMS_ROLE,     /* role_permissions of its role */
	MEMBERSHIP_PERMS_DEFAULTS, /* Clerk's default roles: empty catalog */
};

/* A member's permissions; strings and array in the caller's arena. */
struct membership_permissions {
	int64_t                            org_id; /* local organizations.id */
	const char                        *role;
	const char *const                 *keys; /* "org:<feature>:<action>" */
	size_t                             n;
	enum membership_permissions_source source;
};

/*
 * The permissions of user_id in the organization org_ref (its local id or
 * its Clerk id "org_..."): 1 with *out filled, 0 when the organization
 * does not exist or the user is not a member of it, -1 on a database
 * error (db_errmsg(c)). A permissions column that is not a JSON array of
 * strings grants nothing, nor does a role the catalog does not hold.
 */
int membership_permissions_of(struct db_conn *c, int64_t user_id,
    const char *org_ref, struct arena *a,
    struct membership_permissions *out) MUST_CHECK;

#endif
