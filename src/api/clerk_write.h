/*
 * What every write through Clerk's Backend API shares (DESIGN 12): the
 * JSON body's checks (Content-Type application/json, else 415; a JSON
 * object, else 422; unknown fields ignored), field errors in FastAPI's
 * shape, and the call itself with the one mapping of Clerk's answers to
 * ours (DESIGN 12.1):
 *
 *   no CLERK_SECRET_KEY        503 {"detail":"CLERK_SECRET_KEY is not set"}
 *   400, 422 (other 4xx)       422 {"detail":[{"loc":["body", FIELD or
 *                              "clerk"], "msg": long_message, "type":
 *                              "clerk." code}]}, one item per Clerk error
 *   403, 404                   403, 404 {"detail": Clerk's long_message}
 *   401 (our key refused)      503 "Clerk is unavailable", an error logged
 *   429, 5xx, no answer in     503 {"detail":"Clerk is unavailable"} with
 *   10 s, no connection        Retry-After: Clerk's, else
 *                              API_CLERK_RETRY_AFTER_S
 *
 * A call is never repeated here: a write that timed out may have
 * happened. Thread-safe; everything lives in the request.
 */
#ifndef API_CLERK_WRITE_H
#define API_CLERK_WRITE_H

#include <jansson.h>
#include <stdbool.h>

#include "clerk/backend_api.h"
#include "core/mem.h"

struct db_conn;
struct req;

/* Retry-After when Clerk sent none (or no answer came): seconds. */
#define API_CLERK_RETRY_AFTER_S 5

/*
 * The request's body as a JSON object: 0 with *body (a new reference),
 * else the status answered (415, 422).
 */
int api_body_object(struct req *r, json_t **body) MUST_CHECK;
/*
 * Appends {"type", "loc": ["body", field], "msg", "input"} to errors
 * (input may be NULL: no input).
 */
void api_body_error(json_t *errors, const char *type, const char *field,
    const char *msg, const json_t *input);
/*
 * The string member name of body: 1 with *out, 0 when absent or null,
 * -1 when of another type (an error appended to errors).
 */
int api_body_string(const json_t *body, const char *name, const char **out,
    json_t *errors) MUST_CHECK;
/* Answers 422 {"detail": errors} (stolen); returns 422. */
int api_body_invalid(struct req *r, json_t *errors);

/* True when s can stand in a Backend API path: [A-Za-z0-9_], 1-99. */
bool api_clerk_id_ok(const char *s) MUST_CHECK;

/*
 * method path (body: NULL, or a JSON object) to the Backend API with
 * CLERK_SECRET_KEY: 0 when Clerk answered 2xx with a JSON object (in
 * a->json; clerk_api_answer_cleanup() it), else the status of the answer
 * written by the mapping above (a is then empty).
 */
int api_clerk_write(struct req *r, const char *method, const char *path,
    const json_t *body, struct clerk_api_answer *a) MUST_CHECK;

/*
 * Applies obj, Clerk's answer, to the mirror by the rules of the webhook
 * event type (accounts/clerk_sync.h), so that the webhook that follows
 * changes nothing: in c's open transaction when in_tx, else in one of its
 * own. 0 when done (an answer the rules leave aside is logged), else 503
 * answered and the transaction rolled back.
 */
int api_clerk_mirror(struct req *r, struct db_conn *c, const char *type,
    json_t *obj, bool in_tx) MUST_CHECK;

#endif
