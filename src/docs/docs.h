/*
 * The API documentation: GET /openapi.json (the OpenAPI 3.1 document:
 * src/docs/openapi.json, embedded in the binary, plus what the route
 * table says each route requires and which tokens it accepts) and GET
 * /docs (Swagger UI from the swagger-ui-dist package, embedded too, so it
 * works offline).
 */
#ifndef DOCS_DOCS_H
#define DOCS_DOCS_H

#include <jansson.h>
#include <stddef.h>

#include "core/mem.h"

struct req;
struct route;

/*
 * The document for routes: the embedded file, with each route that has a
 * requirement (auth/policy.h) given x-mysaas-requires and its 403 answer,
 * each ROUTE_IDEMPOTENT route the Idempotency-Key header
 * (#/components/parameters/IdempotencyKey) and a 409, and each ROUTE_AUTH
 * route its security: one scheme per token form its policy accepts
 * (components.securitySchemes), x-mysaas-accepts (the token types) and
 * x-mysaas-subjects (a machine token's subjects, when narrowed). A new
 * reference; NULL when the embedded file does not parse.
 */
json_t *docs_openapi_build(const struct route *routes, size_t n) MUST_CHECK;
/*
 * Builds the served document once, before the server starts (not
 * thread-safe); -1 when it cannot be built.
 */
int  docs_openapi_init(const struct route *routes, size_t n) MUST_CHECK;
void docs_openapi_cleanup(void);

int docs_openapi(struct req *r);
int docs_page(struct req *r);
int docs_asset(struct req *r);

#endif
