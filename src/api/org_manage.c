/*
 * An organization's profile, its deletion and its members' roles and
 * removal, through Clerk (see org_manage.h). The last-admin rule (DESIGN
 * 12.2) is checked on the mirror; a change that would leave the
 * organization without an admin holds the organization's admins still
 * from the check to the mirror's update, across Clerk's call, so that two
 * such requests (on any instance) cannot both pass the check: PostgreSQL
 * locks the organization's row; SQLite's write transaction holds the
 * whole database, which only these rare changes do, and only for as long
 * as Clerk takes to answer (10 s at most).
 */
#include "api/org_manage.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "accounts/directory.h"
#include "accounts/org_manage.h"
#include "api/clerk_write.h"
#include "api/params.h"
#include "http/req.h"

#define LAST_ADMIN "An organization needs at least one admin"

int
api_org_target(struct req *r, struct db_conn *c, int64_t *org_id,
    const char **clerk_id)
{
	struct str ref = req_param(r, "id");
	int rc = org_manage_org(c, arena_strndup(r->arena, ref.p, ref.len),
	    r->arena, org_id, clerk_id);

	if (rc == -1)
		return api_db_failed(r, c);
	if (rc == 0 || !api_clerk_id_ok(*clerk_id))
		return resp_detail(r, HTTP_NOT_FOUND, "Organization not found");
	return 0;
}

/* {name?, slug?} of a PATCH: 0 with *out (Clerk's body), else 422. */
static int
profile_change(struct req *r, const json_t *body, json_t **out)
{
	static const char *const fields[] = {"name", "slug"};
	json_t                  *errors = json_array();
	const char              *v;
	size_t                   i;

	*out = json_object();
	for (i = 0; i < ARRAY_LEN(fields); i++) {
		if (api_body_string(body, fields[i], &v, errors) == 1)
			json_object_set_new(*out, fields[i], json_string(v));
	}
	if (json_array_size(errors) == 0) {
		json_decref(errors);
		return 0;
	}
	json_decref(*out);
	*out = NULL;
	return api_body_invalid(r, errors);
}

int
api_org_patch(struct req *r)
{
	struct clerk_api_answer a = {0};
	struct db_conn         *c;
	json_t                 *body = NULL, *change = NULL, *org = NULL;
	const char             *clerk_id;
	char                    path[160];
	int64_t                 org_id;
	int                     status;

	if ((status = api_body_object(r, &body)) != 0 ||
	    (status = profile_change(r, body, &change)) != 0)
		goto out;
	if ((c = req_db(r)) == NULL) {
		status = HTTP_SERVICE_UNAVAILABLE;
		goto out;
	}
	if ((status = api_org_target(r, c, &org_id, &clerk_id)) != 0)
		goto out;
	(void)snprintf(path, sizeof(path), "/v1/organizations/%s", clerk_id);
	if ((status = api_clerk_write(r, "PATCH", path, change, &a)) != 0 ||
	    (status = api_clerk_mirror(r, c, "organization.updated", a.json,
	         false)) != 0)
		goto out;
	/* As GET answers it: the mirror, now holding Clerk's answer. */
	switch (directory_org_for_member(c, r->auth.user_id, clerk_id, &org,
	    &org_id)) {
	case 1:
		status = resp_json(r, HTTP_OK, org);
		break;
	case 0:
		status =
		    resp_detail(r, HTTP_NOT_FOUND, "Organization not found");
		break;
	default:
		status = api_db_failed(r, c);
	}
out:
	clerk_api_answer_cleanup(&a);
	json_decref(change);
	json_decref(body);
	return status;
}

int
api_org_delete(struct req *r)
{
	struct clerk_api_answer a = {0};
	struct db_conn         *c;
	const char             *clerk_id;
	char                    path[160];
	int64_t                 org_id;
	int                     status;

	if ((c = req_db(r)) == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	if ((status = api_org_target(r, c, &org_id, &clerk_id)) != 0)
		return status;
	(void)snprintf(path, sizeof(path), "/v1/organizations/%s", clerk_id);
	if ((status = api_clerk_write(r, "DELETE", path, NULL, &a)) != 0)
		return status;
	/* Clerk's DeletedObject: the organization leaves the mirror with its
	 * memberships and invitations, tombstoned. */
	status = api_clerk_mirror(r, c, "organization.deleted", a.json, false);
	clerk_api_answer_cleanup(&a);
	if (status != 0)
		return status;
	return resp_bytes(r, HTTP_NO_CONTENT, NULL, "", 0);
}

/* The role of a PATCH, "org:"-prefixed: 0 with *role, else 422. */
static int
member_role(struct req *r, const json_t *body, const char **role)
{
	json_t     *errors = json_array();
	const char *v = NULL;
	int         rc = api_body_string(body, "role", &v, errors);

	if (rc == 0)
		api_body_error(errors, "missing", "role", "Field required",
		    body);
	else if (rc == 1 && *v == '\0')
		api_body_error(errors, "string_too_short", "role",
		    "String should have at least 1 character",
		    json_object_get(body, "role"));
	if (json_array_size(errors) > 0)
		return api_body_invalid(r, errors);
	json_decref(errors);
	*role = strncmp(v, "org:", 4) == 0
	    ? v
	    : arena_printf(r->arena, "org:%s", v);
	return 0;
}

/* The organization and the member the path names: 0, else answered. */
static int
member_target(struct req *r, struct db_conn *c, int64_t *org_id,
    const char **org_clerk_id, struct org_member *m)
{
	struct str ref = req_param(r, "user_id");
	int        rc;

	if ((rc = api_org_target(r, c, org_id, org_clerk_id)) != 0)
		return rc;
	rc = org_manage_member(c, *org_id,
	    arena_strndup(r->arena, ref.p, ref.len), r->arena, m);
	if (rc == -1)
		return api_db_failed(r, c);
	if (rc == 0 || !api_clerk_id_ok(m->clerk_id))
		return resp_detail(r, HTTP_NOT_FOUND, "User not found");
	return 0;
}

/*
 * Before a change that takes the admin role from a member: the
 * transaction that holds the organization's admins until the mirror has
 * Clerk's answer, and the rule. 0 (the transaction open), else answered.
 */
static int
hold_admins(struct req *r, struct db_conn *c, int64_t org_id, int64_t user_id)
{
	int64_t others = 0;

	if (db_begin(c) == -1 ||
	    org_manage_lock_admins(c, org_id, user_id, &others) == -1) {
		(void)!db_rollback(c);
		return api_db_failed(r, c);
	}
	/* The member will not be an admin: another must be. */
	if (others == 0) {
		(void)!db_rollback(c);
		return resp_detail(r, HTTP_CONFLICT, LAST_ADMIN);
	}
	return 0;
}

/*
 * The Clerk call of a member change (body NULL: the removal) and its
 * answer mirrored as type, under the last-admin rule when the member is
 * an admin who would no longer be one: 0 with *org_id and *m, else
 * answered.
 */
static int
member_write(struct req *r, struct db_conn *c, const json_t *body,
    const char *type, int64_t *org_id, struct org_member *m)
{
	struct clerk_api_answer a = {0};
	const char             *org, *role = NULL;
	char                    path[256];
	bool                    held;
	int                     status;

	if ((status = member_target(r, c, org_id, &org, m)) != 0)
		return status;
	if (body != NULL)
		role = json_string_value(json_object_get(body, "role"));
	held = org_manage_is_admin(m->role) && !org_manage_is_admin(role);
	if (held && (status = hold_admins(r, c, *org_id, m->user_id)) != 0)
		return status;
	(void)snprintf(path, sizeof(path),
	    "/v1/organizations/%s/memberships/%s", org, m->clerk_id);
	if ((status = api_clerk_write(r, body != NULL ? "PATCH" : "DELETE",
	         path, body, &a)) != 0) {
		if (held)
			(void)!db_rollback(c);
		return status;
	}
	status = api_clerk_mirror(r, c, type, a.json, held);
	clerk_api_answer_cleanup(&a);
	return status;
}

int
api_org_member_patch(struct req *r)
{
	struct org_member m;
	struct db_conn   *c;
	json_t           *body = NULL, *change = NULL, *entry = NULL;
	const char       *role = NULL;
	int64_t           org_id;
	int               status;

	if ((status = api_body_object(r, &body)) != 0 ||
	    (status = member_role(r, body, &role)) != 0)
		goto out;
	if ((c = req_db(r)) == NULL) {
		status = HTTP_SERVICE_UNAVAILABLE;
		goto out;
	}
	change = json_pack("{s:s}", "role", role);
	if ((status = member_write(r, c, change,
	         "organizationMembership.updated", &org_id, &m)) != 0)
		goto out;
	/* The entry of /members, as the mirror now holds it. */
	switch (directory_org_member(c, org_id, m.clerk_id, &entry)) {
	case 1:
		status = resp_json(r, HTTP_OK, entry);
		break;
	case 0:
		status = resp_detail(r, HTTP_NOT_FOUND, "User not found");
		break;
	default:
		status = api_db_failed(r, c);
	}
out:
	json_decref(change);
	json_decref(body);
	return status;
}

int
api_org_member_delete(struct req *r)
{
	struct org_member m;
	struct db_conn   *c;
	int64_t           org_id;
	int               status;

	if ((c = req_db(r)) == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	/* Clerk answers the removed membership (reference/clerk.md 7). */
	if ((status = member_write(r, c, NULL, "organizationMembership.deleted",
	         &org_id, &m)) != 0)
		return status;
	return resp_bytes(r, HTTP_NO_CONTENT, NULL, "", 0);
}
