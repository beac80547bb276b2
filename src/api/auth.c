/*
 * The authorization check and whoami. Both run behind the Clerk session
 * gate, which keeps the token's decoded claims in r->auth.claims (a
 * session) and fills r->auth for any token type (whoami); neither needs
 * the database.
 */
#include "api/auth.h"

#include <string.h>

#include "clerk/session.h"
#include "http/req.h"

/*
 * A query parameter as has() sees it: an empty value is not asked, as
 * Clerk's SDK skips a falsy one ("?permission=" asks nothing).
 */
static const char *
asked(struct req *r, const char *name)
{
	const char *v = req_query(r, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

int
api_auth_check(struct req *r)
{
	static const char  yes[] = "{\"allowed\":true}";
	static const char  no[] = "{\"allowed\":false}";
	struct has_subject s;
	struct has_query   q;

	q.role = asked(r, "role");
	q.permission = asked(r, "permission");
	q.feature = asked(r, "feature");
	q.plan = asked(r, "plan");
	q.reverification = asked(r, "reverification");
	/* has({}) is false: an empty question is a mistake of the caller. */
	if (q.role == NULL && q.permission == NULL && q.feature == NULL &&
	    q.plan == NULL && q.reverification == NULL)
		return resp_detail(r, HTTP_UNPROCESSABLE,
		    "Give at least one of role, permission, feature, plan "
		    "or reverification");
	if (r->auth.claims == NULL)
		return HTTP_INTERNAL_ERROR;
	clerk_session_subject(r->auth.claims, &s);
	if (has_check(&s, &q))
		return resp_bytes(r, HTTP_OK, "application/json", yes,
		    sizeof(yes) - 1);
	return resp_bytes(r, HTTP_OK, "application/json", no, sizeof(no) - 1);
}

static json_t *
text_or_null(const char *s)
{
	json_t *v = s != NULL ? json_string(s) : NULL;

	return v != NULL ? v : json_null();
}

int
api_auth_whoami(struct req *r)
{
	const struct req_auth *a = &r->auth;
	json_t                *scopes = json_array(), *body;
	size_t                 i;

	for (i = 0; i < a->scopes_len; i++) {
		json_t *v = json_string(a->scopes[i]);

		if (v != NULL)
			(void)json_array_append_new(scopes, v);
	}
	body = json_object();
	(void)json_object_set_new(body, "token_type",
	    text_or_null(a->token_type));
	(void)json_object_set_new(body, "subject", text_or_null(a->subject));
	(void)json_object_set_new(body, "session_id",
	    text_or_null(a->machine ? NULL : a->session_id));
	(void)json_object_set_new(body, "org_id", text_or_null(a->org_id));
	(void)json_object_set_new(body, "scopes", scopes);
	(void)json_object_set_new(body, "actor", text_or_null(a->actor));
	return resp_json(r, HTTP_OK, body);
}
