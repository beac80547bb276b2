/*
 * The instance's role and permission catalog (DESIGN sections 3 and
 * 12.3): every write to roles, permissions and role_permissions, for the
 * mirror of Clerk's role.* and permission.* events (accounts/
 * clerk_catalog.c). One statement each, on the caller's connection,
 * inside the caller's transaction. Each returns 0, or -1 on a database
 * error (db_errmsg(c) has the detail), unless it says otherwise.
 */
#ifndef ACCOUNTS_ROLES_H
#define ACCOUNTS_ROLES_H

#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

/* Which table of the catalog. */
enum catalog_kind {
	CATALOG_ROLE = 0,
	CATALOG_PERMISSION,
};

/* The columns of a role or a permission; NULL stores NULL. */
struct catalog_values {
	const char *clerk_id; /* "role_..." or "perm_..." */
	const char *key;      /* "org:billing", "org:invoices:read" */
	const char *name;     /* never NULL */
	const char *description;
	const char *type;             /* permissions only: "system", "custom" */
	int64_t     clerk_updated_at; /* ms */
	const char *now;              /* created_at and updated_at */
};

/*
 * Inserts v, or writes it over the row with its clerk_id unless that row
 * is newer or already holds exactly this; *changed gets the rows written.
 * Another row holding v's key must be gone first (catalog_key_holder).
 */
int catalog_mirror_upsert(struct db_conn *c, enum catalog_kind k,
    const struct catalog_values *v, int64_t *changed) MUST_CHECK;
/* The local id and clerk_updated_at (DB_NO_INT when NULL) of clerk_id:
 * 1, 0 when there is none, -1. */
int catalog_find(struct db_conn *c, enum catalog_kind k, const char *clerk_id,
    int64_t *id, int64_t *updated_at) MUST_CHECK;
/*
 * The row that holds key under another Clerk id than clerk_id (the key
 * is unique: one deleted in Clerk whose deletion has not arrived yet): 1
 * with its *id and *updated_at (DB_NO_INT when NULL), 0 when none, -1.
 */
int catalog_key_holder(struct db_conn *c, enum catalog_kind k, const char *key,
    const char *clerk_id, int64_t *id, int64_t *updated_at) MUST_CHECK;
/* Deletes row id (its role_permissions go with it). */
int catalog_delete(struct db_conn *c, enum catalog_kind k,
    int64_t id) MUST_CHECK;
/* Deletes the role mirrored for clerk_id, if any. */
int role_delete_by_clerk(struct db_conn *c, const char *clerk_id) MUST_CHECK;
/* Deletes the permission mirrored for clerk_id, if any. */
int permission_delete_by_clerk(struct db_conn *c,
    const char                                *clerk_id) MUST_CHECK;
/* Empties the permission set of role role_id. */
int role_permissions_clear(struct db_conn *c, int64_t role_id) MUST_CHECK;
/* Adds the permission whose key is key (if mirrored) to role role_id. */
int role_permissions_add(struct db_conn *c, int64_t role_id,
    const char *key) MUST_CHECK;

#endif
