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
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "accounts/directory.h"
#include "accounts/org_manage.h"
#include "api/clerk_write.h"
#include "api/params.h"
#include "http/req.h"

#define LAST_ADMIN "An organization needs at least one admin"

/* The organization of {id}: 0 with *org, else the status answered. */
static int
org_target(struct req *r, struct db_conn *c, struct api_org *org)
{
	struct str ref = req_param(r, "id");
	int rc = org_manage_org(c, arena_strndup(r->arena, ref.p, ref.len),
	    r->arena, &org->id, &org->clerk_id);

	if (rc == -1)
		return api_db_failed(r, c);
	if (rc == 0 || !api_clerk_id_ok(org->clerk_id))
		return resp_detail(r, HTTP_NOT_FOUND, "Organization not found");
	return 0;
}

int
api_org_start(struct req *r, api_body_fn build, json_t **send,
    struct db_conn **c, struct api_org *org)
{
	json_t *body = NULL;
	int     status;

	if (build != NULL) {
		*send = NULL;
		if ((status = api_body_object(r, &body)) != 0)
			return status;
		status = build(r, body, send);
		json_decref(body);
		if (status != 0)
			return status;
	}
	if ((*c = req_db(r)) == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	return org_target(r, *c, org);
}

int
api_org_clerk(struct req *r, const struct api_org *org, const char *method,
    const char *suffix, const json_t *body, struct clerk_api_answer *a)
{
	char path[256];
	int  n = snprintf(path, sizeof(path), "/v1/organizations/%s%s",
	     org->clerk_id, suffix);

	memset(a, 0, sizeof(*a));
	if (n < 0 || (size_t)n >= sizeof(path))
		return resp_detail(r, HTTP_NOT_FOUND, "Not Found");
	return api_clerk_write(r, method, path, body, a);
}

/* {name?, slug?} of a PATCH: Clerk's body, or 422. */
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
	struct clerk_api_answer a;
	struct api_org          org;
	struct db_conn         *c;
	json_t                 *change = NULL, *out = NULL;
	int64_t                 org_id;
	int                     status;

	if ((status = api_org_start(r, profile_change, &change, &c, &org)) != 0)
		return status;
	status = api_org_clerk(r, &org, "PATCH", "", change, &a);
	json_decref(change);
	if (status != 0)
		return status;
	status = api_clerk_mirror(r, c, "organization.updated", a.json, false);
	clerk_api_answer_cleanup(&a);
	if (status != 0)
		return status;
	/* As GET answers it: the mirror, now holding Clerk's answer. */
	status = directory_org_for_member(c, r->auth.user_id, org.clerk_id,
	    &out, &org_id);
	return api_found(r, c, status, out, "Organization not found");
}

int
api_org_delete(struct req *r)
{
	struct clerk_api_answer a;
	struct api_org          org;
	struct db_conn         *c;
	int                     status;

	if ((status = api_org_start(r, NULL, NULL, &c, &org)) != 0 ||
	    (status = api_org_clerk(r, &org, "DELETE", "", NULL, &a)) != 0)
		return status;
	/* Clerk's DeletedObject: the organization leaves the mirror with its
	 * memberships and invitations, tombstoned. */
	status = api_clerk_mirror(r, c, "organization.deleted", a.json, false);
	clerk_api_answer_cleanup(&a);
	if (status != 0)
		return status;
	return resp_bytes(r, HTTP_NO_CONTENT, NULL, "", 0);
}

/* {role} of a PATCH: Clerk's body with the role "org:"-prefixed, or 422. */
static int
member_change(struct req *r, const json_t *body, json_t **out)
{
	json_t     *errors = json_array();
	const char *v = NULL;
	int         rc = api_body_string(body, "role", &v, errors);

	*out = NULL;
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
	*out = json_pack("{s:s}", "role",
	    strncmp(v, "org:", 4) == 0 ? v
	                               : arena_printf(r->arena, "org:%s", v));
	return 0;
}

/* The member {user_id} of org: 0 with *m, else the status answered. */
static int
member_target(struct req *r, struct db_conn *c, const struct api_org *org,
    struct org_member *m)
{
	struct str ref = req_param(r, "user_id");
	int        rc = org_manage_member(c, org->id,
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
 * A member change (change NULL: the removal) of the organization and
 * member the path names: Clerk's call and its answer mirrored as type,
 * under the last-admin rule when the member is an admin who would no
 * longer be one. 0 with *org and *m, else the status answered.
 */
static int
member_write(struct req *r, api_body_fn build, const char *type,
    struct db_conn **c, struct api_org *org, struct org_member *m)
{
	struct clerk_api_answer a;
	json_t                 *change = NULL;
	const char             *role, *suffix;
	bool                    held;
	int                     status;

	if ((status = api_org_start(r, build, &change, c, org)) != 0 ||
	    (status = member_target(r, *c, org, m)) != 0)
		goto out;
	role = json_string_value(json_object_get(change, "role"));
	held = org_manage_is_admin(m->role) && !org_manage_is_admin(role);
	if (held && (status = hold_admins(r, *c, org->id, m->user_id)) != 0)
		goto out;
	suffix = arena_printf(r->arena, "/memberships/%s", m->clerk_id);
	status = api_org_clerk(r, org, change != NULL ? "PATCH" : "DELETE",
	    suffix, change, &a);
	if (status != 0) {
		if (held)
			(void)!db_rollback(*c);
		goto out;
	}
	status = api_clerk_mirror(r, *c, type, a.json, held);
	clerk_api_answer_cleanup(&a);
out:
	json_decref(change);
	return status;
}

int
api_org_member_patch(struct req *r)
{
	struct org_member m;
	struct api_org    org;
	struct db_conn   *c;
	json_t           *entry = NULL;
	int               status;

	if ((status = member_write(r, member_change,
	         "organizationMembership.updated", &c, &org, &m)) != 0)
		return status;
	/* The entry of /members, as the mirror now holds it. */
	status = directory_org_member(c, org.id, m.clerk_id, &entry);
	return api_found(r, c, status, entry, "User not found");
}

int
api_org_member_delete(struct req *r)
{
	struct org_member m;
	struct api_org    org;
	struct db_conn   *c;
	int               status;

	/* Clerk answers the removed membership (reference/clerk.md 7). */
	if ((status = member_write(r, NULL, "organizationMembership.deleted",
	         &c, &org, &m)) != 0)
		return status;
	return resp_bytes(r, HTTP_NO_CONTENT, NULL, "", 0);
}
