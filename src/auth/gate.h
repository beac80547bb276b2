/*
 * The Clerk session gate (DESIGN section 6), for ROUTE_AUTH routes and for
 * pages: finds the session token (Authorization, else the suffixed
 * __session cookie, else __session), has it verified (clerk/session.h),
 * refuses a pending session, a cookie token older than __client_uat or
 * sent while __client_uat=0, resolves the local user, fetching it from
 * the Backend API when it is not mirrored yet, and checks the route's
 * requirement (auth/policy.h).
 * Reasons for refusing a token go to the log; the client only ever sees
 * "Not authenticated". Shared by all threads; owned by "serve", reached
 * through r->app->session_gate.
 */
#ifndef AUTH_GATE_H
#define AUTH_GATE_H

#include <jansson.h>
#include <stddef.h>

#include "core/mem.h"

struct auth_gate;
struct config;
struct req;

/*
 * Builds the gate from the configuration. *gate is NULL (and 0 returned)
 * when no key source is configured: ROUTE_AUTH routes then answer 401.
 * -1 with one line in err when a Clerk variable is unusable.
 */
int  auth_gate_new(const struct config *cfg, struct auth_gate **gate, char *err,
     size_t errlen) MUST_CHECK;
void auth_gate_free(struct auth_gate *g);
/*
 * The gate of ROUTE_AUTH routes: 0 with r->auth filled and the route's
 * requirement met (auth/policy.h); HTTP_SUSPENDED while the signing keys
 * are read (the route then runs again); else the status already answered
 * (401 with WWW-Authenticate, 403, 404, 503).
 */
int auth_gate_session(struct req *r) MUST_CHECK;

/* The session of an HTML page request, from the cookies only. */
enum auth_page {
	AUTH_PAGE_OK,          /* r->auth is filled */
	AUTH_PAGE_NO_SESSION,  /* no token, and __client_uat not signed in */
	AUTH_PAGE_REFRESH,     /* out of date or missing while __client_uat
	                        * says signed in: ClerkJS can refresh it */
	AUTH_PAGE_INVALID,     /* any other refused token */
	AUTH_PAGE_NOT_SYNCED,  /* valid, but the user is not mirrored */
	AUTH_PAGE_UNAVAILABLE, /* no key source, JWKS, database or Clerk */
	AUTH_PAGE_SUSPENDED,   /* waiting for the JWKS: return
	                        * HTTP_SUSPENDED; the route runs again */
};

/*
 * The gate's check for pages: like auth_gate_session() with the cookie
 * token (a missing azp accepted, as on any GET), but it writes no
 * response; the page decides what to answer.
 */
enum auth_page auth_page_session(struct req *r) MUST_CHECK;

/* A new JSON array of the n permissions (users/me). */
json_t *auth_permissions_json(const char *const *perms, size_t n) MUST_CHECK;
/*
 * A new JSON array of a billing claim's scoped entries ("o:teams"): fea
 * or pla split on ',' and trimmed, as users/me shows them.
 */
json_t *auth_claim_list_json(const char *claim) MUST_CHECK;

#endif
