/*
 * Safe retries (DESIGN 12.4) as a mechanism of the route table: a route
 * flagged ROUTE_IDEMPOTENT may be sent an Idempotency-Key header (1 to
 * 255 visible ASCII characters). After the session gate, and before the
 * handler, idempotent_begin() claims the key for the authenticated
 * principal, or answers for it: the stored answer of the same request
 * (marked Idempotent-Replayed: true), 409 while the first is still
 * running, 422 when the key was used for another method, path or body.
 * The server's "after" hook, idempotent_end(), stores the answer of the
 * request that claimed it, for 24 h; an answer of 5xx (nothing was done,
 * or it is unknown whether it was: Clerk unavailable) is not kept, so a
 * retry with the key runs again. Stateless and thread-safe.
 */
#ifndef AUTH_IDEMPOTENT_H
#define AUTH_IDEMPOTENT_H

#include "core/mem.h"

struct req;

/* The header's name. */
#define IDEMPOTENT_HEADER "Idempotency-Key"
/* The header set on a stored answer given again. */
#define IDEMPOTENT_REPLAYED "Idempotent-Replayed"

/*
 * The step of the gate for ROUTE_IDEMPOTENT routes, r authenticated: 0 to
 * run the handler (the key, if any, claimed), else the status answered.
 */
int idempotent_begin(struct req *r) MUST_CHECK;
/* The "after" step: stores or releases r's claim, if it made one. */
void idempotent_end(struct req *r);

#endif
