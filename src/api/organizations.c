/*
 * The organizations resource, behind the Clerk session gate. "{id}" is the
 * local id or the Clerk id ("org_..."). An organization's own API key
 * reads that organization and its members (r->auth.machine).
 */
#include "api/organizations.h"

#include "accounts/directory.h"
#include "api/params.h"
#include "http/req.h"

int
api_orgs_list(struct req *r)
{
	struct db_conn *c;
	json_t         *out = NULL;
	int64_t         limit, offset;

	if (api_pagination(r, &limit, &offset) == -1)
		return HTTP_UNPROCESSABLE;
	if ((c = req_db(r)) == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	if (directory_user_orgs(c, r->auth.user_id, limit, offset, &out) != 1)
		return api_db_failed(r, c);
	return resp_json(r, HTTP_OK, out);
}

/*
 * The organization named by the path, if the caller is a member, or, for
 * an organization's own API key (DESIGN 13), if it is that organization:
 * any other answers 404, as for a session of a non-member.
 */
static int
find_org(struct req *r, struct db_conn *c, json_t **org, int64_t *org_id)
{
	struct str  ref = req_param(r, "id");
	const char *id = arena_strndup(r->arena, ref.p, ref.len);
	int         rc;

	if (r->auth.machine)
		rc = r->auth.org_id != NULL
		    ? directory_org_as_itself(c, r->auth.org_id, id, org,
		          org_id)
		    : 0;
	else
		rc = directory_org_for_member(c, r->auth.user_id, id, org,
		    org_id);

	if (rc == -1)
		return api_db_failed(r, c);
	if (rc == 0)
		return resp_detail(r, HTTP_NOT_FOUND, "Organization not found");
	return 0;
}

int
api_org_get(struct req *r)
{
	struct db_conn *c = req_db(r);
	json_t         *org = NULL;
	int64_t         org_id;
	int             rc;

	if (c == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	if ((rc = find_org(r, c, &org, &org_id)) != 0)
		return rc;
	return resp_json(r, HTTP_OK, org);
}

int
api_org_members(struct req *r)
{
	struct db_conn *c;
	json_t         *org = NULL, *out = NULL;
	int64_t         org_id, limit, offset;
	int             rc;

	if (api_pagination(r, &limit, &offset) == -1)
		return HTTP_UNPROCESSABLE;
	if ((c = req_db(r)) == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	if ((rc = find_org(r, c, &org, &org_id)) != 0)
		return rc;
	json_decref(org);
	if (directory_org_members(c, org_id, limit, offset, &out) != 1)
		return api_db_failed(r, c);
	return resp_json(r, HTTP_OK, out);
}
