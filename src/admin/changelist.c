/*
 * The changelist page: the search box, the filters' sidebar, the sortable
 * columns and the pagination, around the rows admin/listing.c reads. The
 * query string is checked here (a search term of valid text, filter values
 * among their choices, a sort column of the model) before it reaches the
 * reads, and every link keeps the rest of the query string.
 */
#include "admin/changelist.h"

#include <string.h>

#include "admin/listing.h"
#include "admin/model.h"
#include "admin/page.h"
#include "core/log.h"

#define MAX_FILTERS ADMIN_LIST_MAX_FILTERS
#define Q_MAX       200 /* bytes of a search term */

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
parse_state(struct admin_ctx *c, const struct admin_list *l,
    struct admin_list_state *s)
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
qs(struct admin_ctx *c, const struct admin_list_state *s, const char *name,
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

static void
search_box(struct admin_ctx *c, const struct admin_list_state *s)
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
filter_link(struct admin_ctx *c, const struct admin_list_state *s, size_t i,
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
sidebar(struct admin_ctx *c, const struct admin_list_state *s)
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
			const char **v;
			size_t       n;

			if (admin_list_choices(c->db, c->r->arena, f, &v, &n) ==
			    -1)
				return -1;
			for (j = 0; j < n; j++)
				filter_link(c, s, i, v[j], v[j]);
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
header_row(struct admin_ctx *c, const struct admin_list_state *s)
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

/* One cell of a row whose id is id (link: to its change page, or NULL). */
static void
cell(struct admin_ctx *c, const char *id, const char *v, int kind,
    const char *link)
{
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
		/* admin_list_read() gives bool cells "1" or "0", never NULL. */
		/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
		admin_bool(&c->h, strcmp(v, "1") == 0);
	else if (kind == ADMIN_COL_TIME)
		admin_time(&c->h, v);
	else if (link != NULL && (v == NULL || *v == '\0'))
		html_text(&c->h,
		    admin_printf(c, "%s #%s", c->model->verbose, id));
	else
		html_text(&c->h, v);
	if (link != NULL)
		html_lit(&c->h, "</a>");
	html_lit(&c->h, "</td>");
}

/* The rows, each linking to its object's change page from its first cell. */
static void
table(struct admin_ctx *c, const struct admin_list_state *s,
    const struct admin_list_rows *rows)
{
	const struct admin_list *l = c->model->list;
	size_t                   r, i;

	html_lit(&c->h,
	    "<div class=\"table-wrap\">\n<table id=\"result_list\">\n");
	header_row(c, s);
	html_lit(&c->h, "<tbody>\n");
	for (r = 0; r < rows->nrows; r++) {
		const char *const *row = &rows->cells[r * rows->ncols];

		html_lit(&c->h, "<tr>");
		for (i = 0; i < l->ncols; i++)
			cell(c, row[0], row[i + 1], l->cols[i].kind,
			    i == 0 ? admin_url(c, c->model, row[0], "change")
			           : NULL);
		html_lit(&c->h, "</tr>\n");
	}
	html_lit(&c->h, "</tbody>\n</table>\n</div>\n");
}

static void
page_link(struct admin_ctx *c, const struct admin_list_state *s, int64_t p)
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
pagination(struct admin_ctx *c, const struct admin_list_state *s, int64_t pages)
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

int
admin_changelist_render(struct admin_ctx *c)
{
	const struct admin_model *m = c->model;
	struct admin_list_state   s;
	struct admin_list_rows    rows;
	struct html_link          crumbs[2] = {{"Home", "/admin/", false},
	             {m->title_plural, NULL, false}};
	bool                      edit = c->user.is_superuser && !m->read_only;

	parse_state(c, m->list, &s);
	if (admin_list_read(c->db, c->r->arena, m->list, &s, &rows) == -1)
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
	table(c, &s, &rows);
	pagination(c, &s, (s.count + ADMIN_PER_PAGE - 1) / ADMIN_PER_PAGE);
	html_lit(&c->h, "</div>\n");
	if (sidebar(c, &s) == -1)
		goto failed;
	html_lit(&c->h, "</div>\n");
	return admin_page_end(c, HTTP_OK);
failed:
	log_error("req=%s component=admin msg=\"changelist query failed\" "
	          "error=\"%s\"",
	    c->r->id, db_errmsg(c->db));
	return admin_error(c, HTTP_SERVICE_UNAVAILABLE, "Service unavailable",
	    "The database did not answer. Try again in a moment.");
}
