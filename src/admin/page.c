/*
 * The admin's request gate and page layout: every admin handler enters
 * through admin_enter() (session, form, Origin, CSRF, permission, in that
 * order) and renders through src/html only. One-shot messages survive a
 * redirect in a short-lived cookie (base64url, so any text is cookie-safe;
 * it is escaped like everything else when shown). The context and its page
 * buffer live on the request's arena.
 */
#include "admin/internal.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

#define MSG_COOKIE_MAX_TEXT 600 /* bytes of a flashed message */

static const char *const level_class[] = {"success", "info", "warning",
    "error"};

static void
ctx_cleanup(void *p)
{
	struct admin_ctx *c = p;

	html_cleanup(&c->h);
}

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
admin_col(struct admin_ctx *c, struct db_rows *rows, int col)
{
	const char *p;
	size_t      len;

	if (db_col_is_null(rows, col))
		return NULL;
	p = db_col_text(rows, col, &len);
	return arena_strndup(c->r->arena, p, len);
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
admin_redirect(struct req *r, const char *location)
{
	static const char body[] = "Redirecting";

	resp_header(r, "Location", location);
	resp_header(r, "Cache-Control", "no-store");
	return resp_bytes(r, HTTP_FOUND, "text/plain; charset=utf-8", body,
	    sizeof(body) - 1);
}

void
admin_message(struct admin_ctx *c, enum admin_level level, const char *text)
{
	if (c->nmsgs == ADMIN_MAX_MSGS)
		return;
	c->msgs[c->nmsgs].level = level;
	c->msgs[c->nmsgs].text = text;
	c->nmsgs++;
}

void
admin_flash(struct admin_ctx *c, enum admin_level level, const char *text)
{
	char   b64[sodium_base64_ENCODED_LEN(MSG_COOKIE_MAX_TEXT,
	               sodium_base64_VARIANT_URLSAFE_NO_PADDING) +
            2];
	size_t len = strlen(text);

	if (len > MSG_COOKIE_MAX_TEXT)
		len = MSG_COOKIE_MAX_TEXT;
	b64[0] = (char)('0' + (int)level);
	(void)sodium_bin2base64(b64 + 1, sizeof(b64) - 1,
	    (const unsigned char *)text, len,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	/* A minute: enough for the redirect, not enough to linger. */
	admin_cookie_set(c->r, ADMIN_MSG_COOKIE, b64, 60);
}

/* Takes the flashed message (if any) into c->msgs and clears the cookie. */
static void
take_flash(struct admin_ctx *c)
{
	const char   *v = req_cookie(c->r, ADMIN_MSG_COOKIE);
	unsigned char text[MSG_COOKIE_MAX_TEXT + 1];
	size_t        len = 0;

	if (v == NULL || *v == '\0')
		return;
	admin_cookie_set(c->r, ADMIN_MSG_COOKIE, "", 0);
	if (v[0] < '0' || v[0] > '3' ||
	    sodium_base642bin(text, sizeof(text) - 1, v + 1, strlen(v + 1),
	        NULL, &len, NULL,
	        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return;
	admin_message(c, (enum admin_level)(v[0] - '0'),
	    arena_strndup(c->r->arena, (const char *)text, len));
}

struct db_conn *
admin_db(struct admin_ctx *c)
{
	if (c->db == NULL && (c->db = req_db(c->r)) == NULL)
		(void)admin_error(c, HTTP_SERVICE_UNAVAILABLE,
		    "Service unavailable",
		    "The database is not reachable. Try again in a moment.");
	return c->db;
}

/* The login URL with next=path (only paths we would follow back). */
static int
to_login(struct req *r)
{
	const char *path = arena_strndup(r->arena, r->path.p, r->path.len);
	struct buf  b;
	int         status;

	buf_init(&b, 0);
	if (buf_append_cstr(&b, "/admin/login/") == -1)
		return HTTP_INTERNAL_ERROR;
	if (admin_next_ok(path) && strcmp(path, "/admin/") != 0) {
		if (buf_append_cstr(&b, "?next=") == -1 ||
		    admin_urlencode(&b, path, true) == -1) {
			buf_cleanup(&b);
			return HTTP_INTERNAL_ERROR;
		}
	}
	status = admin_redirect(r, b.data);
	buf_cleanup(&b);
	return status;
}

static int
csrf_failed(struct admin_ctx *c, const char *reason)
{
	log_info("req=%s component=admin msg=\"CSRF check failed\" "
	         "reason=\"%s\"",
	    c->r->id, reason);
	return admin_error(c, HTTP_FORBIDDEN, "Forbidden (403)",
	    admin_printf(c,
	        "CSRF verification failed. Request aborted. (%s) Reload the "
	        "page you came from and submit the form again.",
	        reason));
}

/* The POST half of the gate: form, Origin, CSRF token. 0 when it passes. */
static int
check_post(struct admin_ctx *c, unsigned flags)
{
	const char *sent, *want;

	if (admin_form_parse(c->r, &c->form) == -1)
		return admin_error(c, HTTP_BAD_REQUEST, "Bad request",
		    "The form could not be read. Reload the page and try "
		    "again.");
	if (!admin_origin_ok(c->r))
		return csrf_failed(c,
		    "the Origin of the request is not this "
		    "site");
	sent = admin_form_get(&c->form, ADMIN_CSRF_FIELD);
	if ((flags & ADMIN_PUBLIC) != 0)
		want = req_cookie(c->r, ADMIN_CSRF_COOKIE);
	else
		want = c->user.csrf;
	if (sent == NULL || *sent == '\0')
		return csrf_failed(c, "CSRF token missing");
	if (want == NULL || !admin_is_hex(want, ADMIN_TOKEN_HEX))
		return csrf_failed(c, "CSRF cookie not set");
	if (!admin_token_eq(sent, want))
		return csrf_failed(c, "CSRF token incorrect");
	return 0;
}

int
admin_enter(struct req *r, unsigned flags, struct admin_ctx **out)
{
	struct admin_ctx *c = arena_alloc(r->arena, sizeof(*c));
	int               rc, status;

	memset(c, 0, sizeof(*c));
	c->r = r;
	html_init(&c->h, ADMIN_PAGE_MAX);
	arena_defer(r->arena, ctx_cleanup, c);
	c->is_post = str_eq_cstr(r->method, "POST");
	*out = NULL;
	if (admin_db(c) == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	if ((rc = admin_session_load(r, c->db, &c->user)) == -1) {
		log_error("req=%s component=admin msg=\"session lookup "
		          "failed\" error=\"%s\"",
		    r->id, db_errmsg(c->db));
		return admin_error(c, HTTP_SERVICE_UNAVAILABLE,
		    "Service unavailable",
		    "The database did not answer. Try again in a moment.");
	}
	c->signed_in = rc == 1;
	if (!c->signed_in && (flags & ADMIN_PUBLIC) == 0) {
		if (!c->is_post)
			return to_login(r);
		return csrf_failed(c, "no admin session; sign in again");
	}
	if (c->is_post) {
		if ((status = check_post(c, flags)) != 0)
			return status;
		if ((flags & (ADMIN_PUBLIC | ADMIN_ANY_POST)) == 0 &&
		    !c->user.is_superuser)
			return admin_error(c, HTTP_FORBIDDEN, "Forbidden (403)",
			    "Your account can view the admin but not change "
			    "anything: only superusers can.");
	}
	*out = c;
	return 0;
}

static const struct html_link nav_links[] = {
    {"Home", "/admin/", false},
    {"Users", "/admin/users/user/", false},
    {"Organizations", "/admin/users/organization/", false},
    {"Memberships", "/admin/users/organizationmembership/", false},
    {"Webhook events", "/admin/clerk/webhookevent/", false},
    {"Sync runs", "/admin/clerk/syncrun/", false},
    {"View site", "/", false},
    {"Log out", "/admin/logout/", false},
};

static void
messages(struct admin_ctx *c)
{
	size_t i;

	if (c->nmsgs == 0)
		return;
	html_lit(&c->h, "<ul class=\"messages\">\n");
	for (i = 0; i < c->nmsgs; i++) {
		html_lit(&c->h, "<li");
		html_attr(&c->h, "class", level_class[c->msgs[i].level]);
		if (c->msgs[i].level == ADMIN_ERROR)
			html_lit(&c->h, " role=\"alert\"");
		html_lit(&c->h, ">");
		html_text(&c->h, c->msgs[i].text);
		html_lit(&c->h, "</li>\n");
	}
	html_lit(&c->h, "</ul>\n");
}

static void
crumbs_render(struct admin_ctx *c, const struct html_link *crumbs, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	html_lit(&c->h, "<nav aria-label=\"Breadcrumbs\"><p class=\"muted\">");
	for (i = 0; i < n; i++) {
		if (i > 0)
			html_lit(&c->h, " \xE2\x80\xBA ");
		if (crumbs[i].href != NULL) {
			html_lit(&c->h, "<a");
			html_url_attr(&c->h, "href", crumbs[i].href);
			html_lit(&c->h, ">");
			html_text(&c->h, crumbs[i].label);
			html_lit(&c->h, "</a>");
		} else {
			html_text(&c->h, crumbs[i].label);
		}
	}
	html_lit(&c->h, "</p></nav>\n");
}

void
admin_page_begin(struct admin_ctx *c, const char *title,
    const struct html_link *crumbs, size_t ncrumbs)
{
	struct html_link nav[ARRAY_LEN(nav_links)];
	struct html_page p = {0};
	size_t           i;

	take_flash(c);
	memcpy(nav, nav_links, sizeof(nav));
	for (i = 0; i < ARRAY_LEN(nav); i++)
		nav[i].is_current =
		    c->nav != NULL && strcmp(c->nav, nav[i].href) == 0;
	p.title = admin_printf(c, "%s | mysaas administration", title);
	p.site = "mysaas administration";
	p.site_href = "/admin/";
	p.body_class = "admin";
	if (c->signed_in) {
		p.nav = nav;
		p.nav_len = ARRAY_LEN(nav);
	}
	html_page_begin(&c->h, &p);
	crumbs_render(c, crumbs, ncrumbs);
	messages(c);
}

int
admin_page_end(struct admin_ctx *c, int status)
{
	struct str out;

	if (c->signed_in) {
		html_lit(&c->h, "<footer>Signed in as ");
		html_text(&c->h, c->user.email);
		if (c->user.is_superuser)
			html_lit(&c->h, " (superuser).");
		else
			html_lit(&c->h, " (view only).");
		html_lit(&c->h, "</footer>\n");
	}
	html_page_end(&c->h);
	if (html_result(&c->h, &out) == -1) {
		log_error("req=%s component=admin msg=\"page too large or "
		          "refused by the HTML module\"",
		    c->r->id);
		return admin_error_req(c->r, HTTP_INTERNAL_ERROR,
		    "Server error", "This page could not be rendered.");
	}
	resp_header(c->r, "Cache-Control", "no-store");
	return resp_html(c->r, status, out.p, out.len);
}

int
admin_error(struct admin_ctx *c, int status, const char *title,
    const char *text)
{
	html_cleanup(&c->h);
	html_init(&c->h, ADMIN_PAGE_MAX);
	c->nmsgs = 0;
	admin_page_begin(c, title, NULL, 0);
	html_lit(&c->h, "<h1>");
	html_text(&c->h, title);
	html_lit(&c->h, "</h1>\n<p>");
	html_text(&c->h, text);
	html_lit(&c->h,
	    "</p>\n<p><a href=\"/admin/\">Back to the admin "
	    "home</a></p>\n");
	return admin_page_end(c, status);
}

int
admin_error_req(struct req *r, int status, const char *title, const char *text)
{
	struct html      h;
	struct html_page p = {0};
	struct str       out;
	int              rc;

	html_init(&h, 64 * 1024);
	p.title = title;
	p.site = "mysaas administration";
	p.site_href = "/admin/";
	html_page_begin(&h, &p);
	html_lit(&h, "<h1>");
	html_text(&h, title);
	html_lit(&h, "</h1>\n<p>");
	html_text(&h, text);
	html_lit(&h, "</p>\n");
	html_page_end(&h);
	if (html_result(&h, &out) == -1)
		rc = HTTP_INTERNAL_ERROR;
	else
		rc = resp_html(r, status, out.p, out.len);
	html_cleanup(&h);
	return rc;
}

void
admin_csrf_input(struct admin_ctx *c)
{
	html_lit(&c->h, "<input type=\"hidden\" name=\"" ADMIN_CSRF_FIELD "\"");
	html_attr(&c->h, "value", c->user.csrf);
	html_lit(&c->h, ">\n");
}

void
admin_form_open(struct admin_ctx *c, const char *action)
{
	html_lit(&c->h, "<form method=\"post\"");
	if (action != NULL)
		html_url_attr(&c->h, "action", action);
	html_lit(&c->h, ">\n");
	admin_csrf_input(c);
}

void
admin_table_begin(struct admin_ctx *c, const char *id,
    const char *const *titles, size_t n)
{
	size_t i;

	html_lit(&c->h, "<div class=\"table-wrap\">\n<table");
	html_attr(&c->h, "id", id);
	html_lit(&c->h, ">\n<thead><tr>");
	for (i = 0; i < n; i++) {
		html_lit(&c->h, "<th scope=\"col\">");
		html_text(&c->h, titles[i]);
		html_lit(&c->h, "</th>");
	}
	html_lit(&c->h, "</tr></thead>\n<tbody>\n");
}

void
admin_table_end(struct admin_ctx *c)
{
	html_lit(&c->h, "</tbody>\n</table>\n</div>\n");
}

void
admin_time(struct html *h, const char *db)
{
	char out[ADMIN_TIME_SIZE];

	if (db == NULL || *db == '\0') {
		html_lit(h, "<span class=\"muted\">\xE2\x80\x94</span>");
		return;
	}
	admin_time_display(db, out);
	html_lit(h, "<time>");
	html_text(h, out);
	html_lit(h, "</time>");
}

void
admin_bool(struct html *h, bool v)
{
	if (v)
		html_lit(h, "<span title=\"Yes\">\xE2\x9C\x94 Yes</span>");
	else
		html_lit(h,
		    "<span class=\"muted\" title=\"No\">\xE2\x9C\x98 "
		    "No</span>");
}
