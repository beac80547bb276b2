/*
 * What the organization-management routes (DESIGN 12.2) read from the
 * mirror: the organization and the member a path names, the last-admin
 * rule's count and lock, and the organization's invitations as the API
 * shows them (a pending invitation past expires_at reads "expired").
 * Each function runs on the caller's connection; returns 1 found, 0 not
 * found, -1 on a database error (db_errmsg(c)) unless it says otherwise.
 */
#ifndef ACCOUNTS_ORG_MANAGE_H
#define ACCOUNTS_ORG_MANAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/mem.h"
#include "db/db.h"

/* The role the last-admin rule protects. */
#define ORG_MANAGE_ADMIN_ROLE "org:admin"

/* The organization ref names (its local id or "org_..."): *org_id and
 * *clerk_id (in a). */
int org_manage_org(struct db_conn *c, const char *ref, struct arena *a,
    int64_t *org_id, const char **clerk_id) MUST_CHECK;

/* A user named by a path, and their place in one organization. */
struct org_member {
	int64_t     user_id;  /* local; 0 when the user is not mirrored */
	const char *clerk_id; /* the Clerk user id */
	const char *role;     /* in the organization; NULL: not a member */
};

/*
 * The user ref names (a local id, or a Clerk id "user_..." that need not
 * be mirrored) and their membership of org_id: 1 with *m (in a), 0 when
 * ref is a local id of no user or neither form.
 */
int org_manage_member(struct db_conn *c, int64_t org_id, const char *ref,
    struct arena *a, struct org_member *m) MUST_CHECK;

/* True when role is the admin role ("admin" being its unprefixed form). */
bool org_manage_is_admin(const char *role) MUST_CHECK;

/*
 * Inside a transaction: holds org_id's admins still until it ends
 * (PostgreSQL: the organization's row locked; SQLite: BEGIN IMMEDIATE
 * already holds the database) and counts into *others those of them
 * other than user_id, as they are once the lock is held. 0, or -1.
 */
int org_manage_lock_admins(struct db_conn *c, int64_t org_id, int64_t user_id,
    int64_t *others) MUST_CHECK;

/*
 * The invitations of org_id, newest first, as of now_ms: {"data":
 * [{clerk_id, email_address, role, status, expires_at, created_at}],
 * "total_count"}; status (NULL: any) filters on the status as read.
 * Times are Unix ms.
 */
int org_manage_invitations(struct db_conn *c, int64_t org_id,
    const char *status, int64_t now_ms, int64_t limit, int64_t offset,
    json_t **out) MUST_CHECK;
/* One invitation by its Clerk id, in the shape of the list's items. */
int org_manage_invitation(struct db_conn *c, const char *clerk_id,
    int64_t now_ms, json_t **out) MUST_CHECK;
/*
 * The list's item for an OrganizationInvitation as Clerk answered it (a
 * new reference), for when the mirror does not hold it.
 */
json_t *org_manage_invitation_from_clerk(const json_t *inv,
    int64_t                                            now_ms) MUST_CHECK;

#endif
