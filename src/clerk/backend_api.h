/*
 * Clerk's Backend API over libcurl: GET, POST, PATCH and DELETE with the
 * secret key as a bearer token, JSON bodies and answers, and Clerk's error
 * shape ({"errors":[{message, long_message, code, meta}]}). Used for the
 * JWKS, just-in-time users, the backfill and the writes through Clerk
 * (DESIGN section 12). A call is never retried here: a write that timed
 * out may have happened, and only the caller knows whether repeating it
 * is safe. Thread-safe: each call uses its own curl handle.
 */
#ifndef CLERK_BACKEND_API_H
#define CLERK_BACKEND_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

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

/* An answer of the Backend API. */
struct clerk_api_answer {
	long    status;      /* HTTP status; 0 when no answer came */
	json_t *json;        /* the parsed body, NULL when not JSON; owned */
	long    retry_after; /* seconds of a Retry-After header, else -1 */
};

/*
 * method ("GET", "POST", "PATCH", "DELETE") to api_url + path with body (a
 * JSON object, or NULL for no body; POST and PATCH send {} then), bounded
 * by CLERK_API_WRITE_TIMEOUT_S. 0 with *a filled when Clerk answered,
 * whatever the status; -1 when no answer came (timeout, no connection:
 * logged), a->status then 0. Free with clerk_api_answer_cleanup().
 */
int  clerk_api_call(const char *method, const char *api_url,
     const char *secret_key, const char *path, const json_t *body,
     struct clerk_api_answer *a) MUST_CHECK;
void clerk_api_answer_cleanup(struct clerk_api_answer *a);

/* The first error of one of Clerk's error answers; fields are "" when
 * absent and borrowed from the answer. */
struct clerk_api_error {
	const char *code;
	const char *message;
	const char *long_message; /* message when Clerk sent none */
	const char *param_name;   /* meta.param_name */
};

/* Fills e from a's body; false when it holds no Clerk error. */
bool clerk_api_first_error(const struct clerk_api_answer *a,
    struct clerk_api_error                               *e) MUST_CHECK;
/* Likewise for the error at index i of the answer's list. */
bool clerk_api_error_at(const struct clerk_api_answer *a, size_t i,
    struct clerk_api_error *e) MUST_CHECK;

#endif
