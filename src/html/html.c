/*
 * HTML output on top of struct buf: escaping, URL filtering, the shared page
 * layout and the embedded stylesheet. Escaping is the default; the raw paths
 * take literals (html_lit) or this module's own output (html_frag) only.
 *
 * Errors are sticky (h->failed): after the first append that would pass the
 * buffer's max, every append is a no-op and html_result() reports -1, so a
 * half-written attribute or a skipped closing quote never reaches a client.
 * No globals besides the read-only stylesheet; a struct html belongs to one
 * thread at a time.
 */
#include "html/html.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/embed.h"

/*
 * The stylesheet is linked in with the assembler's .incbin, like the docs
 * assets, so it cannot drift from src/html/style.css. The Makefile passes an
 * absolute path and the dependency; without it, the path is relative to the
 * directory make runs in (the repository root).
 */
#ifndef HTML_STYLE_CSS
#define HTML_STYLE_CSS "src/html/style.css"
#endif

EMBED_FILE(html_style_css, HTML_STYLE_CSS);

EMBED_DECLARE(html_style_css);

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD in UTF-8 */

static void        append(struct html *, const void *, size_t);
static const char *text_entity(unsigned char);
static bool        is_attr_name(const char *);
static bool        is_unsafe_attr(const char *);
static bool        is_url_attr(const char *);
static bool        is_allowed_url(const char *);
static bool        has_prefix_nocase(const char *, const char *);
static bool        needs_pct(unsigned char);
static void        page_nav(struct html *, const struct html_page *);

void
html_init(struct html *h, size_t max)
{
	buf_init(&h->buf, max);
	h->failed = false;
}

void
html_cleanup(struct html *h)
{
	buf_cleanup(&h->buf);
	h->failed = false;
}

int
html_result(const struct html *h, struct str *out)
{
	if (h->failed) {
		*out = STR_NULL;
		return -1;
	}
	*out = buf_str(&h->buf);
	return 0;
}

/* The one place output is written; it makes failure sticky. */
static void
append(struct html *h, const void *p, size_t len)
{
	if (h->failed)
		return;
	if (buf_append(&h->buf, p, len) == -1)
		h->failed = true;
}

void
html__lit(struct html *h, const char *s, size_t len)
{
	append(h, s, len);
}

void
html_text(struct html *h, const char *s)
{
	if (s != NULL)
		html_textn(h, s, strlen(s));
}

/* The replacement for an ASCII byte, or NULL when it is written as is. */
static const char *
text_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	case '\t':
	case '\n':
	case '\f':
	case '\r':
		return NULL;
	default:
		/* NUL and other controls are parse errors in HTML. */
		return c < 0x20 || c == 0x7F ? REPLACEMENT : NULL;
	}
}

void
html_textn(struct html *h, const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	const char          *rep;
	size_t               i = 0, run = 0, n, skip;

	if (len == 0)
		return;
	/* Plain bytes are copied in runs [run, i), one append per run. */
	while (i < len) {
		if (s[i] < 0x80) {
			if ((rep = text_entity(s[i])) == NULL) {
				i++;
				continue;
			}
			skip = 1;
		} else if ((n = str_utf8_seq(s + i, len - i, &skip)) > 0) {
			i += n;
			continue;
		} else {
			rep = REPLACEMENT;
		}
		append(h, p + run, i - run);
		append(h, rep, strlen(rep));
		i += skip;
		run = i;
	}
	append(h, p + run, i - run);
}

void
html_int(struct html *h, int64_t v)
{
	char buf[24];
	int  n;

	n = snprintf(buf, sizeof(buf), "%" PRId64, v);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		h->failed = true;
		return;
	}
	append(h, buf, (size_t)n);
}

/* An attribute name as HTML allows it, restricted to what we write. */
static bool
is_attr_name(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		        (name[i] >= '0' && name[i] <= '9') || name[i] == '-' ||
		        name[i] == '_' || name[i] == ':'))
			return false;
	}
	return i > 0;
}

/* Attributes where an escaped value can still run script or load a URL. */
static bool
is_unsafe_attr(const char *name)
{
	static const char *const names[] = {"style", "href", "src", "srcset",
	    "srcdoc", "action", "formaction", "poster", "background", "data",
	    "codebase", "cite", "ping", "xlink:href", "http-equiv"};
	size_t                   i;

	if (name[0] == 'o' && name[1] == 'n')
		return true;
	for (i = 0; i < ARRAY_LEN(names); i++) {
		if (strcmp(name, names[i]) == 0)
			return true;
	}
	return false;
}

void
html__attr(struct html *h, const char *name, const char *value)
{
	if (!is_attr_name(name) || is_unsafe_attr(name)) {
		h->failed = true;
		return;
	}
	append(h, " ", 1);
	append(h, name, strlen(name));
	append(h, "=\"", 2);
	html_text(h, value);
	append(h, "\"", 1);
}

static bool
is_url_attr(const char *name)
{
	return strcmp(name, "href") == 0 || strcmp(name, "src") == 0 ||
	    strcmp(name, "action") == 0 || strcmp(name, "formaction") == 0;
}

static bool
has_prefix_nocase(const char *s, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i] != '\0'; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != prefix[i])
			return false;
	}
	return true;
}

/*
 * Browsers strip leading spaces and controls and read "//host" and "/\host"
 * as another origin, so the first bytes must be exactly one of these forms.
 * Tabs and newlines later on, which browsers delete, are percent-encoded on
 * output, so "/\t/host" cannot become "//host".
 */
static bool
is_allowed_url(const char *u)
{
	if (u[0] == '/')
		return u[1] != '/' && u[1] != '\\';
	if (u[0] == '#' || u[0] == '?')
		return true;
	return has_prefix_nocase(u, "http://") ||
	    has_prefix_nocase(u, "https://");
}

static bool
needs_pct(unsigned char c)
{
	return c <= 0x20 || c >= 0x7F || c == '"' || c == '\'' || c == '<' ||
	    c == '>' || c == '\\' || c == '`';
}

void
html__url_attr(struct html *h, const char *name, const char *url)
{
	static const char hex[] = "0123456789ABCDEF";
	const char       *u = url;
	char              pct[3];
	size_t            i, run;

	if (!is_url_attr(name)) {
		h->failed = true;
		return;
	}
	if (u == NULL || !is_allowed_url(u))
		u = "#";
	append(h, " ", 1);
	append(h, name, strlen(name));
	append(h, "=\"", 2);
	/* After percent-encoding, & is the only byte left to escape. */
	for (i = run = 0; u[i] != '\0'; i++) {
		unsigned char c = (unsigned char)u[i];

		if (c != '&' && !needs_pct(c))
			continue;
		append(h, u + run, i - run);
		if (c == '&') {
			append(h, "&amp;", 5);
		} else {
			pct[0] = '%';
			pct[1] = hex[c >> 4];
			pct[2] = hex[c & 0x0F];
			append(h, pct, 3);
		}
		run = i + 1;
	}
	append(h, u + run, i - run);
	append(h, "\"", 1);
}

void
html_frag(struct html *h, const struct html *frag)
{
	/* Appending h to itself would read storage that append() moves. */
	if (frag->failed || frag == h) {
		h->failed = true;
		return;
	}
	append(h, frag->buf.data, frag->buf.len);
}

static void
page_nav(struct html *h, const struct html_page *p)
{
	size_t i;

	if (p->nav_len == 0)
		return;
	html_lit(h, "<nav class=\"site-nav\" aria-label=\"Main\">\n<ul>\n");
	for (i = 0; i < p->nav_len; i++) {
		html_lit(h, "<li><a");
		html_url_attr(h, "href", p->nav[i].href);
		if (p->nav[i].is_current)
			html_lit(h, " aria-current=\"page\"");
		html_lit(h, ">");
		html_text(h, p->nav[i].label);
		html_lit(h, "</a></li>\n");
	}
	html_lit(h, "</ul>\n</nav>\n");
}

void
html_page_begin(struct html *h, const struct html_page *p)
{
	html_lit(h,
	    "<!doctype html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<title>");
	html_text(h, p->title);
	html_lit(h,
	    "</title>\n"
	    "<link rel=\"stylesheet\" href=\"/static/style.css\">\n");
	if (p->head != NULL)
		html_frag(h, p->head);
	html_lit(h, "</head>\n<body");
	if (p->body_class != NULL)
		html_attr(h, "class", p->body_class);
	html_lit(h,
	    ">\n<header class=\"site-header\">\n<a class=\"site-name\"");
	html_url_attr(h, "href", p->site_href != NULL ? p->site_href : "/");
	html_lit(h, ">");
	html_text(h, p->site != NULL ? p->site : "mysaas");
	html_lit(h, "</a>\n");
	page_nav(h, p);
	if (p->header != NULL)
		html_frag(h, p->header);
	html_lit(h, "</header>\n");
	if (p->notice != NULL) {
		html_lit(h, "<div class=\"notice\" role=\"alert\">");
		html_text(h, p->notice);
		html_lit(h, "</div>\n");
	}
	html_lit(h, "<main class=\"site-main\">\n");
}

void
html_page_end(struct html *h)
{
	html_lit(h, "</main>\n</body>\n</html>\n");
}

const char *
html_css(size_t *len)
{
	*len = html_style_css_len;
	return html_style_css;
}
