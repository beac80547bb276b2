/*
 * The changelist engine: search, filters, sorting and pagination over a
 * model's two static statements (struct admin_list). Nothing from the
 * query string reaches SQL text: filter values and search words travel as
 * bound parameters (LIKE metacharacters escaped), the sort is a column
 * number checked against the model's columns, and every statement is a
 * literal, so the database layer's statement caches stay small.
 */
#include "admin/changelist.h"

#include <string.h>

#include "admin/model.h"
#include "admin/page.h"
#include "core/log.h"

#define ADMIN_PER_PAGE 100 /* changelist rows per page */
#define MAX_FILTERS    4
#define SEARCH_WORDS   3
#define Q_MAX          200 /* bytes of a search term */

struct cl_state {
	const char *q;
	const char *fv[MAX_FILTERS]; /* NULL: filter not set */
	int         order;           /* +/- 1-based column */
	int64_t     page;            /* 1-based */
	int64_t     count, total;
};

/* The column of an o= value ("email", "-email"), as +/-(index + 1). */
static int
parse_order(const struct admin_list *l, const char *o)
{
	bool   desc = o != NULL && o[0] == '-';
	size_t i;

	if (o == NULL)
		return l->default_order;
	for (i = 0; i < l->ncols; i++) {
		if (l->cols[i].key != NULL &&
		    strcmp(l->cols[i].key, o + (desc ? 1 : 0)) == 0)
			return desc ? -(int)(i + 1) : (int)(i + 1);
	}
	return l->default_order;
}

static bool
choice_ok(const struct admin_filter *f, const char *v)
{
	size_t i;

	if (f->is_bool)
		return strcmp(v, "1") == 0 || strcmp(v, "0") == 0;
	if (f->is_int) {
		int64_t n;

		return str_to_i64(str_from_cstr(v), 1, INT64_MAX, &n) == 0;
	}
	if (f->choices != NULL) {
		for (i = 0; f->choices[i] != NULL; i++) {
			if (strcmp(f->choices[i], v) == 0)
				return true;
		}
		return false;
	}
	return *v != '\0' && strlen(v) <= 200 &&
	    admin_text_ok(v, strlen(v), false);
}

static void
parse_state(struct admin_ctx *c, const struct admin_list *l, struct cl_state *s)
{
	const char *v;
	size_t      i;
	int64_t     p;

	memset(s, 0, sizeof(*s));
	v = req_query(c->r, "q");
	if (v != NULL && *v != '\0' && strlen(v) <= Q_MAX &&
	    admin_text_ok(v, strlen(v), false) && l->search_help != NULL)
		s->q = v;
	for (i = 0; i < l->nfilters && i < MAX_FILTERS; i++) {
		v = req_query(c->r, l->filters[i].param);
		if (v != NULL && choice_ok(&l->filters[i], v))
			s->fv[i] = v;
	}
	s->order = parse_order(l, req_query(c->r, "o"));
	s->page = 1;
	v = req_query(c->r, "p");
	if (v != NULL && str_to_i64(str_from_cstr(v), 1, 1000000000, &p) == 0)
		s->page = p;
}

/*
 * The query string of s with name set to value (NULL: removed); changing
 * anything but the page goes back to page 1. Returns a URL for href.
 */
static const char *
qs(struct admin_ctx *c, const struct cl_state *s, const char *name,
    const char *value)
{
	const struct admin_list *l = c->model->list;
	const char              *names[MAX_FILTERS + 3], *vals[MAX_FILTERS + 3];
	char                     obuf[40], pbuf[24];
	size_t                   n = 0, i;
	struct buf               b;
	const char              *out;

	names[n] = "q";
	vals[n++] = s->q;
	for (i = 0; i < l->nfilters && i < MAX_FILTERS; i++) {
		names[n] = l->filters[i].param;
		vals[n++] = s->fv[i];
	}
	if (s->order != l->default_order) {
		int k = s->order < 0 ? -s->order : s->order;

		(void)snprintf(obuf, sizeof(obuf), "%s%s",
		    s->order < 0 ? "-" : "", l->cols[k - 1].key);
		names[n] = "o";
		vals[n++] = obuf;
	} else {
		names[n] = "o";
		vals[n++] = NULL;
	}
	(void)snprintf(pbuf, sizeof(pbuf), "%lld", (long long)s->page);
	/* Any change but the page's goes back to page 1. */
	names[n] = "p";
	vals[n++] = s->page > 1 && strcmp(name, "p") == 0 ? pbuf : NULL;
	buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		const char *v = strcmp(names[i], name) == 0 ? value : vals[i];

		if (v == NULL)
			continue;
		if (buf_append_cstr(&b, b.len == 0 ? "?" : "&") == -1 ||
		    buf_append_cstr(&b, names[i]) == -1 ||
		    buf_append_cstr(&b, "=") == -1 ||
		    admin_urlencode(&b, v, false) == -1)
			b.len = 0;
	}
	out = b.len > 0 ? arena_strndup(c->r->arena, b.data, b.len)
	                : admin_url(c, c->model, NULL, NULL);
	buf_cleanup(&b);
	return out;
}

/* Fills p with the filters and search words; returns how many. */
static size_t
where_params(struct admin_ctx *c, const struct cl_state *s, struct db_param *p)
{
	const struct admin_list *l = c->model->list;
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
	while (q != NULL && w < SEARCH_WORDS) {
		struct buf b;
		size_t     len;

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '\0')
			break;
		len = w == SEARCH_WORDS - 1 ? strlen(q) : strcspn(q, " \t");
		while (len > 0 && (q[len - 1] == ' ' || q[len - 1] == '\t'))
			len--;
		buf_init(&b, 0);
		if (admin_like_contains(&b, q, len) == -1)
			b.len = 0;
		p[n++] = DB_TEXT(arena_strndup(c->r->arena, b.data, b.len));
		buf_cleanup(&b);
		q += len;
		w++;
	}
	for (; w < SEARCH_WORDS; w++)
		p[n++] = DB_NULLP;
	return n;
}

static int
count_rows(struct admin_ctx *c, const struct cl_state *s, int64_t *out)
{
	struct db_param p[MAX_FILTERS + SEARCH_WORDS];
	size_t          n = where_params(c, s, p);
	struct db_rows *rows;
	int             rc;

	rows = db_query_sql_planned(c->db, &c->model->list->count_sql, p, n);
	if (rows == NULL)
		return -1;
	if ((rc = db_rows_next(rows)) == 1)
		*out = db_col_int(rows, 0);
	db_rows_free(rows);
	return rc == -1 ? -1 : 0;
}

/* Every row of the model (the "N total" after a search or filter). */
static int
count_total(struct admin_ctx *c, int64_t *out)
{
	return db_query_int(c->db, c->model->list->total_sql, NULL, 0, out,
	           NULL) == -1
	    ? -1
	    : 0;
}

static void
search_box(struct admin_ctx *c, const struct cl_state *s)
{
	const struct admin_list *l = c->model->list;
	size_t                   i;

	if (l->search_help == NULL)
		return;
	html_lit(&c->h,
	    "<form class=\"toolbar\" method=\"get\" "
	    "role=\"search\"");
	html_url_attr(&c->h, "action", admin_url(c, c->model, NULL, NULL));
	html_lit(&c->h,
	    ">\n<input type=\"search\" name=\"q\" id=\"searchbar\"");
	html_attr(&c->h, "value", s->q != NULL ? s->q : "");
	html_attr(&c->h, "aria-label",
	    admin_printf(c, "Search %s", c->model->verbose_plural));
	html_attr(&c->h, "placeholder", l->search_help);
	html_lit(&c->h, ">\n");
	for (i = 0; i < l->nfilters; i++) {
		if (s->fv[i] == NULL)
			continue;
		html_lit(&c->h, "<input type=\"hidden\"");
		html_attr(&c->h, "name", l->filters[i].param);
		html_attr(&c->h, "value", s->fv[i]);
		html_lit(&c->h, ">\n");
	}
	html_lit(&c->h, "<button type=\"submit\">Search</button>\n</form>\n");
	if (s->q != NULL || s->count != s->total) {
		html_lit(&c->h, "<p class=\"muted\">");
		html_int(&c->h, s->count);
		if (s->count == 1)
			html_lit(&c->h, " result (");
		else
			html_lit(&c->h, " results (");
		html_lit(&c->h, "<a");
		html_url_attr(&c->h, "href",
		    admin_url(c, c->model, NULL, NULL));
		html_lit(&c->h, ">");
		html_int(&c->h, s->total);
		html_lit(&c->h, " total</a>)</p>\n");
	}
}

static void
filter_link(struct admin_ctx *c, const struct cl_state *s, size_t i,
    const char *value, const char *label)
{
	const char *cur = s->fv[i];
	bool        sel = (cur == NULL && value == NULL) ||
	    (cur != NULL && value != NULL && strcmp(cur, value) == 0);

	if (sel)
		html_lit(&c->h,
		    "<li class=\"selected\"><a aria-current=\"true\"");
	else
		html_lit(&c->h, "<li><a");
	html_url_attr(&c->h, "href",
	    qs(c, s, c->model->list->filters[i].param, value));
	html_lit(&c->h, ">");
	html_text(&c->h, label);
	html_lit(&c->h, "</a></li>\n");
}

static int
sidebar(struct admin_ctx *c, const struct cl_state *s)
{
	const struct admin_list *l = c->model->list;
	size_t                   i, j, shown = 0;

	for (i = 0; i < l->nfilters; i++) {
		const struct admin_filter *f = &l->filters[i];

		if (f->title == NULL && s->fv[i] == NULL)
			continue;
		if (shown++ == 0)
			html_lit(&c->h,
			    "<aside class=\"sidebar\" "
			    "aria-label=\"Filter\">\n<h2>Filter</h2>\n");
		html_lit(&c->h, "<h3>By ");
		html_text(&c->h, f->title != NULL ? f->title : f->param);
		html_lit(&c->h, "</h3>\n<ul>\n");
		filter_link(c, s, i, NULL, "All");
		if (f->is_bool) {
			filter_link(c, s, i, "1", "Yes");
			filter_link(c, s, i, "0", "No");
		} else if (f->choices != NULL) {
			for (j = 0; f->choices[j] != NULL; j++)
				filter_link(c, s, i, f->choices[j],
				    f->choices[j]);
		} else if (f->choices_sql != NULL) {
			struct db_rows *rows;
			int             rc;

			rows = db_query(c->db, f->choices_sql, NULL, 0);
			if (rows == NULL)
				return -1;
			while ((rc = db_rows_next(rows)) == 1) {
				const char *v = admin_col(c, rows, 0);

				if (v != NULL)
					filter_link(c, s, i, v, v);
			}
			db_rows_free(rows);
			if (rc == -1)
				return -1;
		} else if (s->fv[i] != NULL) {
			filter_link(c, s, i, s->fv[i],
			    admin_printf(c, "#%s", s->fv[i]));
		}
		html_lit(&c->h, "</ul>\n");
	}
	if (shown > 0)
		html_lit(&c->h, "</aside>\n");
	return 0;
}

static void
header_row(struct admin_ctx *c, const struct cl_state *s)
{
	const struct admin_list *l = c->model->list;
	size_t                   i;

	html_lit(&c->h, "<thead><tr>\n");
	for (i = 0; i < l->ncols; i++) {
		int  k = (int)i + 1;
		bool asc = s->order == k, desc = s->order == -k;

		html_lit(&c->h, "<th scope=\"col\"");
		if (asc || desc)
			html_attr(&c->h, "class",
			    asc ? "sorted-asc" : "sorted-desc");
		if (asc || desc)
			html_attr(&c->h, "aria-sort",
			    asc ? "ascending" : "descending");
		html_lit(&c->h, ">");
		if (l->cols[i].key != NULL) {
			html_lit(&c->h, "<a");
			html_url_attr(&c->h, "href",
			    qs(c, s, "o",
			        asc ? admin_printf(c, "-%s", l->cols[i].key)
			            : l->cols[i].key));
			html_lit(&c->h, ">");
			html_text(&c->h, l->cols[i].label);
			html_lit(&c->h, "</a>");
		} else {
			html_text(&c->h, l->cols[i].label);
		}
		html_lit(&c->h, "</th>\n");
	}
	html_lit(&c->h, "</tr></thead>\n");
}

static void
cell(struct admin_ctx *c, struct db_rows *rows, int col, int kind,
    const char *link)
{
	const char *v = admin_col(c, rows, col);

	if (kind == ADMIN_COL_INT)
		html_lit(&c->h, "<td class=\"num\">");
	else
		html_lit(&c->h, "<td>");
	if (link != NULL) {
		html_lit(&c->h, "<a");
		html_url_attr(&c->h, "href", link);
		html_lit(&c->h, ">");
	}
	if (v == NULL && link == NULL && kind != ADMIN_COL_BOOL)
		html_lit(&c->h, "<span class=\"muted\">\xE2\x80\x94</span>");
	else if (kind == ADMIN_COL_BOOL)
		admin_bool(&c->h, db_col_bool(rows, col));
	else if (kind == ADMIN_COL_TIME)
		admin_time(&c->h, v);
	else if (link != NULL && (v == NULL || *v == '\0'))
		html_text(&c->h,
		    admin_printf(c, "%s #%s", c->model->verbose,
		        admin_col(c, rows, 0)));
	else
		html_text(&c->h, v);
	if (link != NULL)
		html_lit(&c->h, "</a>");
	html_lit(&c->h, "</td>");
}

/* The probe walks at most this many rows per row it shows. */
#define PROBE_FACTOR 64

enum page_read {
	READ_SORT,  /* page_sql */
	READ_WALK,  /* walk_sql */
	READ_PROBE, /* probe_sql */
};

/*
 * Renders a page of rows into out (not c->h: the counts go above the
 * rows), read as how says (see fetch); *n gets the rows on this page.
 */
static int
table(struct admin_ctx *c, const struct cl_state *s, enum page_read how,
    struct html *out, int *n)
{
	const struct admin_list *l = c->model->list;
	struct db_param          p[MAX_FILTERS + SEARCH_WORDS + 3];
	size_t                   np = where_params(c, s, p), i;
	int64_t                  offset = (s->page - 1) * ADMIN_PER_PAGE;
	struct db_rows          *rows;
	struct html              saved = c->h;
	int                      rc;

	const struct db_sql *sql = how == READ_WALK ? &l->walk_sql
	    : how == READ_PROBE                     ? &l->probe_sql
	                                            : &l->page_sql;

	if (how == READ_SORT)
		p[np++] = DB_INT(s->order);
	p[np++] = DB_INT(ADMIN_PER_PAGE);
	p[np++] = DB_INT(offset);
	if (how == READ_PROBE)
		p[np++] = DB_INT((offset + ADMIN_PER_PAGE) * PROBE_FACTOR);
	*n = 0;
	rows = db_query_sql_planned(c->db, sql, p, np);
	if (rows == NULL)
		return -1;
	c->h = *out; /* cell() and friends write to c->h */
	html_lit(&c->h,
	    "<div class=\"table-wrap\">\n<table id=\"result_list\">\n");
	header_row(c, s);
	html_lit(&c->h, "<tbody>\n");
	while ((rc = db_rows_next(rows)) == 1) {
		const char *id = admin_col(c, rows, 0);

		(*n)++;
		html_lit(&c->h, "<tr>");
		for (i = 0; i < l->ncols; i++)
			cell(c, rows, (int)i + 1, l->cols[i].kind,
			    i == 0 ? admin_url(c, c->model, id, "change")
			           : NULL);
		html_lit(&c->h, "</tr>\n");
	}
	db_rows_free(rows);
	html_lit(&c->h, "</tbody>\n</table>\n</div>\n");
	*out = c->h;
	c->h = saved;
	return rc;
}

static void
page_link(struct admin_ctx *c, const struct cl_state *s, int64_t p)
{
	char num[24];

	(void)snprintf(num, sizeof(num), "%lld", (long long)p);
	if (p == s->page) {
		html_lit(&c->h,
		    "<span class=\"current\" aria-current=\"page\">");
		html_int(&c->h, p);
		html_lit(&c->h, "</span>\n");
		return;
	}
	html_lit(&c->h, "<a");
	html_url_attr(&c->h, "href", qs(c, s, "p", p > 1 ? num : NULL));
	html_lit(&c->h, ">");
	html_int(&c->h, p);
	html_lit(&c->h, "</a>\n");
}

static void
pagination(struct admin_ctx *c, const struct cl_state *s, int64_t pages)
{
	int64_t p;
	bool    gap = false;

	html_lit(&c->h, "<nav class=\"pagination\" aria-label=\"Pages\">\n");
	for (p = 1; pages > 1 && p <= pages; p++) {
		/* Django's window: the ends and three each side of here. */
		if (p <= 2 || p > pages - 2 ||
		    (p >= s->page - 3 && p <= s->page + 3)) {
			page_link(c, s, p);
			gap = false;
		} else if (!gap) {
			html_lit(&c->h, "<span>\xE2\x80\xA6</span>\n");
			gap = true;
		}
	}
	html_lit(&c->h, "<span class=\"count\">");
	html_int(&c->h, s->count);
	html_lit(&c->h, " ");
	html_text(&c->h,
	    s->count == 1 ? c->model->verbose : c->model->verbose_plural);
	html_lit(&c->h, "</span>\n</nav>\n");
}

static bool
is_filtered(const struct admin_list *l, const struct cl_state *s)
{
	size_t i;

	for (i = 0; i < l->nfilters && i < MAX_FILTERS; i++) {
		if (s->fv[i] != NULL)
			return true;
	}
	return s->q != NULL;
}

static void
table_reset(struct html *tbl)
{
	html_cleanup(tbl);
	html_init(tbl, ADMIN_PAGE_MAX);
}

/* Past the end: the last page (the first when there is nothing). */
static void
clamp_page(struct cl_state *s)
{
	if (s->page > 1 && (s->page - 1) * ADMIN_PER_PAGE >= s->count)
		s->page = s->count > 0
		    ? (s->count + ADMIN_PER_PAGE - 1) / ADMIN_PER_PAGE
		    : 1;
}

/*
 * How to read the page in the default order (see fetch); READ_SORT when
 * the index does not help. May fill tbl (*n rows) or s->count on the way
 * (*counted).
 */
static int
choose_read(struct admin_ctx *c, struct cl_state *s, struct html *tbl, int *n,
    bool *counted, enum page_read *how)
{
	*how = READ_SORT;
	if (!is_filtered(c->model->list, s)) {
		*how = READ_WALK;
		return 0;
	}
	if (s->page * ADMIN_PER_PAGE * PROBE_FACTOR < s->total) {
		if (table(c, s, READ_PROBE, tbl, n) == -1)
			return -1;
		if (*n == ADMIN_PER_PAGE)
			*how = READ_PROBE;
		else
			table_reset(tbl);
		return 0;
	}
	/* A later page: count first, and walk when the matches are dense
	 * enough for the walk to read under a quarter of the table. */
	if (count_rows(c, s, &s->count) == -1)
		return -1;
	*counted = true;
	clamp_page(s);
	if (s->page * ADMIN_PER_PAGE * 4 <= s->count)
		*how = READ_WALK;
	return 0;
}

/*
 * The page into tbl, then s->count and s->total, reading as little as
 * possible. In the default order with nothing to narrow it, the page is
 * the next rows down the order's index (walk_sql). With a search or a
 * filter, a probe (probe_sql) reads the first (offset + page) *
 * PROBE_FACTOR rows down that index and shows those that match: a term
 * kept by 1 row in PROBE_FACTOR or more fills the page at once, where
 * page_sql would sort every match. A rarer term leaves the page short and
 * page_sql, whose sort then has few rows, runs instead. For a page too
 * far down for a probe, the count comes first and says which way costs
 * less. A page that is not full tells the count by itself; with no search
 * or filter the count is the table's (an index count). Past the end: the
 * last page.
 */
static int
fetch(struct admin_ctx *c, struct cl_state *s, struct html *tbl)
{
	const struct admin_list *l = c->model->list;
	bool                     filtered = is_filtered(l, s);
	bool                     counted = !filtered;
	enum page_read           how = READ_SORT;
	int                      n = 0;

	if (count_total(c, &s->total) == -1)
		return -1;
	s->count = s->total;
	if (s->order == l->default_order && l->walk_sql.sqlite != NULL &&
	    l->probe_sql.sqlite != NULL &&
	    choose_read(c, s, tbl, &n, &counted, &how) == -1)
		return -1;
	if (how != READ_PROBE && table(c, s, how, tbl, &n) == -1)
		return -1;
	if (!counted &&
	    ((n > 0 && n < ADMIN_PER_PAGE) || (n == 0 && s->page == 1)))
		s->count = (s->page - 1) * ADMIN_PER_PAGE + n;
	else if (!counted && count_rows(c, s, &s->count) == -1)
		return -1;
	if (n == 0 && s->page > 1 && s->count > 0) {
		clamp_page(s);
		table_reset(tbl);
		if (table(c, s, how == READ_PROBE ? READ_SORT : how, tbl, &n) ==
		    -1)
			return -1;
	}
	return 0;
}

int
admin_changelist_render(struct admin_ctx *c)
{
	const struct admin_model *m = c->model;
	struct cl_state           s;
	struct html               tbl;
	struct html_link          crumbs[2] = {{"Home", "/admin/", false},
	             {m->title_plural, NULL, false}};
	bool                      edit = c->user.is_superuser && !m->read_only;

	parse_state(c, m->list, &s);
	html_init(&tbl, ADMIN_PAGE_MAX);
	if (fetch(c, &s, &tbl) == -1)
		goto failed;
	c->nav = admin_url(c, m, NULL, NULL);
	admin_page_begin(c, m->title_plural, crumbs, ARRAY_LEN(crumbs));
	html_lit(&c->h, "<h1>");
	html_text(&c->h,
	    admin_printf(c, "Select %s to %s", m->verbose,
	        edit ? "change" : "view"));
	html_lit(&c->h, "</h1>\n");
	if (edit && m->add != NULL) {
		html_lit(&c->h, "<p><a class=\"btn\"");
		html_url_attr(&c->h, "href", admin_url(c, m, NULL, "add"));
		html_lit(&c->h, ">Add ");
		html_text(&c->h, m->verbose);
		html_lit(&c->h, "</a></p>\n");
	}
	search_box(c, &s);
	html_lit(&c->h,
	    "<div class=\"with-sidebar\">\n<div class=\"content\">\n");
	html_frag(&c->h, &tbl);
	html_cleanup(&tbl);
	pagination(c, &s, (s.count + ADMIN_PER_PAGE - 1) / ADMIN_PER_PAGE);
	html_lit(&c->h, "</div>\n");
	if (sidebar(c, &s) == -1)
		goto failed;
	html_lit(&c->h, "</div>\n");
	return admin_page_end(c, HTTP_OK);
failed:
	html_cleanup(&tbl);
	log_error("req=%s component=admin msg=\"changelist query failed\" "
	          "error=\"%s\"",
	    c->r->id, db_errmsg(c->db));
	return admin_error(c, HTTP_SERVICE_UNAVAILABLE, "Service unavailable",
	    "The database did not answer. Try again in a moment.");
}
