/*
 * The escaping HTML renderer (src/html/html.c) with any text, attribute
 * value and URL. Input: a byte choosing the output cap, then lines for the
 * page's title, notice, site name, body class, site link, a nav label and
 * a nav link, and the rest as body text. Properties:
 * - escaped text holds no < > " ' and no & but the five entities, no
 *   control byte but tab, LF, FF and CR, and is well-formed UTF-8;
 * - a URL attribute's value is "#" or starts as a relative, http or https
 *   URL, and holds nothing a browser would end the attribute on;
 * - a whole page built from these strings has exactly as many '<' as the
 *   same page built from harmless ones: no input adds markup;
 * - with a cap, the output fits it or is refused as a whole.
 */
#include "html/html.h"

#include "fuzz.h"

static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;",
    "&#39;"};

/* The escaped-text properties over out. */
static void
check_text(struct str out)
{
	size_t i, k;

	FUZZ_CHECK(str_is_utf8(out.p, out.len));
	for (i = 0; i < out.len; i++) {
		unsigned char c = (unsigned char)out.p[i];

		FUZZ_CHECK(c != '<' && c != '>' && c != '"' && c != '\'');
		FUZZ_CHECK(c >= 0x20 || c == '\t' || c == '\n' || c == '\f' ||
		    c == '\r');
		FUZZ_CHECK(c != 0x7f);
		if (c != '&')
			continue;
		for (k = 0; k < ARRAY_LEN(entities); k++) {
			size_t n = strlen(entities[k]);

			if (out.len - i >= n &&
			    memcmp(out.p + i, entities[k], n) == 0)
				break;
		}
		FUZZ_CHECK(k < ARRAY_LEN(entities));
	}
}

static bool
prefix_nocase(struct str s, const char *p)
{
	size_t n = strlen(p);

	return s.len >= n &&
	    str_eq_nocase((struct str){s.p, n}, (struct str){p, n});
}

/* The properties of ` href="..."` in out. */
static void
check_url(struct str out)
{
	struct str v;
	size_t     i;

	FUZZ_CHECK(out.len >= 9 && memcmp(out.p, " href=\"", 7) == 0 &&
	    out.p[out.len - 1] == '"');
	v = (struct str){out.p + 7, out.len - 8};
	for (i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];

		FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '"' && c != '\'' &&
		    c != '<' && c != '>' && c != '\\' && c != '`');
		if (c == '&')
			FUZZ_CHECK(
			    v.len - i >= 5 && memcmp(v.p + i, "&amp;", 5) == 0);
	}
	FUZZ_CHECK(v.len > 0);
	if (v.p[0] == '/')
		FUZZ_CHECK(v.len == 1 || (v.p[1] != '/' && v.p[1] != '\\'));
	else
		FUZZ_CHECK(v.p[0] == '#' || v.p[0] == '?' ||
		    prefix_nocase(v, "http://") ||
		    prefix_nocase(v, "https://"));
}

static size_t
count_lt(struct str s)
{
	size_t i, n = 0;

	for (i = 0; i < s.len; i++)
		n += s.p[i] == '<';
	return n;
}

/* A page from the seven strings (any may be NULL), its '<' counted. */
static size_t
page_lt(const char *const f[7], const char *text, size_t max, bool *fits)
{
	struct html_link nav = {f[5], f[6], true};
	struct html_page p = {f[0], f[2], f[4], f[3], &nav, 1, f[1], NULL};
	struct html      h;
	struct str       out;
	size_t           n = 0;

	html_init(&h, max);
	html_page_begin(&h, &p);
	html_lit(&h, "<p");
	html_attr(&h, "title", f[0]);
	html_lit(&h, ">");
	html_text(&h, text);
	html_lit(&h, "</p>");
	html_page_end(&h);
	*fits = html_result(&h, &out) == 0;
	if (*fits) {
		FUZZ_CHECK(max == 0 || out.len <= max);
		FUZZ_CHECK(str_is_utf8(out.p, out.len));
		n = count_lt(out);
	}
	html_cleanup(&h);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {(const char *)data, size};
	size_t            max = fuzz_byte(&in) * 16u;
	char             *owned[7], *text;
	const char       *f[7], *harmless[7];
	struct html       h;
	struct str        out, body;
	size_t            i, n_in, n_ok;
	bool              fits_in, fits_ok;

	for (i = 0; i < ARRAY_LEN(f); i++) {
		owned[i] = fuzz_cstr(fuzz_line(&in));
		f[i] = owned[i];
		harmless[i] = i == 4 || i == 6 ? "/x" : "x";
	}
	body = fuzz_rest(&in);
	text = fuzz_cstr(body);

	html_init(&h, 0);
	html_textn(&h, body.p, body.len);
	FUZZ_CHECK(html_result(&h, &out) == 0);
	check_text(out);
	html_cleanup(&h);

	for (i = 0; i < ARRAY_LEN(f); i++) {
		html_init(&h, 0);
		html_url_attr(&h, "href", f[i]);
		FUZZ_CHECK(html_result(&h, &out) == 0);
		check_url(out);
		html_cleanup(&h);
	}

	n_in = page_lt(f, text, 0, &fits_in);
	n_ok = page_lt(harmless, "x", 0, &fits_ok);
	FUZZ_CHECK(fits_in && fits_ok);
	FUZZ_CHECK(n_in == n_ok);
	if (max > 0)
		(void)page_lt(f, text, max, &fits_in);

	for (i = 0; i < ARRAY_LEN(f); i++)
		free(owned[i]);
	free(text);
	return 0;
}
