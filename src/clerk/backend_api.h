/*
 * Clerk's Backend API over libcurl: GET with the secret key as a bearer
 * token, JSON answers. Used for the JWKS and for just-in-time users.
 * Thread-safe: each call uses its own curl handle.
 */
#ifndef CLERK_BACKEND_API_H
#define CLERK_BACKEND_API_H

#include <jansson.h>

#include "core/mem.h"

#define CLERK_API_TIMEOUT_S 5

/*
 * GETs api_url + path (path starts with '/'). On an answer, 0 with *status
 * set and *json the parsed body (NULL when not JSON; the caller decrefs);
 * -1 when no answer came (logged).
 */
int clerk_api_get(const char *api_url, const char *secret_key, const char *path,
    long *status, json_t **json) MUST_CHECK;

#endif
