/*
 * The router: (method, path pattern) to handler. Patterns are literal
 * segments and "{name}" parameters matching one non-empty segment, e.g.
 * "/api/v1/organizations/{id}/members". The table is immutable once the
 * server starts; matching is pure and thread-safe.
 */
#ifndef HTTP_ROUTER_H
#define HTTP_ROUTER_H

#include <stddef.h>

#include "core/mem.h"
#include "core/str.h"
#include "http/http.h"

#define ROUTER_MAX_PARAMS 8

/* Route flags. */
#define ROUTE_HTML 0x1 /* errors render as a page, not JSON */
#define ROUTE_AUTH 0x2 /* needs a Clerk session */
/* With ROUTE_AUTH: the gate reads users/me's body (r->auth.profile_json)
 * in the statement that finds the user. */
#define ROUTE_AUTH_PROFILE 0x4
/* An admin session is required; a POST also needs a superuser. */
#define ROUTE_ADMIN 0x8
/* The admin context is built but no session is needed (the login page). */
#define ROUTE_ADMIN_PUBLIC 0x10
/* A POST is allowed to view-only staff (logout). */
#define ROUTE_ADMIN_ANY_POST 0x20
/*
 * With ROUTE_AUTH: the request may carry an Idempotency-Key, which the
 * gate claims (or answers with the stored answer) and the server's
 * "after" hook completes with the answer (DESIGN 12.4).
 */
#define ROUTE_IDEMPOTENT 0x40
/* The routes whose gate runs before the handler (server_config.gate). */
#define ROUTE_GATED \
	(ROUTE_AUTH | ROUTE_ADMIN | ROUTE_ADMIN_PUBLIC | ROUTE_ADMIN_ANY_POST)

/* What a route requires beyond a session (auth/policy.h). */
struct route_policy;

struct route {
	const char     *method; /* "GET", "POST", ... (GET also serves HEAD) */
	const char     *pattern;
	http_handler_fn handler;
	unsigned        flags;
	/* With ROUTE_AUTH: checked by the gate before the handler; NULL
	 * requires nothing more. */
	const struct route_policy *policy;
};

struct route_param {
	struct str name;
	struct str value;
};

struct route_match {
	const struct route *route;
	size_t              nparams;
	struct route_param  params[ROUTER_MAX_PARAMS];
};

enum router_result {
	ROUTER_FOUND = 0,
	ROUTER_NOT_FOUND,
	ROUTER_METHOD_NOT_ALLOWED,
};

/*
 * Finds the route for method and path. On ROUTER_METHOD_NOT_ALLOWED, allow
 * receives the comma-separated methods the path does accept ("GET, HEAD").
 */
enum router_result router_match(const struct route *routes, size_t nroutes,
    struct str method, struct str path, struct route_match *m, char *allow,
    size_t allowlen) MUST_CHECK;
/* The value of a matched parameter, or STR_NULL. */
struct str route_param_get(const struct route_match *m, const char *name);

#endif
