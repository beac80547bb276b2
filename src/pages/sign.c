/*
 * GET /sign-in, /sign-up and their sub-paths (Clerk's path routing: the
 * components own everything below their path, so every sub-path serves
 * the same page). pages.js mounts SignIn / SignUp into the div, with the
 * redirect target from redirect_url, same-origin paths only.
 */
#include "pages/pages.h"

#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "http/req.h"
#include "pages/layout.h"

#define REDIRECT_MAX     512
#define DEFAULT_REDIRECT "/dashboard"

/*
 * A percent-escape that one more decoding turns into a backslash or a
 * control byte: browsers read "/\host" as "//host" and drop tabs and line
 * breaks from URLs, so "/%09/host" would become "//host" too.
 */
static bool
has_encoded_unsafe(const char *v)
{
	for (; (v = strchr(v, '%')) != NULL; v++) {
		int hi = str_hex_value(v[1]),
		    lo = hi >= 0 ? str_hex_value(v[2]) : -1;
		int c = hi * 16 + lo;

		if (lo >= 0 && (c == '\\' || c < 0x20 || c == 0x7f))
			return true;
	}
	return false;
}

const char *
pages_redirect_target(const char *v)
{
	size_t i;

	/* "//host" and "/\host" are protocol-relative in browsers; so are
	 * they after one more percent-decoding, which a client may do. */
	if (v == NULL || v[0] != '/' || v[1] == '/' || v[1] == '\\' ||
	    strncasecmp(v + 1, "%2f", 3) == 0 || has_encoded_unsafe(v))
		return DEFAULT_REDIRECT;
	for (i = 0; v[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch < 0x20 || ch >= 0x7f || ch == '\\' || i >= REDIRECT_MAX)
			return DEFAULT_REDIRECT;
	}
	return v;
}

static int
sign_page(struct req *r, bool is_sign_up)
{
	struct pages_ctx c;
	const char      *target =
	    pages_redirect_target(req_query(r, "redirect_url"));

	pages_begin(&c, r, is_sign_up ? "Sign up - mysaas" : "Sign in - mysaas",
	    PAGES_NAV_NONE);
	if (is_sign_up)
		html_lit(&c.h, "<h1>Sign up</h1>\n");
	else
		html_lit(&c.h, "<h1>Sign in</h1>\n");
	if (c.has_clerk) {
		html_lit(&c.h, "<div id=\"clerk-sign\"");
		html_attr(&c.h, "data-clerk-mount",
		    is_sign_up ? "sign-up" : "sign-in");
		html_attr(&c.h, "data-redirect-url", target);
		html_lit(&c.h,
		    "><p class=\"muted\">Loading&hellip;</p></div>\n");
	}
	if (is_sign_up)
		html_lit(&c.h,
		    "<p class=\"muted\">Already have an account? "
		    "<a href=\"/sign-in\">Sign in</a></p>\n");
	else
		html_lit(&c.h,
		    "<p class=\"muted\">No account yet? "
		    "<a href=\"/sign-up\">Sign up</a></p>\n");
	return pages_send(&c, HTTP_OK, "no-cache");
}

int
pages_sign_in(struct req *r)
{
	return sign_page(r, false);
}

int
pages_sign_up(struct req *r)
{
	return sign_page(r, true);
}
