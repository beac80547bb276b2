/*
 * Every write to the organization_memberships table, for the admin and for
 * the mirror of Clerk's memberships (accounts/clerk_sync.c): one statement
 * each, on the caller's connection, inside the caller's transaction when
 * there is one. Each returns 0, or -1 on a database error (db_errmsg(c)
 * has the detail), unless it says otherwise.
 */
#ifndef ACCOUNTS_MEMBERSHIPS_H
#define ACCOUNTS_MEMBERSHIPS_H

#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

/* The columns of a membership that a write sets. */
struct membership_values {
	const char *clerk_id; /* NULL: made in the admin */
	int64_t     user_id;
	int64_t     org_id;
	const char *role;
	/* The permission keys as a JSON array's text; NULL: unknown. */
	const char *permissions;
	int64_t     clerk_updated_at; /* ms, or DB_NO_INT */
	const char *now;              /* created_at and updated_at */
};

/*
 * Inserts m: 1 with *id set (id may be NULL), 0 when its user is already a
 * member of its organization or its clerk_id is taken, -1 on error.
 */
int membership_add(struct db_conn *c, const struct membership_values *m,
    int64_t *id) MUST_CHECK;
/*
 * Sets the role (and updated_at) of membership id of organization org_id.
 * Its permissions become unknown (NULL): they were the old role's.
 */
int membership_set_role(struct db_conn *c, int64_t id, int64_t org_id,
    const char *role, const char *now) MUST_CHECK;
/*
 * Clerk's membership m onto the row with its clerk_id, unless that row is
 * newer or has this role and these permissions already; *changed gets the
 * rows written.
 */
int membership_mirror_update(struct db_conn *c,
    const struct membership_values *m, int64_t *changed) MUST_CHECK;
/*
 * The same onto the row of m's user and organization (a membership made
 * before Clerk's id was known), which then takes m's clerk_id.
 */
int membership_mirror_update_pair(struct db_conn *c,
    const struct membership_values *m, int64_t *changed) MUST_CHECK;
/* Deletes membership id. */
int membership_delete(struct db_conn *c, int64_t id) MUST_CHECK;
/* Deletes membership id if it belongs to organization org_id. */
int membership_delete_in_org(struct db_conn *c, int64_t id,
    int64_t org_id) MUST_CHECK;
/* Deletes the membership mirrored for clerk_id; *changed (may be NULL)
 * gets the rows deleted. */
int membership_delete_by_clerk(struct db_conn *c, const char *clerk_id,
    int64_t *changed) MUST_CHECK;
/* Deletes the membership of the users and organizations mirrored for
 * user_clerk_id and org_clerk_id. */
int membership_delete_by_parties(struct db_conn *c, const char *user_clerk_id,
    const char *org_clerk_id) MUST_CHECK;

#endif
