/*
 * GET /api/v1/auth/check: the session token's claims evaluated like
 * Clerk's has() (DESIGN 11.2). GET /api/v1/auth/whoami: who the token
 * stands for, whatever its type (DESIGN 13).
 */
#ifndef API_AUTH_H
#define API_AUTH_H

struct req;

/*
 * 200 {"allowed": bool} for the query's role, permission, feature, plan
 * and reverification (all that are given must pass); 422 when none is.
 */
int api_auth_check(struct req *r);
/*
 * 200 {"token_type", "subject", "session_id", "org_id", "scopes",
 * "actor"} of the token the gate accepted (r->auth).
 */
int api_auth_whoami(struct req *r);

#endif
