/*
 * GET /api/v1/users/me: the signed-in user, their organizations and the
 * session's active organization.
 */
#ifndef API_USERS_H
#define API_USERS_H

struct req;

int api_users_me(struct req *r);

#endif
