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

#endif
