/*
 * A changelist's queries: the planner that picks how to read one page of
 * a model's list (struct admin_list) at the least cost, and the reads
 * themselves (the page's rows, its counts, a filter's choices). Nothing
 * from the query string reaches SQL text: filter values and search words
 * travel as bound parameters (LIKE metacharacters escaped) and the sort is
 * a column number checked against the model's columns. What it reads is
 * copied into the caller's arena; admin/changelist.c renders it.
 */
#ifndef ADMIN_LISTING_H
#define ADMIN_LISTING_H

#include <stddef.h>
#include <stdint.h>

#include "admin/model.h"
#include "core/arena.h"
#include "db/db.h"

#define ADMIN_PER_PAGE          100 /* changelist rows per page */
#define ADMIN_LIST_MAX_FILTERS  4
#define ADMIN_LIST_SEARCH_WORDS 3

/* What a changelist shows: its search, filters, order and page, and the
 * counts that admin_list_read() finds. */
struct admin_list_state {
	const char *q;                          /* NULL: no search */
	const char *fv[ADMIN_LIST_MAX_FILTERS]; /* NULL: filter not set */
	int         order;                      /* +/- 1-based column */
	int64_t     page;                       /* 1-based */
	int64_t     count;                      /* rows that match */
	int64_t     total;                      /* rows of the model */
};

/*
 * The rows of one page: nrows rows of ncols + 1 values (the object's id,
 * then one per column of the list), in the arena; NULL for SQL NULL, and
 * "1" or "0" for a boolean column.
 */
struct admin_list_rows {
	const char **cells;
	size_t       nrows;
	size_t       ncols; /* per row: the list's columns + 1 */
};

/*
 * Reads the page s asks for from l into rows, with s->count and s->total;
 * a page past the end becomes the last one (s->page changes). 0, or -1 on
 * a database error (db_errmsg(db) says why).
 */
int admin_list_read(struct db_conn *db, struct arena *a,
    const struct admin_list *l, struct admin_list_state *s,
    struct admin_list_rows *rows) MUST_CHECK;
/*
 * The values of a filter's choices_sql, in order, without NULLs: *values
 * (in the arena) and *n. 0, or -1 on a database error.
 */
int admin_list_choices(struct db_conn *db, struct arena *a,
    const struct admin_filter *f, const char ***values, size_t *n) MUST_CHECK;

#endif
