/*
 * The application context handed to every handler (r->app): configuration,
 * the database pool and the shared services. Built once in "serve" before
 * the server starts, read-only afterwards. The HTTP server holds it without
 * looking inside; handlers that read it include this header.
 */
#ifndef APP_H
#define APP_H

#include <stddef.h>

#include "core/config.h"
#include "db/db.h"
#include "http/router.h"

struct svix_secret;
struct committer;
struct auth_gate;
struct revocations;
struct req;

struct app {
	const struct config *cfg;
	struct db           *db;
	/* NULL when CLERK_WEBHOOK_SIGNING_SECRET is not set */
	const struct svix_secret *webhook_secret;
	struct committer         *committer;    /* group-commit writers */
	struct auth_gate         *session_gate; /* NULL: no Clerk keys */
	/* The sessions whose tokens are refused (auth/revocations.h). */
	struct revocations *revocations;
};

/* The table of every route this program serves (src/routes.c). */
extern const struct route app_routes[];
extern const size_t       app_nroutes;

/*
 * The server's gate (server_config.gate) for the routes of app_routes:
 * dispatches on the route's flags: ROUTE_AUTH to the Clerk session gate
 * (then, with ROUTE_IDEMPOTENT, the Idempotency-Key's claim), the admin
 * flags to the admin's.
 */
int app_gate(struct req *r) MUST_CHECK;
/*
 * The server's "after" hook (server_config.after): completes what the
 * gate began for the request (the answer of an Idempotency-Key).
 */
void app_after(struct req *r);

#endif
