/*
 * The admin's context helpers (see ctx.h): formatting and copies in the
 * request's arena, one-row lookups, ids, transactions. No rendering here:
 * the pages are admin/page.c's.
 */
#include "admin/ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

char *
admin_printf(struct admin_ctx *c, const char *fmt, ...)
{
	struct buf b;
	va_list    ap;
	char      *s;

	buf_init(&b, 0);
	va_start(ap, fmt);
	if (buf_vappendf(&b, fmt, ap) == -1)
		b.len = 0;
	va_end(ap);
	s = arena_strndup(c->r->arena, b.data != NULL ? b.data : "", b.len);
	buf_cleanup(&b);
	return s;
}

char *
admin_col_dup(struct arena *a, struct db_rows *rows, int col)
{
	const char *p;
	size_t      len;

	if (db_col_is_null(rows, col))
		return NULL;
	p = db_col_text(rows, col, &len);
	return arena_strndup(a, p, len);
}

char *
admin_col(struct admin_ctx *c, struct db_rows *rows, int col)
{
	return admin_col_dup(c->r->arena, rows, col);
}

int
admin_row_by_id(struct admin_ctx *c, const char *sql, const char *id,
    struct db_rows **rows)
{
	int64_t n;
	int     rc;

	*rows = NULL;
	if (str_to_i64(str_from_cstr(id), 1, INT64_MAX, &n) == -1)
		return 0;
	struct db_param p[] = {DB_INT(n)};

	if ((*rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	if ((rc = db_rows_next(*rows)) != 1) {
		db_rows_free(*rows);
		*rows = NULL;
	}
	return rc;
}

int
admin_text_by_id(struct admin_ctx *c, const char *sql, const char *id,
    const char **out)
{
	struct db_rows *rows;
	int             rc;

	*out = NULL;
	if ((rc = admin_row_by_id(c, sql, id, &rows)) != 1)
		return rc;
	*out = admin_col(c, rows, 0);
	db_rows_free(rows);
	return 1;
}

int64_t
admin_col_ms(struct db_rows *rows, int col)
{
	return db_col_is_null(rows, col) ? DB_NO_INT : db_col_int(rows, col);
}

int
admin_resolve(struct admin_ctx *c, const char *sql, const char *ref,
    const char **id, const char **label)
{
	struct db_param p[] = {DB_TEXT(ref)};
	struct db_rows *rows;
	int             rc;

	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	if ((rc = db_rows_next(rows)) == 1) {
		*id = admin_col(c, rows, 0);
		*label = admin_col(c, rows, 1);
	}
	db_rows_free(rows);
	return rc;
}

int64_t
admin_id(const char *s)
{
	int64_t n;

	if (s == NULL || str_to_i64(str_from_cstr(s), 1, INT64_MAX, &n) == -1)
		return 0;
	return n;
}

const char *
admin_enc(struct admin_ctx *c, const char *s)
{
	struct buf b;
	char      *out;

	buf_init(&b, 0);
	if (admin_urlencode(&b, s != NULL ? s : "", false) == -1)
		b.len = 0;
	out = arena_strndup(c->r->arena, b.data != NULL ? b.data : "", b.len);
	buf_cleanup(&b);
	return out;
}

int
admin_tx_begin(struct admin_ctx *c)
{
	return db_begin(c->db);
}

int
admin_tx_commit(struct admin_ctx *c)
{
	if (db_commit(c->db) == 0)
		return 0;
	(void)!db_rollback(c->db);
	return -1;
}
