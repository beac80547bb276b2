/*
 * What the REST API's list queries over the mirror share: a page as the
 * API answers it, {"data": [...], "total_count": N}, from a count
 * statement and a list statement, and a column as the JSON value the API
 * shows (strings that are not UTF-8 and NULLs as null). Stateless.
 */
#ifndef ACCOUNTS_API_LIST_H
#define ACCOUNTS_API_LIST_H

#include <jansson.h>
#include <stddef.h>

#include "core/mem.h"
#include "db/db.h"

/* The item of the current row (a new reference); arg is the caller's. */
typedef json_t *(*api_list_item_fn)(struct db_rows *r, const void *arg);

/*
 * The page: the count statement reads the first ncount of the n
 * parameters p, the list statement (its backend's text) all of them; each
 * row becomes item(row, arg). 1 with *out (the caller's), -1 on a
 * database error.
 */
int api_list_page(struct db_conn *c, const char *count, size_t ncount,
    const struct db_sql *list, const struct db_param *p, size_t n,
    api_list_item_fn item, const void *arg, json_t **out) MUST_CHECK;
/* Column i as a JSON string, or null. */
json_t *api_list_text(struct db_rows *r, int i) MUST_CHECK;
/* Column i as a JSON integer, or null. */
json_t *api_list_int(struct db_rows *r, int i) MUST_CHECK;

#endif
