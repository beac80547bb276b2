/*
 * The Clerk session gate of ROUTE_AUTH routes (DESIGN section 6): finds the
 * session token (Authorization, else the suffixed __session cookie, else
 * __session), verifies it with CLERK_JWT_KEY or the JWKS, caches verified
 * tokens until they expire, and resolves the local user, fetching it from
 * the Backend API when it is not mirrored yet. Shared by all threads;
 * owned by "serve".
 */
#ifndef CLERK_SESSION_H
#define CLERK_SESSION_H

#include <stddef.h>

#include "core/config.h"
#include "core/mem.h"

struct clerk_session;
struct req;

/*
 * Builds the gate from the configuration. *gate is NULL (and 0 returned)
 * when no key source is configured: ROUTE_AUTH routes then answer 401.
 * -1 with one line in err when a Clerk variable is unusable.
 */
int  clerk_session_new(const struct config *cfg, struct clerk_session **gate,
     char *err, size_t errlen) MUST_CHECK;
void clerk_session_free(struct clerk_session *s);
/* The app's authenticate hook: 0 with r->auth filled, else the status
 * already answered (401 with WWW-Authenticate, 404, 503). */
int clerk_session_authenticate(struct req *r);

/* The session of an HTML page request, from the cookies only. */
enum clerk_page_auth {
	CLERK_PAGE_OK,          /* r->auth is filled */
	CLERK_PAGE_NO_SESSION,  /* no token, and __client_uat not signed in */
	CLERK_PAGE_REFRESH,     /* out of date or missing while __client_uat
	                         * says signed in: ClerkJS can refresh it */
	CLERK_PAGE_INVALID,     /* any other refused token */
	CLERK_PAGE_NOT_SYNCED,  /* valid, but the user is not mirrored */
	CLERK_PAGE_UNAVAILABLE, /* no key source, JWKS, database or Clerk */
	CLERK_PAGE_SUSPENDED,   /* waiting for the JWKS: return
	                         * HTTP_SUSPENDED; the route runs again */
};

/*
 * The gate's verification for pages: like clerk_session_authenticate()
 * with the cookie token (a missing azp accepted, as on any GET), but it
 * writes no response; the page decides what to answer.
 */
enum clerk_page_auth clerk_session_page_auth(struct req *r);

#endif
