/*
 * Clerk's Backend API over libcurl: GET and POST with the secret key as a
 * bearer token, JSON bodies and answers. Used for the JWKS, just-in-time
 * users and the admin's writes through Clerk. Thread-safe: each call uses
 * its own curl handle.
 */
#ifndef CLERK_BACKEND_API_H
#define CLERK_BACKEND_API_H

#include <jansson.h>

#include "core/mem.h"

#define CLERK_API_TIMEOUT_S       5
#define CLERK_API_WRITE_TIMEOUT_S 10 /* DESIGN section 12.1 */

/*
 * GETs api_url + path (path starts with '/'). On an answer, 0 with *status
 * set and *json the parsed body (NULL when not JSON; the caller decrefs);
 * -1 when no answer came (logged).
 */
int clerk_api_get(const char *api_url, const char *secret_key, const char *path,
    long *status, json_t **json) MUST_CHECK;
/*
 * POSTs body (a JSON object; NULL sends {}) to api_url + path, bounded by
 * CLERK_API_WRITE_TIMEOUT_S. Answers as clerk_api_get.
 */
int clerk_api_post(const char *api_url, const char *secret_key,
    const char *path, const json_t *body, long *status,
    json_t **json) MUST_CHECK;

#endif
