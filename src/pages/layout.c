/*
 * The page layout and its Content-Security-Policy. ClerkJS is loaded the
 * Core 3 way (reference/clerk.md section 4): @clerk/ui@1 then
 * @clerk/clerk-js@6 with data-clerk-publishable-key, both deferred from
 * the Frontend API host, or the one script at CLERK_JS_URL; then our
 * /static/pages.js, which calls Clerk.load() and mounts the components.
 * Everything is derived per request from the immutable configuration.
 */
#include "pages/layout.h"

#include <stdio.h>
#include <string.h>

#include "app.h"
#include "clerk/pubkey.h"
#include "core/log.h"
#include "http/req.h"

#define PAGE_MAX   (512UL * 1024)
#define HOST_MAX   256
#define ORIGIN_MAX 300

#define NOTICE_NO_KEY \
	"Clerk is not configured: set CLERK_PUBLISHABLE_KEY in .env"
#define NOTICE_BAD_KEY                                                     \
	"Clerk is not configured: CLERK_PUBLISHABLE_KEY in .env is not a " \
	"Clerk publishable key (pk_test_... or pk_live_...)"

/* Directives shared by every page; script, connect are added. */
#define CSP_TAIL                                                      \
	"img-src 'self' https://img.clerk.com data:; "                \
	"style-src 'self' 'unsafe-inline'; worker-src 'self' blob:; " \
	"object-src 'none'; base-uri 'self'; form-action 'self'; "    \
	"frame-ancestors 'none'"

static const struct html_link nav_links[] = {
    {"Home", "/", false},
    {"Dashboard", "/dashboard", false},
    {"API docs", "/docs", false},
    {"Admin", "/admin/", false},
};

/*
 * The origin ("scheme://host[:port]") of an http(s) URL into out; "" for
 * a path (same origin). -1 when it has characters a CSP source must not
 * hold, so a configured value can never add directives.
 */
static int
url_origin(const char *url, char *out, size_t outlen)
{
	const char *p;
	size_t      n;

	out[0] = '\0';
	if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else
		return url[0] == '/' && url[1] != '/' ? 0 : -1;
	n = strcspn(p, "/?#");
	if (n == 0 || (size_t)(p - url) + n >= outlen)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		        (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
		        ch == ':' || ch == '[' || ch == ']'))
			return -1;
	}
	memcpy(out, url, (size_t)(p - url) + n);
	out[(size_t)(p - url) + n] = '\0';
	return 0;
}

static void
set_csp(struct req *r, const char *fapi_host, const char *js_origin)
{
	if (fapi_host == NULL) {
		r->csp = "default-src 'self'; script-src 'self'; "
		         "connect-src 'self'; " CSP_TAIL;
		return;
	}
	r->csp = arena_printf(r->arena,
	    "default-src 'self'; script-src 'self' %s%s; "
	    "connect-src 'self' https://%s; " CSP_TAIL,
	    js_origin != NULL ? "" : "https://",
	    js_origin != NULL ? js_origin : fapi_host, fapi_host);
}

/* The <script> tags of the head. */
static void
scripts(struct html *h, const char *pk, const char *host, const char *js_url)
{
	char url[HOST_MAX + 64];

	if (js_url != NULL) {
		html_lit(h, "<script defer crossorigin=\"anonymous\"");
		html_attr(h, "data-clerk-publishable-key", pk);
		html_url_attr(h, "src", js_url);
		html_lit(h, "></script>\n");
	} else {
		(void)snprintf(url, sizeof(url),
		    "https://%s/npm/@clerk/ui@1/dist/ui.browser.js", host);
		html_lit(h, "<script defer crossorigin=\"anonymous\"");
		html_url_attr(h, "src", url);
		html_lit(h, "></script>\n");
		(void)snprintf(url, sizeof(url),
		    "https://%s/npm/@clerk/clerk-js@6/dist/clerk.browser.js",
		    host);
		html_lit(h, "<script defer crossorigin=\"anonymous\"");
		html_attr(h, "data-clerk-publishable-key", pk);
		html_url_attr(h, "src", url);
		html_lit(h, "></script>\n");
	}
	html_lit(h, "<script defer src=\"/static/pages.js\"></script>\n");
}

void
pages_begin(struct pages_ctx *c, struct req *r, const char *title,
    enum pages_nav current)
{
	const struct config *cfg = r->app->cfg;
	struct html_link     nav[sizeof(nav_links) / sizeof(nav_links[0])];
	struct html_page     p;
	struct html          head;
	char                 host[HOST_MAX], origin[ORIGIN_MAX];
	const char          *pk = cfg->clerk_publishable_key;
	const char          *js_url = cfg->clerk_js_url;
	bool                 js_ok = true;

	c->r = r;
	html_init(&c->h, PAGE_MAX);
	html_init(&head, 0);
	memcpy(nav, nav_links, sizeof(nav));
	if (current == PAGES_NAV_HOME)
		nav[0].is_current = true;
	else if (current == PAGES_NAV_DASHBOARD)
		nav[1].is_current = true;
	memset(&p, 0, sizeof(p));
	p.title = title;
	p.nav = nav;
	p.nav_len = sizeof(nav) / sizeof(nav[0]);
	c->has_clerk =
	    pk != NULL && clerk_frontend_api_host(pk, host, sizeof(host)) == 0;
	if (c->has_clerk && js_url != NULL &&
	    url_origin(js_url, origin, sizeof(origin)) == -1) {
		log_warn("req=%s component=pages msg=\"CLERK_JS_URL has "
		         "characters a Content-Security-Policy cannot hold\"",
		    r->id);
		js_ok = false;
	}
	if (!c->has_clerk) {
		p.notice = pk == NULL ? NOTICE_NO_KEY : NOTICE_BAD_KEY;
		set_csp(r, NULL, NULL);
	} else {
		set_csp(r, host,
		    js_url == NULL ? NULL
		                   : (origin[0] != '\0' ? origin : "'self'"));
		if (js_ok)
			scripts(&head, pk, host, js_url);
		p.head = &head;
	}
	html_page_begin(&c->h, &p);
	html_cleanup(&head);
}

int
pages_send(struct pages_ctx *c, int status, const char *cache)
{
	struct str out;
	int        rc;

	html_page_end(&c->h);
	if (html_result(&c->h, &out) == -1) {
		log_error("req=%s component=pages msg=\"page too large or "
		          "refused by the HTML module\"",
		    c->r->id);
		rc = HTTP_INTERNAL_ERROR;
	} else {
		if (cache != NULL)
			resp_header(c->r, "Cache-Control", cache);
		rc = resp_html(c->r, status, out.p, out.len);
	}
	html_cleanup(&c->h);
	return rc;
}
