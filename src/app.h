/*
 * The application context handed to every handler: configuration, the
 * database pool and the route table. Built once in "serve" before the
 * server starts, read-only afterwards.
 */
#ifndef APP_H
#define APP_H

#include <stddef.h>

#include "core/config.h"
#include "db/db.h"
#include "http/router.h"

struct svix_secret;
struct committer;
struct clerk_session;
struct req;

struct app {
	const struct config *cfg;
	struct db           *db;
	/* NULL when CLERK_WEBHOOK_SIGNING_SECRET is not set */
	const struct svix_secret *webhook_secret;
	struct committer         *committer; /* group-commit writers */
	struct clerk_session     *session;   /* NULL: no Clerk keys */
	/* The Clerk session gate of ROUTE_AUTH routes: 0 when r->auth is
	 * filled, else the HTTP status it answered. */
	int (*authenticate)(struct req *r);
	/* Runs before the handler of every route flagged ROUTE_GATED
	 * (app_gate): 0 to go on, else the status it answered. */
	int (*gate)(struct req *r);
	const struct route *routes;
	size_t              nroutes;
};

/* The table of every route this program serves (src/routes.c). */
extern const struct route app_routes[];
extern const size_t       app_nroutes;

/* The gate of the routes flagged ROUTE_GATED, by their flags
 * (src/routes.c): the Clerk session or the admin's. */
int app_gate(struct req *r) MUST_CHECK;

#endif
