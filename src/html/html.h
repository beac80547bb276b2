/*
 * HTML output that escapes by default. Text and attribute values always go
 * through html_text()/html_attr(); the only raw path is html_lit(), which
 * takes string literals only, and html_frag(), which takes only output of
 * this module. URLs go through html_url_attr() (relative, http or https).
 * User data never goes inside <script> or <style>.
 *
 * Errors are sticky: an append that would pass the buffer's max marks the
 * struct html as failed, and every later append does nothing, so a page can
 * never come out with a piece missing. Call sites append freely and check
 * once, with html_result(). A struct html belongs to one thread at a time.
 */
#ifndef HTML_HTML_H
#define HTML_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"

/* An HTML document or fragment being built. The fields are private. */
struct html {
	struct buf buf;
	bool       failed;
};

/* A navigation link: label is escaped, href filtered as by html_url_attr. */
struct html_link {
	const char *label;
	const char *href;
	bool        is_current; /* rendered with aria-current="page" */
};

/* The shared layout. Every string is escaped; NULL fields are left out. */
struct html_page {
	const char             *title;      /* <title>; required */
	const char             *site;       /* header name; NULL: "mysaas" */
	const char             *site_href;  /* its link; NULL: "/" */
	const char             *body_class; /* class of <body> */
	const struct html_link *nav;        /* nav_len header links */
	size_t                  nav_len;
	const char             *notice; /* text shown in a banner above main */
	const struct html      *head;   /* extra <head> content (not copied) */
	/* extra header content after the nav, such as a form (not copied) */
	const struct html *header;
};

/* Prepares an empty document capped at max bytes (0: no cap). */
void html_init(struct html *h, size_t max);
/* Frees the storage; h may be initialised again. */
void html_cleanup(struct html *h);
/* 0 and a view of the output (valid until the next append or cleanup), or -1
 * when an append failed since html_init (the output must not be sent). */
int html_result(const struct html *h, struct str *out) MUST_CHECK;

/* Appends a string literal unescaped: html_lit(h, "<p>"). Nothing else. */
#define html_lit(h, s) html__lit((h), "" s "", sizeof("" s "") - 1)
/* Appends s escaped as text (NULL: nothing); see html_textn. */
void html_text(struct html *h, const char *s);
/* Appends len bytes escaped: & < > " ' become entities, NUL, other ASCII
 * controls (but tab, LF, FF, CR) and invalid UTF-8 become U+FFFD. */
void html_textn(struct html *h, const char *p, size_t len);
/* Appends the decimal integer v. */
void html_int(struct html *h, int64_t v);
/* Appends ` name="value"` with value escaped (NULL: empty). The name is a
 * literal; event handlers, style and URL attributes are refused (sticky). */
#define html_attr(h, name, value) html__attr((h), "" name "", (value))
/* Appends ` name="url"` for name href, src, action or formaction (others
 * fail, sticky). A URL that is not "/path" (not "//" or "/\"), "#...",
 * "?..." or http(s)://... becomes "#"; space, quotes, < > \ `, controls and
 * non-ASCII bytes are percent-encoded, then & is escaped. */
#define html_url_attr(h, name, url) html__url_attr((h), "" name "", (url))
/* Appends the output of another struct html (fails if frag failed or is h). */
void html_frag(struct html *h, const struct html *frag);

/* Opens the layout: doctype, head (stylesheet /static/style.css, p->head),
 * <body>, the header with the site name, nav and p->header, the notice,
 * then <main>. */
void html_page_begin(struct html *h, const struct html_page *p);
/* Closes what html_page_begin opened. */
void html_page_end(struct html *h);

/* The stylesheet (src/html/style.css, embedded; NUL-terminated, static). */
const char *html_css(size_t *len) MUST_CHECK;

/* Behind the macros above: call the macros, never these. */
void html__lit(struct html *h, const char *s, size_t len);
void html__attr(struct html *h, const char *name, const char *value);
void html__url_attr(struct html *h, const char *name, const char *url);

#endif
