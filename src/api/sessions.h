/*
 * The signed-in user's sessions (GET /api/v1/users/me/sessions), read
 * from the sessions mirror behind the Clerk session gate.
 */
#ifndef API_SESSIONS_H
#define API_SESSIONS_H

struct req;

/* 200 {"data": [{clerk_id, status, last_active_at, expire_at, current}],
 * "total_count"}; limit and offset as the other lists. */
int api_users_me_sessions(struct req *r);

#endif
