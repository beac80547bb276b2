/*
 * One admin request's context, built by the gate (admin/gate.c) before the
 * handler runs, and the helpers every admin file uses with it: text in the
 * request's arena, columns, ids, transactions. Everything hangs on the
 * request's arena; a context belongs to its request's thread.
 */
#ifndef ADMIN_CTX_H
#define ADMIN_CTX_H

#include <stdbool.h>
#include <stdint.h>

#include "admin/form.h"
#include "admin/session.h"
#include "admin/util.h"
#include "html/html.h"
#include "http/req.h"

#define ADMIN_PAGE_MAX (8UL * 1024 * 1024) /* bytes of one page */
#define ADMIN_MAX_MSGS 4

enum admin_level {
	ADMIN_SUCCESS = 0,
	ADMIN_INFO,
	ADMIN_WARNING,
	ADMIN_ERROR,
};

struct admin_msg {
	enum admin_level level;
	const char      *text;
};

struct admin_model;

/*
 * One admin request, built by admin_gate() before the handler runs; the
 * handler finds it in r->gate_ctx, which is NULL only when the route has
 * no admin flag (a mistake of the route table that tests/routes_test.c
 * catches; the handler then answers 500 and serves nothing).
 */
struct admin_ctx {
	struct req               *r;
	struct db_conn           *db;
	struct admin_user         user;
	bool                      signed_in;
	bool                      is_post;
	struct admin_form         form; /* the POST's fields */
	struct html               h;
	const struct admin_model *model; /* of the URL, when it names one */
	const char               *nav;   /* current nav entry (a URL) */
	struct admin_msg          msgs[ADMIN_MAX_MSGS];
	size_t                    nmsgs;
};

/* printf into the request's arena. */
char *admin_printf(struct admin_ctx *c, const char *fmt, ...)
    PRINTF_LIKE(2, 3) MUST_CHECK;
/* A copy of a column's text (NULL for SQL NULL) in the arena. */
char *admin_col(struct admin_ctx *c, struct db_rows *rows, int col);
/* A column of Unix ms, or DB_NO_INT for SQL NULL. */
int64_t admin_col_ms(struct db_rows *rows, int col) MUST_CHECK;
/* The same in arena a, for a reader without a context. */
char *admin_col_dup(struct arena *a, struct db_rows *rows, int col) MUST_CHECK;
/*
 * Runs sql, whose one parameter $1 is the local id given as text in id,
 * and moves to its row: 1 with *rows on it (db_rows_free() it), 0 when id
 * is not an id or no row matches, -1 on a database error.
 */
int admin_row_by_id(struct admin_ctx *c, const char *sql, const char *id,
    struct db_rows **rows) MUST_CHECK;
/*
 * Runs sql, whose one parameter $1 is the local id given as text in id,
 * for one text column: 1 with *out (NULL for SQL NULL) in the arena, 0
 * when no row matches, -1 on a database error.
 */
int admin_text_by_id(struct admin_ctx *c, const char *sql, const char *id,
    const char **out) MUST_CHECK;
/*
 * Runs sql with $1 = ref (as text) and takes its first row's two columns
 * (an id and a label): 1 with *id and *label in the arena, 0 when there is
 * no row, -1 on a database error.
 */
int admin_resolve(struct admin_ctx *c, const char *sql, const char *ref,
    const char **id, const char **label) MUST_CHECK;
/* s as a positive integer id (as URLs and id columns carry them), or 0. */
int64_t admin_id(const char *s) MUST_CHECK;
/* s percent-encoded for a URL component, in the arena. */
const char *admin_enc(struct admin_ctx *c, const char *s);
/* Runs in a transaction: 0, or -1 after rolling back. */
int admin_tx_begin(struct admin_ctx *c) MUST_CHECK;
int admin_tx_commit(struct admin_ctx *c) MUST_CHECK;

#endif
