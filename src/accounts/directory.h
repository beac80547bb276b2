/*
 * Read-side queries of the REST API over the mirror: the signed-in user,
 * their organizations with their role, and an organization's members.
 * Each builds the JSON the API answers with (owned by the caller).
 * Returns 1 found, 0 not found (or not a member), -1 on a database error.
 */
#ifndef ACCOUNTS_DIRECTORY_H
#define ACCOUNTS_DIRECTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/mem.h"
#include "db/db.h"

/* The local id of the user mirrored for clerk_user_id. */
int directory_user_id(struct db_conn *c, const char *clerk_user_id,
    int64_t *user_id) MUST_CHECK;
/* 1 when clerk_id was deleted (clerk_tombstones), 0 when not. */
int directory_is_tombstoned(struct db_conn *c, const char *clerk_id) MUST_CHECK;
/* {id, clerk_id, email, first_name, last_name, username, image_url,
 *  organizations: [{id, clerk_id, name, slug, role}]} */
int directory_user_me(struct db_conn *c, int64_t user_id,
    json_t **out) MUST_CHECK;

/* A session's active organization as users/me shows it: org_id NULL when
 * there is none; role and slug may be NULL; permissions_json is the text
 * of a JSON array. */
struct directory_active_org {
	const char *org_id;
	const char *role;
	const char *slug;
	const char *permissions_json;
};

/* What users/me shows of the session token (DESIGN 11.3): the lists are
 * the text of JSON arrays of strings; actor may be NULL. */
struct directory_me_claims {
	const char                 *session_id;
	const char                 *actor;
	const char                 *features_json;
	const char                 *plans_json;
	struct directory_active_org org;
};

/*
 * directory_user_id and users/me's body in one statement: the id of the
 * active user mirrored for clerk_user_id and the text of
 * directory_user_me's object plus "active_organization" (m->org),
 * "session_id", "actor", "features" and "plans", rendered by the database
 * into arena. *text is NULL when the stored strings are not valid UTF-8
 * (build the body from directory_user_me then).
 */
int directory_user_me_text(struct db_conn *c, const char *clerk_user_id,
    const struct directory_me_claims *m, struct arena *arena, int64_t *user_id,
    const char **text, size_t *len) MUST_CHECK;
/* {"data": [{id, clerk_id, name, slug, image_url, role}], "total_count"} */
int directory_user_orgs(struct db_conn *c, int64_t user_id, int64_t limit,
    int64_t offset, json_t **out) MUST_CHECK;

/* A query of one organization, in its two forms. */
struct directory_org_sql {
	const char *by_clerk; /* the last parameter is the Clerk id */
	const char *by_id;    /* the last parameter is the local id */
};

/*
 * Runs the query of the organization ref names, by its Clerk id
 * ("org_...") or its local id: params holds n parameters, the last of
 * which is set here to the reference. NULL with *unknown set when ref is
 * neither (no query runs); NULL on a database error.
 */
struct db_rows *directory_org_query(struct db_conn *c,
    const struct directory_org_sql *sql, const char *ref,
    struct db_param *params, size_t n, bool *unknown) MUST_CHECK;
/* The organization (local id or "org_..." Clerk id) with the caller's role;
 * *org_id gets its local id. */
int directory_org_for_member(struct db_conn *c, int64_t user_id,
    const char *ref, json_t **out, int64_t *org_id) MUST_CHECK;
/*
 * The organization ref names when it is clerk_org_id itself (an
 * organization's own API key, DESIGN 13), as directory_org_for_member
 * answers it, with a null role; 0 for any other organization.
 */
int directory_org_as_itself(struct db_conn *c, const char *clerk_org_id,
    const char *ref, json_t **out, int64_t *org_id) MUST_CHECK;
/*
 * {"data": [{"user": {...}, "role", "permissions"}], "total_count"} of a
 * local org id; permissions are the membership's keys (its own, else its
 * role's, as the route requirements read them).
 */
int directory_org_members(struct db_conn *c, int64_t org_id, int64_t limit,
    int64_t offset, json_t **out) MUST_CHECK;
/* One entry of that list: the member clerk_user_id of org_id. */
int directory_org_member(struct db_conn *c, int64_t org_id,
    const char *clerk_user_id, json_t **out) MUST_CHECK;

#endif
