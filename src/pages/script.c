/*
 * GET /static/pages.js: our script, linked into the binary with .incbin
 * (the path comes from the Makefile). Read-only data.
 */
#include "pages/pages.h"

#include "core/embed.h"
#include "http/req.h"

#ifndef PAGES_JS
#error "PAGES_JS (path of src/pages/pages.js) must be defined"
#endif

EMBED_FILE(pages_js, PAGES_JS);
EMBED_DECLARE(pages_js);

int
pages_script(struct req *r)
{
	resp_header(r, "Cache-Control", "no-cache");
	return resp_bytes(r, HTTP_OK, "text/javascript; charset=utf-8",
	    pages_js, pages_js_len);
}
