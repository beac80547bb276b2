/*
 * Unit tests for src/html/html.c: text and attribute escaping (XSS payloads,
 * invalid UTF-8, NUL), the URL filter, the page layout, the sticky max-size
 * failure and the embedded stylesheet.
 */
#include "html/html.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* The output of h is exactly the C string want. */
#define ASSERT_HTML(h, want)                                   \
	do {                                                   \
		struct str out_;                               \
		assert_int_equal(html_result((h), &out_), 0);  \
		assert_int_equal(out_.len, strlen(want));      \
		assert_memory_equal(out_.p, (want), out_.len); \
		assert_int_equal(out_.p[out_.len], '\0');      \
	} while (0)

/* Escapes s (len bytes) as text and compares with want. */
static void
check_text(const char *s, size_t len, const char *want)
{
	struct html h;

	html_init(&h, 0);
	html_textn(&h, s, len);
	ASSERT_HTML(&h, want);
	html_cleanup(&h);
}

/* Renders url as an href and compares the attribute with want. */
static void
check_url(const char *url, const char *want)
{
	struct html h;

	html_init(&h, 0);
	html_url_attr(&h, "href", url);
	ASSERT_HTML(&h, want);
	html_cleanup(&h);
}

/* The output of h, which must have succeeded. */
static const char *
output(const struct html *h)
{
	struct str s;

	assert_int_equal(html_result(h, &s), 0);
	assert_int_equal(strlen(s.p), s.len);
	return s.p;
}

/* True when no byte of s (the output) could open markup or an attribute:
 * every < > " ' is absent from a stretch written from user data. */
static void
assert_inert(const char *s)
{
	assert_null(strchr(s, '<'));
	assert_null(strchr(s, '>'));
	assert_null(strchr(s, '"'));
	assert_null(strchr(s, '\''));
}

static void
test_lit(void **state)
{
	struct html h;

	(void)state;
	html_init(&h, 0);
	ASSERT_HTML(&h, "");
	html_lit(&h, "<p class=\"x\">");
	html_lit(&h,
	    "a"
	    "b");
	html_lit(&h, "");
	ASSERT_HTML(&h, "<p class=\"x\">ab");
	html_cleanup(&h);
}

static void
test_text_special_chars(void **state)
{
	(void)state;
	check_text("&", 1, "&amp;");
	check_text("<", 1, "&lt;");
	check_text(">", 1, "&gt;");
	check_text("\"", 1, "&quot;");
	check_text("'", 1, "&#39;");
	check_text("a&b<c>d\"e'f", 11, "a&amp;b&lt;c&gt;d&quot;e&#39;f");
	check_text("&amp;", 5, "&amp;amp;");
	check_text("plain text, 100% fine", 21, "plain text, 100% fine");
	check_text("tab\tlf\ncr\rff\f", 13, "tab\tlf\ncr\rff\f");
	check_text("", 0, "");
	check_text(NULL, 0, "");
}

static void
test_text_xss_payloads(void **state)
{
	static const char *const payloads[] = {
	    "<img src=x onerror=alert(1)>",
	    "\"><script>alert(1)</script>",
	    "' onmouseover='x",
	    "<svg/onload=alert(1)>",
	    "</title><script>alert(1)</script>",
	    "`${alert(1)}`",
	};
	struct html h;
	size_t      i;

	(void)state;
	check_text(payloads[0], strlen(payloads[0]),
	    "&lt;img src=x onerror=alert(1)&gt;");
	check_text(payloads[1], strlen(payloads[1]),
	    "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
	check_text(payloads[2], strlen(payloads[2]),
	    "&#39; onmouseover=&#39;x");
	for (i = 0; i < ARRAY_LEN(payloads); i++) {
		html_init(&h, 0);
		html_text(&h, payloads[i]);
		assert_inert(output(&h));
		html_cleanup(&h);
	}
}

static void
test_text_invalid_utf8(void **state)
{
	(void)state;
	/* A lone continuation byte, a truncated sequence, a bad lead byte. */
	check_text("a\x80z", 3, "a\xEF\xBF\xBDz");
	check_text("a\xC3", 2, "a\xEF\xBF\xBD");
	check_text("\xFF\xFE", 2, "\xEF\xBF\xBD\xEF\xBF\xBD");
	/* Overlong forms: "<" as C0 BC must not survive as "<". */
	check_text("\xC0\xBC", 2, "\xEF\xBF\xBD\xEF\xBF\xBD");
	check_text("\xE0\x80\xBC", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	/* A surrogate (U+D800) and a code point past U+10FFFF. */
	check_text("\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	check_text("\xF4\x90\x80\x80", 4,
	    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
	/* A maximal subpart is one U+FFFD: E2 82 then "<". */
	check_text("\xE2\x82<", 3, "\xEF\xBF\xBD&lt;");
	check_text("\xF0\x9F\x98", 3, "\xEF\xBF\xBD");
	/* Valid sequences of every length pass unchanged. */
	check_text("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 9,
	    "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
	check_text("\xEF\xBF\xBD", 3, "\xEF\xBF\xBD");
}

static void
test_text_nul_and_controls(void **state)
{
	(void)state;
	check_text("a\0b", 3,
	    "a\xEF\xBF\xBD"
	    "b");
	check_text("\0", 1, "\xEF\xBF\xBD");
	check_text("\x01\x1B\x7F", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

static void
test_text_emoji(void **state)
{
	const char *s = "Hi \xF0\x9F\x91\x8B\xF0\x9F\x8F\xBD <b> "
	                "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9";

	(void)state;
	check_text(s, strlen(s),
	    "Hi \xF0\x9F\x91\x8B\xF0\x9F\x8F\xBD &lt;b&gt; "
	    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9");
}

static void
test_text_long(void **state)
{
	struct html h;
	char        in[1001], want[5001];
	size_t      i;

	(void)state;
	memset(in, 'x', 1000);
	in[1000] = '\0';
	check_text(in, 1000, in);
	/* 1,000 special characters: each becomes its entity. */
	for (i = 0; i < 1000; i++) {
		in[i] = "<&>"[i % 3];
		memcpy(want + (i / 3) * 13, "&lt;&amp;&gt;", 13);
	}
	memcpy(want + 333 * 13, "&lt;", 5);
	html_init(&h, 0);
	html_text(&h, in);
	ASSERT_HTML(&h, want);
	html_cleanup(&h);
}

/* xorshift64: deterministic bytes for the property tests (rand is banned). */
static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Fills p with len bytes biased towards the ones escaping cares about. */
static void
fill_random(uint64_t *x, char *p, size_t len)
{
	static const char pick[] = "<>&\"'\\/:#?%` \t\n\0\x80\xBF\xC0\xC3"
	                           "\xE0\xED\xF0\xF4\xFF"
	                           "ajJ";
	size_t            i;

	for (i = 0; i < len; i++) {
		uint64_t r = next_rand(x);

		p[i] = (r & 1) != 0 ? pick[(r >> 8) % (sizeof(pick) - 1)]
		                    : (char)(r >> 16);
	}
}

/* True when s[0..len) is well-formed UTF-8, decoded the long way. */
static bool
is_utf8(const unsigned char *s, size_t len)
{
	size_t   i = 0, n, k;
	uint32_t cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xE0) == 0xC0) {
			n = 2, cp = s[i] & 0x1F, min = 0x80;
		} else if ((s[i] & 0xF0) == 0xE0) {
			n = 3, cp = s[i] & 0x0F, min = 0x800;
		} else if ((s[i] & 0xF8) == 0xF0) {
			n = 4, cp = s[i] & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (len - i < n)
			return false;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n;
	}
	return true;
}

/* Every & in s starts one of the entities html_text writes. */
static void
assert_entities(const char *s)
{
	static const char *const ents[] = {"&amp;", "&lt;", "&gt;", "&quot;",
	    "&#39;"};
	size_t                   i;
	bool                     ok;

	while ((s = strchr(s, '&')) != NULL) {
		ok = false;
		for (i = 0; i < ARRAY_LEN(ents); i++)
			ok = ok || strncmp(s, ents[i], strlen(ents[i])) == 0;
		assert_true(ok);
		s++;
	}
}

static void
test_text_random_bytes(void **state)
{
	struct html h;
	struct str  out;
	uint64_t    x = 0x9E3779B97F4A7C15u;
	char        in[64];
	size_t      round, len;

	(void)state;
	for (round = 0; round < 5000; round++) {
		len = next_rand(&x) % sizeof(in);
		fill_random(&x, in, len);
		html_init(&h, 0);
		html_textn(&h, in, len);
		assert_int_equal(html_result(&h, &out), 0);
		assert_int_equal(strlen(out.p), out.len); /* no NUL */
		assert_true(is_utf8((const unsigned char *)out.p, out.len));
		assert_inert(out.p);
		assert_entities(out.p);
		html_cleanup(&h);
	}
}

static void
test_url_random_bytes(void **state)
{
	struct html h;
	const char *s, *v;
	uint64_t    x = 0x2545F4914F6CDD1Du;
	char        in[40];
	size_t      round, len, i;

	(void)state;
	for (round = 0; round < 5000; round++) {
		len = next_rand(&x) % (sizeof(in) - 1);
		fill_random(&x, in, len);
		in[len] = '\0';
		html_init(&h, 0);
		html_url_attr(&h, "href", in);
		s = output(&h);
		assert_true(strncmp(s, " href=\"", 7) == 0);
		v = s + 7;
		assert_true(v[strlen(v) - 1] == '"');
		assert_true(v[0] == '#' || v[0] == '?' ||
		    (v[0] == '/' && v[1] != '/' && v[1] != '\\') ||
		    strncmp(v, "http://", 7) == 0 ||
		    strncmp(v, "https://", 8) == 0);
		for (i = 0; v[i + 1] != '\0'; i++) {
			unsigned char c = (unsigned char)v[i];

			assert_true(c > 0x20 && c < 0x7F);
			assert_null(strchr("\"'<>\\`", c));
		}
		assert_entities(v);
		html_cleanup(&h);
	}
}

static void
test_int(void **state)
{
	struct html h;

	(void)state;
	html_init(&h, 0);
	html_int(&h, 0);
	html_lit(&h, " ");
	html_int(&h, -42);
	html_lit(&h, " ");
	html_int(&h, INT64_MAX);
	html_lit(&h, " ");
	html_int(&h, INT64_MIN);
	ASSERT_HTML(&h, "0 -42 9223372036854775807 -9223372036854775808");
	html_cleanup(&h);
}

static void
test_attr(void **state)
{
	struct html h;

	(void)state;
	html_init(&h, 0);
	html_lit(&h, "<input");
	html_attr(&h, "name", "email");
	html_attr(&h, "value", "\"><script>alert(1)</script>");
	html_attr(&h, "title", "' onmouseover='x");
	html_attr(&h, "data-key", NULL);
	html_attr(&h, "aria-label", "a & b");
	html_lit(&h, ">");
	ASSERT_HTML(&h,
	    "<input name=\"email\""
	    " value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/"
	    "script&gt;\""
	    " title=\"&#39; onmouseover=&#39;x\""
	    " data-key=\"\" aria-label=\"a &amp; b\">");
	html_cleanup(&h);
}

static void
test_attr_refuses_unsafe_names(void **state)
{
	static const char *const names[] = {"onclick", "onerror", "style",
	    "href", "src", "srcset", "action", "formaction", "data", "", "a b",
	    "x\"y", "Class"};
	struct html              h;
	struct str               s;
	size_t                   i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(names); i++) {
		html_init(&h, 0);
		html_lit(&h, "<a");
		html__attr(&h, names[i], "alert(1)");
		assert_int_equal(html_result(&h, &s), -1);
		assert_null(s.p);
		html_cleanup(&h);
	}
	/* The macro itself. */
	html_init(&h, 0);
	html_attr(&h, "onclick", "x");
	assert_int_equal(html_result(&h, &s), -1);
	html_cleanup(&h);
}

static void
test_url_refused(void **state)
{
	static const char *const bad[] = {
	    "javascript:alert(1)",
	    "JaVaScRiPt:alert(1)",
	    " javascript:alert(1)",
	    "\tjavascript:alert(1)",
	    "\x01javascript:alert(1)",
	    "java\tscript:alert(1)",
	    "data:text/html,<script>alert(1)</script>",
	    "vbscript:msgbox(1)",
	    "//evil.example",
	    "/\\evil.example",
	    " /ok",
	    "relative/path",
	    "../up",
	    "http:evil.example",
	    "https:/\\evil.example",
	    "ftp://example.com/",
	    "",
	    NULL,
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++)
		check_url(bad[i], " href=\"#\"");
}

static void
test_url_allowed(void **state)
{
	(void)state;
	check_url("/", " href=\"/\"");
	check_url("/admin/users/user/?q=a&o=-1",
	    " href=\"/admin/users/user/?q=a&amp;o=-1\"");
	check_url("#top", " href=\"#top\"");
	check_url("?page=2&q=x", " href=\"?page=2&amp;q=x\"");
	check_url("https://ok.example/x?a=1&b=2",
	    " href=\"https://ok.example/x?a=1&amp;b=2\"");
	check_url("HTTP://ok.example/", " href=\"HTTP://ok.example/\"");
	check_url("http://ok.example/%41", " href=\"http://ok.example/%41\"");
}

static void
test_url_percent_encoding(void **state)
{
	(void)state;
	check_url("/a b", " href=\"/a%20b\"");
	check_url("/x\"onmouseover=\"alert(1)",
	    " href=\"/x%22onmouseover=%22alert(1)\"");
	check_url("/x' y", " href=\"/x%27%20y\"");
	check_url("/<script>", " href=\"/%3Cscript%3E\"");
	check_url("/a\\b`c", " href=\"/a%5Cb%60c\"");
	check_url("/caf\xC3\xA9", " href=\"/caf%C3%A9\"");
	check_url("/a\x7F\x1F", " href=\"/a%7F%1F\"");
	/* Browsers delete tabs and newlines: "//" must not reappear. */
	check_url("/\t/evil.example", " href=\"/%09/evil.example\"");
	check_url("/\n/evil.example", " href=\"/%0A/evil.example\"");
	check_url("https://ok.example/\"><script>",
	    " href=\"https://ok.example/%22%3E%3Cscript%3E\"");
}

static void
test_url_attr_names(void **state)
{
	struct html h;
	struct str  s;

	(void)state;
	html_init(&h, 0);
	html_url_attr(&h, "src", "/static/a.png");
	html_url_attr(&h, "action", "/admin/login/");
	html_url_attr(&h, "formaction", "?x=1");
	ASSERT_HTML(&h,
	    " src=\"/static/a.png\" action=\"/admin/login/\""
	    " formaction=\"?x=1\"");
	html_cleanup(&h);
	html_init(&h, 0);
	html_url_attr(&h, "onclick", "/x");
	assert_int_equal(html_result(&h, &s), -1);
	html_cleanup(&h);
}

static void
test_frag(void **state)
{
	struct html h, frag, bad;
	struct str  s;

	(void)state;
	html_init(&frag, 0);
	html_lit(&frag, "<script");
	html_url_attr(&frag, "src", "https://clerk.example/npm/clerk.js");
	html_attr(&frag, "data-clerk-publishable-key", "pk_test_<x>");
	html_lit(&frag, "></script>");
	html_init(&h, 0);
	html_lit(&h, "<head>");
	html_frag(&h, &frag);
	html_lit(&h, "</head>");
	ASSERT_HTML(&h,
	    "<head><script src=\"https://clerk.example/npm/"
	    "clerk.js\" data-clerk-publishable-key=\"pk_test_&lt;"
	    "x&gt;\"></script></head>");
	/* Appending itself is refused. */
	html_frag(&h, &h);
	assert_int_equal(html_result(&h, &s), -1);
	html_cleanup(&h);
	/* A failed fragment fails the document. */
	html_init(&bad, 4);
	html_lit(&bad, "12345");
	html_init(&h, 0);
	html_frag(&h, &bad);
	assert_int_equal(html_result(&h, &s), -1);
	html_cleanup(&h);
	html_cleanup(&bad);
	html_cleanup(&frag);
}

static void
test_max_is_sticky(void **state)
{
	struct html h;
	struct str  s;

	(void)state;
	html_init(&h, 10);
	html_lit(&h, "<p>");
	html_text(&h, "abcd");
	ASSERT_HTML(&h, "<p>abcd");
	/* The closing tag does not fit: the document fails... */
	html_lit(&h, "</p>");
	assert_int_equal(html_result(&h, &s), -1);
	assert_null(s.p);
	assert_int_equal(s.len, 0);
	/* ...and stays failed, even for appends that would fit. */
	html_lit(&h, "x");
	html_text(&h, "");
	html_int(&h, 1);
	assert_int_equal(html_result(&h, &s), -1);
	html_cleanup(&h);
	/* Escaping that expands past max fails too. */
	html_init(&h, 8);
	html_text(&h, "<<");
	ASSERT_HTML(&h, "&lt;&lt;");
	html_text(&h, "&");
	assert_int_equal(html_result(&h, &s), -1);
	html_cleanup(&h);
	/* cleanup then init: usable again. */
	html_init(&h, 8);
	html_url_attr(&h, "href", "/abc");
	assert_int_equal(html_result(&h, &s), -1);
	html_cleanup(&h);
	html_init(&h, 100);
	html_url_attr(&h, "href", "/abc");
	ASSERT_HTML(&h, " href=\"/abc\"");
	html_cleanup(&h);
}

static void
test_page_layout(void **state)
{
	const struct html_link nav[] = {
	    {"Dashboard", "/dashboard", true},
	    {"<b>Docs</b>", "/docs", false},
	    {"Evil", "javascript:alert(1)", false},
	};
	const char            *xss = "\"><script>alert(1)</script>";
	struct html            head, header, h;
	const char            *s, *main_at;
	const struct html_page p = {
	    .title = xss,
	    .body_class = "admin' x",
	    .nav = nav,
	    .nav_len = ARRAY_LEN(nav),
	    .notice = "Clerk is not configured: set CLERK_PUBLISHABLE_KEY "
	              "in .env <now>",
	    .head = &head,
	    .header = &header,
	};

	(void)state;
	html_init(&head, 0);
	html_lit(&head, "<meta name=\"robots\" content=\"noindex\">\n");
	html_init(&header, 0);
	html_lit(&header, "<form id=\"f\"></form>\n");
	html_init(&h, 0);
	html_page_begin(&h, &p);
	html_lit(&h, "<p>");
	html_text(&h, xss);
	html_lit(&h, "</p>\n");
	html_page_end(&h);
	s = output(&h);
	assert_true(
	    strncmp(s, "<!doctype html>\n<html lang=\"en\">\n", 33) == 0);
	assert_non_null(strstr(s, "<meta charset=\"utf-8\">"));
	assert_non_null(strstr(s,
	    "<meta name=\"viewport\" content=\"width="
	    "device-width, initial-scale=1\">"));
	assert_non_null(strstr(s,
	    "<title>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
	    "</title>"));
	assert_non_null(strstr(s,
	    "<link rel=\"stylesheet\" href=\"/static/style.css\">\n"
	    "<meta name=\"robots\" content=\"noindex\">\n</head>"));
	assert_non_null(strstr(s, "<body class=\"admin&#39; x\">"));
	assert_non_null(strstr(s,
	    "<a class=\"site-name\" href=\"/\">mysaas"
	    "</a>"));
	assert_non_null(strstr(s,
	    "<li><a href=\"/dashboard\" "
	    "aria-current=\"page\">Dashboard</a></li>"));
	assert_non_null(strstr(s,
	    "<li><a href=\"/docs\">&lt;b&gt;Docs"
	    "&lt;/b&gt;</a></li>"));
	assert_non_null(strstr(s, "<li><a href=\"#\">Evil</a></li>"));
	/* The header's extra content comes after the nav, inside it. */
	assert_non_null(
	    strstr(s, "</nav>\n<form id=\"f\"></form>\n</header>\n"));
	assert_non_null(strstr(s,
	    "<div class=\"notice\" role=\"alert\">Clerk "
	    "is not configured: set "
	    "CLERK_PUBLISHABLE_KEY in .env &lt;now&gt;"
	    "</div>"));
	assert_non_null(main_at = strstr(s, "<main class=\"site-main\">\n"));
	assert_true(strstr(s, "class=\"notice\"") < main_at);
	/* User data never appears unescaped. */
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "<b>"));
	assert_null(strstr(s, "javascript:"));
	assert_null(strstr(s, "<now>"));
	assert_non_null(strstr(s, "</main>\n</body>\n</html>\n"));
	assert_int_equal(strlen(strstr(s, "</main>")), 24);
	html_cleanup(&h);
	html_cleanup(&header);
	html_cleanup(&head);
}

static void
test_page_defaults(void **state)
{
	const struct html_page p = {
	    .title = "Home",
	    .site = "mysaas <admin>",
	    .site_href = "/admin/",
	};
	struct html h;
	const char *s;

	(void)state;
	html_init(&h, 0);
	html_page_begin(&h, &p);
	html_page_end(&h);
	s = output(&h);
	assert_non_null(strstr(s, "<title>Home</title>"));
	assert_non_null(strstr(s, "</head>\n<body>\n"));
	assert_non_null(strstr(s,
	    "<a class=\"site-name\" href=\"/admin/\">"
	    "mysaas &lt;admin&gt;</a>\n</header>"));
	assert_null(strstr(s, "<nav"));
	assert_null(strstr(s, "notice"));
	html_cleanup(&h);
}

static void
test_page_too_large(void **state)
{
	const struct html_page p = {.title = "A title"};
	struct html            h;
	struct str             s;

	(void)state;
	html_init(&h, 64);
	html_page_begin(&h, &p);
	html_page_end(&h);
	assert_int_equal(html_result(&h, &s), -1);
	html_cleanup(&h);
}

/* Reads the whole file at path; the caller frees it. */
static char *
read_file(const char *path, size_t *len)
{
	FILE *f;
	char *p = NULL;
	long  n;

	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((n = ftell(f)) > 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	p = malloc((size_t)n);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	assert_int_equal(fclose(f), 0);
	*len = (size_t)n;
	return p;
}

static void
test_css(void **state)
{
	/* src/html/style.css, found from this file's path (the tests run from
	 * the repository root; __FILE__ may also be absolute). */
	static const char self[] = "tests/html/html_test.c";
	const char       *file = __FILE__, *css;
	char              path[4096];
	char             *want;
	size_t            len, wlen, dir;

	(void)state;
	css = html_css(&len);
	assert_non_null(css);
	assert_true(len > 1000);
	assert_true(len < 8 * 1024);
	assert_int_equal(css[len], '\0');
	assert_int_equal(strlen(css), len);
	assert_true(strlen(file) >= strlen(self));
	dir = strlen(file) - strlen(self);
	assert_string_equal(file + dir, self);
	assert_true(snprintf(path, sizeof(path), "%.*ssrc/html/style.css",
	                (int)dir, file) < (int)sizeof(path));
	want = read_file(path, &wlen);
	assert_int_equal(len, wlen);
	assert_memory_equal(css, want, len);
	free(want);
	/* No external fetches from the stylesheet. */
	assert_null(strstr(css, "url("));
	assert_null(strstr(css, "@import"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lit),
	    cmocka_unit_test(test_text_special_chars),
	    cmocka_unit_test(test_text_xss_payloads),
	    cmocka_unit_test(test_text_invalid_utf8),
	    cmocka_unit_test(test_text_nul_and_controls),
	    cmocka_unit_test(test_text_emoji),
	    cmocka_unit_test(test_text_long),
	    cmocka_unit_test(test_text_random_bytes),
	    cmocka_unit_test(test_url_random_bytes),
	    cmocka_unit_test(test_int),
	    cmocka_unit_test(test_attr),
	    cmocka_unit_test(test_attr_refuses_unsafe_names),
	    cmocka_unit_test(test_url_refused),
	    cmocka_unit_test(test_url_allowed),
	    cmocka_unit_test(test_url_percent_encoding),
	    cmocka_unit_test(test_url_attr_names),
	    cmocka_unit_test(test_frag),
	    cmocka_unit_test(test_max_is_sticky),
	    cmocka_unit_test(test_page_layout),
	    cmocka_unit_test(test_page_defaults),
	    cmocka_unit_test(test_page_too_large),
	    cmocka_unit_test(test_css),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
