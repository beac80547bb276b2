/*
 * The layout shared by the pages (internal to src/pages/): the site
 * header and nav, the "not configured" notice, the ClerkJS script tags
 * and the Content-Security-Policy that allows exactly them.
 */
#ifndef PAGES_LAYOUT_H
#define PAGES_LAYOUT_H

#include <stdbool.h>

#include "html/html.h"

struct req;

/* Which nav link is the current page. */
enum pages_nav {
	PAGES_NAV_NONE,
	PAGES_NAV_HOME,
	PAGES_NAV_DASHBOARD,
};

/* One page being built; lives on the handler's stack. */
struct pages_ctx {
	struct req *r;
	struct html h;
	bool        has_clerk; /* a usable publishable key: ClerkJS loads */
};

/*
 * Opens a page: sets r's CSP, writes the layout (with the notice when
 * Clerk is not configured, and the script tags when it is), up to <main>.
 * The caller appends the content, then calls pages_send().
 */
void pages_begin(struct pages_ctx *c, struct req *r, const char *title,
    enum pages_nav current);
/* Closes the page and answers it with status (and Cache-Control
 * cache); frees c's storage. Returns the status answered. */
int pages_send(struct pages_ctx *c, int status, const char *cache);

#endif
