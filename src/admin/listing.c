/*
 * The changelist's planner and reads (see listing.h). A page is read in
 * one of three ways (enum page_read), chosen by admin_list_read() from
 * the model's statements and the counts it learns on the way; the rows
 * are copied into the arena, so nothing here renders or holds a result.
 */
#include "admin/listing.h"

#include <string.h>

#include "admin/util.h"
#include "core/str.h"

/* The probe walks at most this many rows per row it shows. */
#define PROBE_FACTOR 64
#define FILTERS      ADMIN_LIST_MAX_FILTERS
#define WORDS        ADMIN_LIST_SEARCH_WORDS

enum page_read {
	READ_SORT,  /* page_sql */
	READ_WALK,  /* walk_sql */
	READ_PROBE, /* probe_sql */
};

/* One list's reads on one connection, into one arena. */
struct reader {
	struct db_conn          *db;
	struct arena            *a;
	const struct admin_list *l;
};

/* Fills p with the filters and search words; returns how many. */
static size_t
where_params(const struct reader *x, const struct admin_list_state *s,
    struct db_param *p)
{
	const struct admin_list *l = x->l;
	size_t                   n = 0, i, w = 0;
	const char              *q = s->q;

	for (i = 0; i < l->nfilters; i++) {
		const char *v = s->fv[i];
		int64_t     num;

		if (v == NULL)
			p[n++] = DB_NULLP;
		else if (l->filters[i].is_bool || l->filters[i].is_int)
			p[n++] = str_to_i64(str_from_cstr(v), 0, INT64_MAX,
			             &num) == 0
			    ? DB_INT(num)
			    : DB_NULLP;
		else
			p[n++] = DB_TEXT(v);
	}
	/* Words split on spaces, as Django's search; past the last slot the
	 * rest of the term is one phrase. */
	while (q != NULL && w < WORDS) {
		struct buf b;
		size_t     len;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '\0')
			break;
		len = w == WORDS - 1 ? strlen(q) : strcspn(q, " \t");
		while (len > 0 && (q[len - 1] == ' ' || q[len - 1] == '\t'))
			len--;
		buf_init(&b, 0);
		if (admin_like_contains(&b, q, len) == -1)
			b.len = 0;
		p[n++] = DB_TEXT(arena_strndup(x->a, b.data, b.len));
		buf_cleanup(&b);
		q += len;
		w++;
	}
	for (; w < WORDS; w++)
		p[n++] = DB_NULLP;
	return n;
}

/* The rows that match s (count_sql). */
static int
count_rows(const struct reader *x, const struct admin_list_state *s,
    int64_t *out)
{
	struct db_param p[FILTERS + WORDS];
	size_t          n = where_params(x, s, p);
	struct db_rows *rows;
	int             rc;

	rows = db_query_sql_planned(x->db, &x->l->count_sql, p, n);
	if (rows == NULL)
		return -1;
	if ((rc = db_rows_next(rows)) == 1)
		*out = db_col_int(rows, 0);
	db_rows_free(rows);
	return rc == -1 ? -1 : 0;
}

/* Every row of the model (the "N total" after a search or filter). */
static int
count_total(const struct reader *x, int64_t *out)
{
	return db_query_int(x->db, x->l->total_sql, NULL, 0, out, NULL) == -1
	    ? -1
	    : 0;
}

/* Reads the page of s into out, as how says (see admin_list_read). */
static int
read_rows(const struct reader *x, const struct admin_list_state *s,
    enum page_read how, struct admin_list_rows *out)
{
	const struct admin_list *l = x->l;
	struct db_param          p[FILTERS + WORDS + 3];
	size_t                   np = where_params(x, s, p), i;
	int64_t                  offset = (s->page - 1) * ADMIN_PER_PAGE;
	struct db_rows          *rows;
	int                      rc = 0;

	const struct db_sql *sql = how == READ_WALK ? &l->walk_sql
	    : how == READ_PROBE                     ? &l->probe_sql
	                                            : &l->page_sql;

	if (how == READ_SORT)
		p[np++] = DB_INT(s->order);
	p[np++] = DB_INT(ADMIN_PER_PAGE);
	p[np++] = DB_INT(offset);
	if (how == READ_PROBE)
		p[np++] = DB_INT((offset + ADMIN_PER_PAGE) * PROBE_FACTOR);
	out->ncols = l->ncols + 1;
	out->nrows = 0;
	out->cells = arena_alloc(x->a,
	    ADMIN_PER_PAGE * out->ncols * sizeof(*out->cells));
	if ((rows = db_query_sql_planned(x->db, sql, p, np)) == NULL)
		return -1;
	while (out->nrows < ADMIN_PER_PAGE && (rc = db_rows_next(rows)) == 1) {
		const char **row = &out->cells[out->nrows++ * out->ncols];

		row[0] = admin_col_dup(x->a, rows, 0);
		for (i = 0; i < l->ncols; i++)
			row[i + 1] = l->cols[i].kind == ADMIN_COL_BOOL
			    ? (db_col_bool(rows, (int)i + 1) ? "1" : "0")
			    : admin_col_dup(x->a, rows, (int)i + 1);
	}
	db_rows_free(rows);
	return rc == -1 ? -1 : 0;
}

static bool
is_filtered(const struct admin_list *l, const struct admin_list_state *s)
{
	size_t i;

	for (i = 0; i < l->nfilters && i < FILTERS; i++) {
		if (s->fv[i] != NULL)
			return true;
	}
	return s->q != NULL;
}

/* Past the end: the last page (the first when there is nothing). */
static void
clamp_page(struct admin_list_state *s)
{
	if (s->page > 1 && (s->page - 1) * ADMIN_PER_PAGE >= s->count)
		s->page = s->count > 0
		    ? (s->count + ADMIN_PER_PAGE - 1) / ADMIN_PER_PAGE
		    : 1;
}

/*
 * How to read the page in the default order (see admin_list_read);
 * READ_SORT when the index does not help. May fill out (a full page of a
 * probe) or s->count on the way (*counted).
 */
static int
choose_read(const struct reader *x, struct admin_list_state *s,
    struct admin_list_rows *out, bool *counted, enum page_read *how)
{
	*how = READ_SORT;
	if (!is_filtered(x->l, s)) {
		*how = READ_WALK;
		return 0;
	}
	if (s->page * ADMIN_PER_PAGE * PROBE_FACTOR < s->total) {
		if (read_rows(x, s, READ_PROBE, out) == -1)
			return -1;
		if (out->nrows == ADMIN_PER_PAGE)
			*how = READ_PROBE;
		return 0;
	}
	/* A later page: count first, and walk when the matches are dense
	 * enough for the walk to read under a quarter of the table. */
	if (count_rows(x, s, &s->count) == -1)
		return -1;
	*counted = true;
	clamp_page(s);
	if (s->page * ADMIN_PER_PAGE * 4 <= s->count)
		*how = READ_WALK;
	return 0;
}

/*
 * The page, then s->count and s->total, reading as little as possible. In
 * the default order with nothing to narrow it, the page is the next rows
 * down the order's index (walk_sql). With a search or a filter, a probe
 * (probe_sql) reads the first (offset + page) * PROBE_FACTOR rows down
 * that index and keeps those that match: a term kept by 1 row in
 * PROBE_FACTOR or more fills the page at once, where page_sql would sort
 * every match. A rarer term leaves the page short and page_sql, whose sort
 * then has few rows, runs instead. For a page too far down for a probe,
 * the count comes first and says which way costs less. A page that is not
 * full tells the count by itself; with no search or filter the count is
 * the table's (an index count). Past the end: the last page.
 */
int
admin_list_read(struct db_conn *db, struct arena *a, const struct admin_list *l,
    struct admin_list_state *s, struct admin_list_rows *rows)
{
	const struct reader x = {db, a, l};
	bool                counted = !is_filtered(l, s);
	enum page_read      how = READ_SORT;
	size_t              n;

	memset(rows, 0, sizeof(*rows));
	if (count_total(&x, &s->total) == -1)
		return -1;
	s->count = s->total;
	if (s->order == l->default_order && l->walk_sql.sqlite != NULL &&
	    l->probe_sql.sqlite != NULL &&
	    choose_read(&x, s, rows, &counted, &how) == -1)
		return -1;
	if (how != READ_PROBE && read_rows(&x, s, how, rows) == -1)
		return -1;
	n = rows->nrows;
	if (!counted &&
	    ((n > 0 && n < ADMIN_PER_PAGE) || (n == 0 && s->page == 1)))
		s->count = (s->page - 1) * ADMIN_PER_PAGE + (int64_t)n;
	else if (!counted && count_rows(&x, s, &s->count) == -1)
		return -1;
	if (n == 0 && s->page > 1 && s->count > 0) {
		clamp_page(s);
		if (read_rows(&x, s, how == READ_PROBE ? READ_SORT : how,
		        rows) == -1)
			return -1;
	}
	return 0;
}

int
admin_list_choices(struct db_conn *db, struct arena *a,
    const struct admin_filter *f, const char ***values, size_t *n)
{
	struct db_rows *rows;
	const char    **v = NULL, **grown;
	size_t          cap = 0;
	int             rc;

	*values = NULL;
	*n = 0;
	if ((rows = db_query(db, f->choices_sql, NULL, 0)) == NULL)
		return -1;
	while ((rc = db_rows_next(rows)) == 1) {
		const char *s = admin_col_dup(a, rows, 0);

		if (s == NULL)
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			grown = arena_alloc(a, cap * sizeof(*grown));
			if (*n > 0)
				memcpy(grown, v, *n * sizeof(*grown));
			v = grown;
		}
		v[(*n)++] = s;
	}
	db_rows_free(rows);
	*values = v;
	return rc == -1 ? -1 : 0;
}
