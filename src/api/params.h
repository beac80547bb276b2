/*
 * Query-parameter validation with FastAPI's error shape: a bad parameter
 * answers 422 {"detail": [{"type", "loc": ["query", name], "msg", "input",
 * "ctx"}]}. And the answer of the resources to a failed query.
 */
#ifndef API_PARAMS_H
#define API_PARAMS_H

#include <jansson.h>
#include <stdint.h>

#include "core/mem.h"

struct db_conn;
struct req;

/*
 * Reads integer query parameter name into *out (def when absent), checking
 * min <= value <= max; on a bad value appends an error to errors and
 * returns -1.
 */
int api_query_int(struct req *r, const char *name, int64_t def, int64_t min,
    int64_t max, int64_t *out, json_t *errors) MUST_CHECK;
/* Reads limit (1..100, default 20) and offset (>= 0, default 0). On a bad
 * value answers the 422 itself and returns -1. */
int api_pagination(struct req *r, int64_t *limit, int64_t *offset) MUST_CHECK;
/* Logs the query that failed on c (its message) and returns 503. */
int api_db_failed(struct req *r, struct db_conn *c) MUST_CHECK;
/*
 * The answer to a read that gave rc (1 found, 0 not, -1 failed): 200
 * with out (stolen), 404 {"detail": missing}, or api_db_failed().
 */
int api_found(struct req *r, struct db_conn *c, int rc, json_t *out,
    const char *missing) MUST_CHECK;

#endif
