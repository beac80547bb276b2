/*
 * GET /dashboard, protected as clerkMiddleware + protect() would (DESIGN
 * section 7, reference/clerk.md section 3.5): a valid session cookie
 * renders the profile and organizations from our database; no session is
 * a 307 to sign-in; an out-of-date token while __client_uat says signed in
 * gets a small page on which ClerkJS refreshes the cookie and reloads once.
 * No handshake: nothing here talks to Clerk's Frontend API.
 */
#include "pages/pages.h"

#include <jansson.h>

#include "accounts/directory.h"
#include "app.h"
#include "auth/gate.h"
#include "core/log.h"
#include "http/req.h"
#include "pages/layout.h"

#define SIGN_IN_URL "/sign-in?redirect_url=/dashboard"

static int
to_sign_in(struct req *r)
{
	static const char body[] = "<!doctype html>\n<title>Sign in</title>\n"
	                           "<a href=\"" SIGN_IN_URL "\">Sign in</a>\n";

	resp_header(r, "Location", SIGN_IN_URL);
	resp_header(r, "Cache-Control", "no-store");
	return resp_html(r, HTTP_TEMPORARY_REDIRECT, body, sizeof(body) - 1);
}

/* A short page: a heading, a paragraph, and an optional mount point. */
static int
message(struct req *r, int status, const char *title, const char *text,
    bool refresh)
{
	struct pages_ctx c;

	pages_begin(&c, r, title, PAGES_NAV_DASHBOARD);
	html_lit(&c.h, "<h1>");
	html_text(&c.h, title);
	html_lit(&c.h, "</h1>\n<p>");
	html_text(&c.h, text);
	html_lit(&c.h, "</p>\n");
	if (refresh && c.has_clerk) {
		const char *flag = req_query(r, "refreshed");

		html_lit(&c.h, "<div data-clerk-mount=\"refresh\"");
		html_attr(&c.h, "data-refreshed",
		    flag != NULL && flag[0] == '1' ? "1" : "0");
		html_lit(&c.h,
		    " data-retry-url=\"/dashboard?refreshed=1\" "
		    "data-sign-in-url=\"" SIGN_IN_URL "\"></div>\n");
	}
	html_lit(&c.h,
	    "<p><a href=\"" SIGN_IN_URL "\">Sign in again</a></p>\n");
	return pages_send(&c, status, "no-store");
}

static void
field(struct html *h, const char *label, const json_t *v)
{
	const char *s = json_string_value(v);

	html_lit(h, "<dt>");
	html_text(h, label);
	html_lit(h, "</dt><dd>");
	if (s != NULL && *s != '\0')
		html_text(h, s);
	else
		html_lit(h, "<span class=\"muted\">&mdash;</span>");
	html_lit(h, "</dd>\n");
}

static void
profile(struct html *h, const json_t *me)
{
	const char *image = json_string_value(json_object_get(me, "image_url"));

	html_lit(h,
	    "<section class=\"card\" id=\"profile\">\n<h2>Profile</h2>\n");
	if (image != NULL && *image != '\0') {
		html_lit(h,
		    "<img class=\"avatar\" alt=\"\" width=\"64\" "
		    "height=\"64\"");
		html_url_attr(h, "src", image);
		html_lit(h, ">\n");
	}
	html_lit(h, "<dl class=\"fields\">\n");
	field(h, "Email", json_object_get(me, "email"));
	field(h, "First name", json_object_get(me, "first_name"));
	field(h, "Last name", json_object_get(me, "last_name"));
	field(h, "Username", json_object_get(me, "username"));
	field(h, "Clerk user id", json_object_get(me, "clerk_id"));
	html_lit(h, "</dl>\n</section>\n");
}

static void
organizations(struct html *h, const json_t *orgs)
{
	const json_t *o;
	size_t        i;

	html_lit(h, "<section id=\"organizations\">\n<h2>Organizations</h2>\n");
	if (json_array_size(orgs) == 0) {
		html_lit(h,
		    "<p class=\"muted\">You are not a member of any "
		    "organization yet.</p>\n</section>\n");
		return;
	}
	html_lit(h,
	    "<div class=\"table-wrap\"><table>\n<thead><tr>"
	    "<th>Name</th><th>Slug</th><th>Role</th></tr></thead>\n"
	    "<tbody>\n");
	json_array_foreach(orgs, i, o)
	{
		html_lit(h, "<tr><td>");
		html_text(h, json_string_value(json_object_get(o, "name")));
		html_lit(h, "</td><td>");
		html_text(h, json_string_value(json_object_get(o, "slug")));
		html_lit(h, "</td><td>");
		html_text(h, json_string_value(json_object_get(o, "role")));
		html_lit(h, "</td></tr>\n");
	}
	html_lit(h, "</tbody>\n</table></div>\n</section>\n");
}

static int
render(struct req *r)
{
	struct pages_ctx c;
	json_t          *me = NULL;
	struct db_conn  *db = req_db(r);
	int              rc;

	if (db == NULL ||
	    (rc = directory_user_me(db, r->auth.user_id, &me)) == -1)
		return message(r, HTTP_SERVICE_UNAVAILABLE,
		    "Service unavailable",
		    "The database could not be reached. Try again shortly.",
		    false);
	if (rc == 0)
		return message(r, HTTP_OK, "Setting up your account",
		    "Your account is being set up. Reload this page in a "
		    "moment.",
		    false);
	pages_begin(&c, r, "Dashboard - mysaas", PAGES_NAV_DASHBOARD);
	html_lit(&c.h,
	    "<h1>Dashboard</h1>\n<div class=\"toolbar\">"
	    "<div data-clerk-mount=\"organization-switcher\"></div>"
	    "<div data-clerk-mount=\"user-button\"></div></div>\n");
	profile(&c.h, me);
	organizations(&c.h, json_object_get(me, "organizations"));
	json_decref(me);
	return pages_send(&c, HTTP_OK, "no-store");
}

int
pages_dashboard(struct req *r)
{
	const char *pk = r->app->cfg->clerk_publishable_key;

	if (pk == NULL)
		return message(r, HTTP_OK, "Dashboard",
		    "Sign-in is not available until Clerk is configured.",
		    false);
	switch (auth_page_session(r)) {
	case AUTH_PAGE_OK:
		return render(r);
	case AUTH_PAGE_SUSPENDED:
		return HTTP_SUSPENDED;
	case AUTH_PAGE_REFRESH:
		return message(r, HTTP_OK, "Refreshing your session",
		    "One moment: your session is being refreshed.", true);
	case AUTH_PAGE_NOT_SYNCED:
		return message(r, HTTP_OK, "Setting up your account",
		    "Your account is being set up. Reload this page in a "
		    "moment.",
		    false);
	case AUTH_PAGE_UNAVAILABLE:
		if (r->app->session_gate == NULL)
			return message(r, HTTP_SERVICE_UNAVAILABLE,
			    "Service unavailable",
			    "Sessions cannot be checked: set CLERK_SECRET_KEY "
			    "or CLERK_JWT_KEY in .env.",
			    false);
		return message(r, HTTP_SERVICE_UNAVAILABLE,
		    "Service unavailable",
		    "Sign-in could not be checked. Try again shortly.", false);
	case AUTH_PAGE_NO_SESSION:
	case AUTH_PAGE_INVALID:
	default:
		return to_sign_in(r);
	}
}
