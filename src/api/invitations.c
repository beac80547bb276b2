/*
 * An organization's invitations (DESIGN 12.2): listed from the mirror,
 * made and revoked through Clerk with the caller as the acting user
 * (inviter_user_id, requesting_user_id), Clerk's answer mirrored by the
 * organizationInvitation rules before the answer.
 */
#include "api/org_manage.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "accounts/org_manage.h"
#include "api/clerk_write.h"
#include "api/params.h"
#include "core/timeutil.h"
#include "http/req.h"

/* RFC 5321's limit on a path, which Clerk's own check follows. */
#define EMAIL_MAX 254

static const char *const statuses[] = {"pending", "accepted", "revoked",
    "expired"};

/* status= (NULL when absent): 0, or -1 with the 422 answered. */
static int
status_filter(struct req *r, const char **status)
{
	const char *v = req_query(r, "status");
	const char *expected = "'pending', 'accepted', 'revoked' or 'expired'";
	char        msg[96];
	size_t      i;
	json_t     *input;

	*status = v;
	if (v == NULL)
		return 0;
	for (i = 0; i < ARRAY_LEN(statuses); i++) {
		if (strcmp(v, statuses[i]) == 0)
			return 0;
	}
	(void)snprintf(msg, sizeof(msg), "Input should be %s", expected);
	input = json_string(v);
	(void)resp_json(r, HTTP_UNPROCESSABLE,
	    json_pack("{s:[{s:s, s:[s,s], s:s, s:o, s:{s:s}}]}", "detail",
	        "type", "enum", "loc", "query", "status", "msg", msg, "input",
	        input != NULL ? input : json_null(), "ctx", "expected",
	        expected));
	return -1;
}

int
api_org_invitations(struct req *r)
{
	struct api_org  org;
	struct db_conn *c;
	json_t         *out = NULL;
	const char     *status;
	int64_t         limit, offset;
	int             rc;

	if (api_pagination(r, &limit, &offset) == -1 ||
	    status_filter(r, &status) == -1)
		return HTTP_UNPROCESSABLE;
	if ((rc = api_org_start(r, NULL, NULL, &c, &org)) != 0)
		return rc;
	if (org_manage_invitations(c, org.id, status, time_now_ms(), limit,
	        offset, &out) != 1)
		return api_db_failed(r, c);
	return resp_json(r, HTTP_OK, out);
}

/* Why addr is not an address Clerk could take, or NULL. */
static const char *
email_problem(const char *addr)
{
	const char *at = strchr(addr, '@');

	if (strlen(addr) > EMAIL_MAX)
		return "value is not a valid email address: it must be 254 "
		       "bytes or fewer";
	if (at == NULL || strchr(at + 1, '@') != NULL || at == addr ||
	    at[1] == '\0')
		return "value is not a valid email address: it must have "
		       "exactly one @-sign, with text on each side";
	return NULL;
}

/*
 * Clerk's body for {email_address, role?, redirect_url?}: 0 with *out,
 * else the 422 answered. role defaults to org:member and gets the org:
 * prefix; the caller is the inviter.
 */
static int
invitation_body(struct req *r, const json_t *body, json_t **out)
{
	json_t     *errors = json_array();
	const char *email = NULL, *role = NULL, *redirect = NULL, *why;
	int         rc;

	*out = NULL;
	rc = api_body_string(body, "email_address", &email, errors);
	if (rc == 0)
		api_body_error(errors, "missing", "email_address",
		    "Field required", body);
	else if (rc == 1 && (why = email_problem(email)) != NULL)
		api_body_error(errors, "value_error", "email_address", why,
		    json_object_get(body, "email_address"));
	if (api_body_string(body, "role", &role, errors) == 1 && *role == '\0')
		api_body_error(errors, "string_too_short", "role",
		    "String should have at least 1 character",
		    json_object_get(body, "role"));
	(void)!api_body_string(body, "redirect_url", &redirect, errors);
	if (json_array_size(errors) > 0)
		return api_body_invalid(r, errors);
	json_decref(errors);
	if (role == NULL)
		role = "org:member";
	else if (strncmp(role, "org:", 4) != 0)
		role = arena_printf(r->arena, "org:%s", role);
	*out = json_pack("{s:s, s:s, s:s}", "email_address", email, "role",
	    role, "inviter_user_id", r->auth.clerk_user_id);
	if (redirect != NULL)
		json_object_set_new(*out, "redirect_url",
		    json_string(redirect));
	return 0;
}

/*
 * The invitation Clerk answered, mirrored as type, as the list shows it:
 * from the mirror, or from Clerk's answer when the rules left it aside.
 */
static int
answer_invitation(struct req *r, struct db_conn *c, int status,
    const char *type, json_t *inv)
{
	const char *id = json_string_value(json_object_get(inv, "id"));
	json_t     *item = NULL;
	int64_t     now = time_now_ms();
	int         rc;

	if ((rc = api_clerk_mirror(r, c, type, inv, false)) != 0)
		return rc;
	rc = id != NULL ? org_manage_invitation(c, id, now, &item) : 0;
	if (rc == -1)
		return api_db_failed(r, c);
	if (rc == 0)
		item = org_manage_invitation_from_clerk(inv, now);
	return resp_json(r, status, item);
}

int
api_org_invite(struct req *r)
{
	struct clerk_api_answer a;
	struct api_org          org;
	struct db_conn         *c;
	json_t                 *send = NULL;
	int                     status;

	if ((status = api_org_start(r, invitation_body, &send, &c, &org)) != 0)
		return status;
	status = api_org_clerk(r, &org, "POST", "/invitations", send, &a);
	json_decref(send);
	if (status != 0)
		return status;
	status = answer_invitation(r, c, HTTP_CREATED,
	    "organizationInvitation.created", a.json);
	clerk_api_answer_cleanup(&a);
	return status;
}

int
api_org_invitation_revoke(struct req *r)
{
	struct clerk_api_answer a;
	struct api_org          org;
	struct db_conn         *c;
	struct str              ref = req_param(r, "invitation_id");
	const char             *inv = arena_strndup(r->arena, ref.p, ref.len);
	json_t                 *send;
	int                     status;

	if ((status = api_org_start(r, NULL, NULL, &c, &org)) != 0)
		return status;
	if (!api_clerk_id_ok(inv))
		return resp_detail(r, HTTP_NOT_FOUND, "Invitation not found");
	send = json_pack("{s:s}", "requesting_user_id", r->auth.clerk_user_id);
	status = api_org_clerk(r, &org, "POST",
	    arena_printf(r->arena, "/invitations/%s/revoke", inv), send, &a);
	json_decref(send);
	if (status != 0)
		return status;
	status = answer_invitation(r, c, HTTP_OK,
	    "organizationInvitation.revoked", a.json);
	clerk_api_answer_cleanup(&a);
	return status;
}
