/*
 * The API documentation: GET /openapi.json (the OpenAPI 3.1 document,
 * src/docs/openapi.json, embedded in the binary) and GET /docs (Swagger UI
 * from the swagger-ui-dist package, embedded too, so it works offline).
 */
#ifndef DOCS_DOCS_H
#define DOCS_DOCS_H

struct req;

int docs_openapi(struct req *r);
int docs_page(struct req *r);
int docs_asset(struct req *r);

#endif
