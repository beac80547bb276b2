/*
 * The admin's page layout and widgets (see page.h): every admin page
 * renders through src/html only. One-shot messages survive a redirect in
 * a short-lived cookie (base64url, so any text is cookie-safe; it is
 * escaped like everything else when shown). The page buffer lives on the
 * request's arena.
 */
#include "admin/page.h"

#include <sodium.h>
#include <string.h>

#include "admin/model.h"
#include "core/log.h"
#include "core/timeutil.h"

#define MSG_COOKIE          "mysaas_admin_msg"
#define MSG_COOKIE_MAX_TEXT 600 /* bytes of a flashed message */

static const char *const level_class[] = {"success", "info", "warning",
    "error"};

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
	admin_cookie_set(c->r, MSG_COOKIE, b64, 60);
}

/* Takes the flashed message (if any) into c->msgs and clears the cookie. */
static void
take_flash(struct admin_ctx *c)
{
	const char   *v = req_cookie(c->r, MSG_COOKIE);
	unsigned char text[MSG_COOKIE_MAX_TEXT + 1];
	size_t        len = 0;

	if (v == NULL || *v == '\0')
		return;
	admin_cookie_set(c->r, MSG_COOKIE, "", 0);
	if (v[0] < '0' || v[0] > '3' ||
	    sodium_base642bin(text, sizeof(text) - 1, v + 1, strlen(v + 1),
	        NULL, &len, NULL,
	        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return;
	admin_message(c, (enum admin_level)(v[0] - '0'),
	    arena_strndup(c->r->arena, (const char *)text, len));
}

static const struct html_link nav_links[] = {
    {"Home", "/admin/", false},
    {"Users", "/admin/users/user/", false},
    {"Organizations", "/admin/users/organization/", false},
    {"Memberships", "/admin/users/organizationmembership/", false},
    {"Invitations", "/admin/users/organizationinvitation/", false},
    {"Domains", "/admin/users/organizationdomain/", false},
    {"Sessions", "/admin/users/session/", false},
    {"Roles", "/admin/clerk/role/", false},
    {"Permissions", "/admin/clerk/permission/", false},
    {"Webhook events", "/admin/clerk/webhookevent/", false},
    {"Sync runs", "/admin/clerk/syncrun/", false},
    {"View site", "/", false},
};

/*
 * Log out is one click, as in Django 5: a POST form in the header of every
 * page of a signed-in admin, with the session's CSRF token (GET
 * /admin/logout/ only asks). Django's own markup.
 */
static void
logout_form(struct admin_ctx *c, struct html *h)
{
	html_lit(h,
	    "<form id=\"logout-form\" method=\"post\" "
	    "action=\"/admin/logout/\">\n<input type=\"hidden\" "
	    "name=\"" ADMIN_CSRF_FIELD "\"");
	html_attr(h, "value", c->user.csrf);
	html_lit(h, ">\n<button type=\"submit\">Log out</button>\n</form>\n");
}

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
	struct html      header;
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
	html_init(&header, 4096);
	if (c->signed_in) {
		p.nav = nav;
		p.nav_len = ARRAY_LEN(nav);
		logout_form(c, &header);
		p.header = &header;
	}
	html_page_begin(&c->h, &p);
	html_cleanup(&header);
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

	html_init(&h, 64UL * 1024);
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
admin_ms_time(struct html *h, int64_t ms)
{
	char iso[ISO_TIME_SIZE];

	if (ms == DB_NO_INT) {
		admin_time(h, NULL);
		return;
	}
	time_iso_from_ms(ms, iso);
	admin_time(h, iso);
}

void
admin_ms_field(struct admin_ctx *c, const char *label, int64_t ms)
{
	html_lit(&c->h, "<dt>");
	html_text(&c->h, label);
	html_lit(&c->h, "</dt><dd>");
	admin_ms_time(&c->h, ms);
	html_lit(&c->h, "</dd>\n");
}

void
admin_link_field(struct admin_ctx *c, const char *label,
    const struct admin_model *m, const char *id, const char *text)
{
	html_lit(&c->h, "<dt>");
	html_text(&c->h, label);
	html_lit(&c->h, "</dt><dd><a");
	html_url_attr(&c->h, "href", admin_url(c, m, id, "change"));
	html_lit(&c->h, ">");
	html_text(&c->h, text);
	html_lit(&c->h, "</a></dd>\n");
}

void
admin_mirror_times(struct admin_ctx *c, int64_t clerk_updated_ms,
    const char *created_at, const char *updated_at)
{
	admin_ms_field(c, "Updated in Clerk", clerk_updated_ms);
	html_lit(&c->h, "<dt>Mirrored</dt><dd>");
	admin_time(&c->h, created_at);
	html_lit(&c->h, "</dd>\n<dt>Updated</dt><dd>");
	admin_time(&c->h, updated_at);
	html_lit(&c->h, "</dd>\n</dl>\n");
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

int
admin_db_failed(struct admin_ctx *c, const char *what)
{
	log_error("req=%s component=admin msg=\"%s failed\" error=\"%s\"",
	    c->r->id, what, db_errmsg(c->db));
	(void)!db_rollback(c->db); /* when inside a transaction */
	return admin_error(c, HTTP_SERVICE_UNAVAILABLE, "Service unavailable",
	    "The database did not answer, and nothing was changed. Try again "
	    "in a moment.");
}

void
admin_object_page_begin(struct admin_ctx *c, const char *title,
    const struct admin_object *o, const char *last)
{
	struct html_link crumbs[4] = {{"Home", "/admin/", false}};
	size_t           n = 1;

	crumbs[n].label = c->model->title_plural;
	crumbs[n++].href = admin_url(c, c->model, NULL, NULL);
	if (o != NULL) {
		crumbs[n].label = o->repr;
		crumbs[n++].href = last != NULL
		    ? admin_url(c, c->model, o->id, "change")
		    : NULL;
	}
	if (last != NULL) {
		crumbs[n].label = last;
		crumbs[n++].href = NULL;
	}
	c->nav = admin_url(c, c->model, NULL, NULL);
	admin_page_begin(c, title, crumbs, n);
}

void
admin_object_head(struct admin_ctx *c, const struct admin_object *o,
    const char *verb)
{
	admin_object_page_begin(c, o->repr, o, NULL);
	html_lit(&c->h, "<h1>");
	html_text(&c->h, admin_printf(c, "%s %s", verb, c->model->verbose));
	html_lit(&c->h, "</h1>\n<h2 class=\"muted\">");
	html_text(&c->h, o->repr);
	html_lit(&c->h, "</h2>\n<p><a class=\"btn btn-secondary\"");
	html_url_attr(&c->h, "href", admin_url(c, c->model, o->id, "history"));
	html_lit(&c->h, ">History</a></p>\n<dl class=\"fields\">\n");
}
