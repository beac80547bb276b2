/*
 * Documentation routes. The files are linked into the binary with the
 * assembler's .incbin (paths given by the Makefile), so the program needs
 * nothing beside it at run time. All data is read-only.
 */
#include "docs/docs.h"

#include <string.h>

#include "core/embed.h"
#include "http/req.h"

#ifndef DOCS_OPENAPI_JSON
#error "DOCS_OPENAPI_JSON (path of openapi.json) must be defined"
#endif

EMBED_FILE(docs_openapi_json, DOCS_OPENAPI_JSON);
EMBED_FILE(docs_init_js, DOCS_INIT_JS);
EMBED_FILE(docs_swagger_css, DOCS_SWAGGER_DIR "/swagger-ui.css");
EMBED_FILE(docs_swagger_js, DOCS_SWAGGER_DIR "/swagger-ui-bundle.js");
EMBED_FILE(docs_favicon, DOCS_SWAGGER_DIR "/favicon-32x32.png");

EMBED_DECLARE(docs_openapi_json);
EMBED_DECLARE(docs_init_js);
EMBED_DECLARE(docs_swagger_css);
EMBED_DECLARE(docs_swagger_js);
EMBED_DECLARE(docs_favicon);

struct asset {
	const char     *path;
	const char     *type;
	const char     *start;
	const uint32_t *len;
};

static const struct asset assets[] = {
    {"/docs/swagger-ui.css", "text/css; charset=utf-8", docs_swagger_css,
        &docs_swagger_css_len},
    {"/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8",
        docs_swagger_js, &docs_swagger_js_len},
    {"/docs/init.js", "text/javascript; charset=utf-8", docs_init_js,
        &docs_init_js_len},
    {"/docs/favicon-32x32.png", "image/png", docs_favicon, &docs_favicon_len},
};

static const char page[] =
    "<!doctype html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, "
    "initial-scale=1\">\n"
    "<title>mysaas API - Swagger UI</title>\n"
    "<link rel=\"stylesheet\" href=\"/docs/swagger-ui.css\">\n"
    "<link rel=\"icon\" type=\"image/png\" "
    "href=\"/docs/favicon-32x32.png\">\n"
    "</head>\n"
    "<body>\n"
    "<div id=\"swagger-ui\"></div>\n"
    "<script src=\"/docs/swagger-ui-bundle.js\"></script>\n"
    "<script src=\"/docs/init.js\"></script>\n"
    "</body>\n"
    "</html>\n";

int
docs_openapi(struct req *r)
{
	return resp_bytes(r, HTTP_OK, "application/json", docs_openapi_json,
	    docs_openapi_json_len);
}

int
docs_page(struct req *r)
{
	return resp_html(r, HTTP_OK, page, sizeof(page) - 1);
}

int
docs_asset(struct req *r)
{
	size_t i;

	for (i = 0; i < sizeof(assets) / sizeof(assets[0]); i++) {
		if (str_eq_cstr(r->path, assets[i].path)) {
			resp_header(r, "Cache-Control", "public, max-age=3600");
			return resp_bytes(r, HTTP_OK, assets[i].type,
			    assets[i].start, *assets[i].len);
		}
	}
	return HTTP_NOT_FOUND;
}
