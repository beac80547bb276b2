/*
 * GET /api/v1/users/me/sessions: the caller's sessions as the mirror
 * holds them, the token's own marked current.
 */
#include "api/sessions.h"

#include "accounts/sessions.h"
#include "api/params.h"
#include "http/req.h"

int
api_users_me_sessions(struct req *r)
{
	struct db_conn *c;
	json_t         *out = NULL;
	int64_t         limit, offset;

	if (api_pagination(r, &limit, &offset) == -1)
		return HTTP_UNPROCESSABLE;
	if ((c = req_db(r)) == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	if (session_list_of_user(c, r->auth.user_id, r->auth.session_id, limit,
	        offset, &out) != 1)
		return api_db_failed(r, c);
	return resp_json(r, HTTP_OK, out);
}
