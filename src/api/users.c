/*
 * The users resource. Runs behind the Clerk session gate (r->auth).
 */
#include "api/users.h"

#include "accounts/directory.h"
#include "auth/gate.h"
#include "core/log.h"
#include "http/req.h"

static json_t *
active_org(const struct req_auth *a)
{
	json_t *o;

	if (a->org_id == NULL)
		return json_null();
	o = json_object();
	json_object_set_new(o, "clerk_id", json_string(a->org_id));
	json_object_set_new(o, "role",
	    a->org_role != NULL ? json_string(a->org_role) : json_null());
	json_object_set_new(o, "slug",
	    a->org_slug != NULL ? json_string(a->org_slug) : json_null());
	json_object_set_new(o, "permissions",
	    auth_permissions_json(a->org_permissions, a->org_permissions_len));
	return o;
}

static json_t *
string_or_null(const char *s)
{
	json_t *v = s != NULL ? json_string(s) : NULL;

	return v != NULL ? v : json_null();
}

int
api_users_me(struct req *r)
{
	struct db_conn *c;
	json_t         *me = NULL;
	int             rc;

	/* The gate read the body (ROUTE_AUTH_PROFILE). */
	if (r->auth.profile_json != NULL)
		return resp_bytes(r, HTTP_OK, "application/json",
		    r->auth.profile_json, r->auth.profile_json_len);
	if ((c = req_db(r)) == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	rc = directory_user_me(c, r->auth.user_id, &me);
	if (rc == -1) {
		log_error("req=%s component=api msg=\"query failed\" "
		          "error=\"%s\"",
		    r->id, db_errmsg(c));
		return HTTP_SERVICE_UNAVAILABLE;
	}
	if (rc == 0)
		return resp_detail(r, HTTP_NOT_FOUND, "User not synced yet");
	json_object_set_new(me, "active_organization", active_org(&r->auth));
	json_object_set_new(me, "session_id",
	    string_or_null(r->auth.session_id));
	json_object_set_new(me, "actor", string_or_null(r->auth.actor));
	json_object_set_new(me, "features",
	    auth_claim_list_json(r->auth.features));
	json_object_set_new(me, "plans", auth_claim_list_json(r->auth.plans));
	return resp_json(r, HTTP_OK, me);
}
