/*
 * GET /api/v1/health: whether this instance can serve (its database
 * answers).
 */
#ifndef API_HEALTH_H
#define API_HEALTH_H

struct req;

/* 200 {"status":"ok"}, or 503 {"status":"unavailable"}. */
int api_health(struct req *r);

#endif
