/*
 * Every write to the organizations table, for the admin and for the
 * mirror of Clerk's organizations (accounts/clerk_sync.c): one statement
 * each, on the caller's connection, inside the caller's transaction when
 * there is one. Each returns 0, or -1 on a database error (db_errmsg(c)
 * has the detail), unless it says otherwise.
 */
#ifndef ACCOUNTS_ORGS_H
#define ACCOUNTS_ORGS_H

#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

/* The columns of an organization that a write sets; NULL stores NULL. */
struct org_values {
	const char *clerk_id; /* NULL: made in the admin */
	const char *name;     /* never NULL */
	const char *slug;
	const char *image_url;
	int64_t     clerk_updated_at; /* ms, or DB_NO_INT */
	const char *now;              /* created_at and updated_at */
};

/*
 * Inserts o: 1 with *id set, 0 when an organization already has its
 * clerk_id, -1 on error.
 */
int org_add(struct db_conn *c, const struct org_values *o,
    int64_t *id) MUST_CHECK;
/* The admin's change form: name, slug, image_url and updated_at of id. */
int org_update(struct db_conn *c, int64_t id,
    const struct org_values *o) MUST_CHECK;
/*
 * Clerk's organization o onto the row with its clerk_id, unless the row is
 * newer or already holds exactly this; *changed gets the rows written.
 */
int org_mirror_update(struct db_conn *c, const struct org_values *o,
    int64_t *changed) MUST_CHECK;
/* Deletes organization id (its memberships go with it). */
int org_delete(struct db_conn *c, int64_t id) MUST_CHECK;
/* Deletes the organization mirrored for clerk_id, if any. */
int org_delete_by_clerk(struct db_conn *c, const char *clerk_id) MUST_CHECK;

#endif
