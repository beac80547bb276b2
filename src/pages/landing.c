/*
 * GET /: the landing page. Its signed-in state is filled in by pages.js
 * from Clerk.user (as text), so the HTML is the same for everyone.
 */
#include "pages/pages.h"

#include "http/req.h"
#include "pages/layout.h"

int
pages_landing(struct req *r)
{
	struct pages_ctx c;

	pages_begin(&c, r, "mysaas", PAGES_NAV_HOME);
	html_lit(&c.h,
	    "<h1>mysaas</h1>\n"
	    "<p>Accounts by Clerk, organizations and roles mirrored in our "
	    "own database.</p>\n");
	if (c.has_clerk)
		html_lit(&c.h,
		    "<p id=\"clerk-status\" class=\"muted\" "
		    "data-clerk-mount=\"status\">Checking whether "
		    "you are signed in&hellip;</p>\n");
	html_lit(&c.h,
	    "<ul class=\"cards\">\n"
	    "<li class=\"card\"><h2><a href=\"/sign-in\">Sign in</a></h2>"
	    "<p>With your existing account.</p></li>\n"
	    "<li class=\"card\"><h2><a href=\"/sign-up\">Sign up</a></h2>"
	    "<p>Create an account.</p></li>\n"
	    "<li class=\"card\"><h2><a href=\"/dashboard\">Dashboard</a></h2>"
	    "<p>Your profile and organizations.</p></li>\n"
	    "<li class=\"card\"><h2><a href=\"/docs\">API docs</a></h2>"
	    "<p>The REST API, in Swagger UI.</p></li>\n"
	    "<li class=\"card\"><h2><a href=\"/admin/\">Admin</a></h2>"
	    "<p>For staff.</p></li>\n"
	    "</ul>\n");
	return pages_send(&c, HTTP_OK, "no-cache");
}
