/*
 * Documentation routes. The files are linked into the binary with the
 * assembler's .incbin (paths given by the Makefile), so the program needs
 * nothing beside it at run time. The served OpenAPI document is built
 * once, before the server starts, from the embedded file and the route
 * table's requirements; afterwards all data is read-only.
 */
#include "docs/docs.h"

#include <stdlib.h>
#include <string.h>

#include "auth/policy.h"
#include "core/embed.h"
#include "http/req.h"
#include "http/router.h"

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

/* The served document (docs_openapi_init), NULL before. */
static char  *openapi_text;
static size_t openapi_len;

/* {"$ref": "#/components/schemas/<name>"} */
static json_t *
schema_ref(const char *name)
{
	char ref[96];

	(void)snprintf(ref, sizeof(ref), "#/components/schemas/%s", name);
	return json_pack("{s:s}", "$ref", ref);
}

/* A JSON response object with a description and a schema (stolen). */
static json_t *
json_response(const char *description, json_t *schema)
{
	return json_pack("{s:s, s:{s:{s:o}}}", "description", description,
	    "content", "application/json", "schema", schema);
}

static void
set_if(json_t *o, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new(o, key, json_string(value));
}

/* x-mysaas-requires: the requirement, one member per field set. */
static json_t *
requirement(const struct route_policy *p)
{
	json_t *o = json_object();

	set_if(o, "role", p->role);
	set_if(o, "permission", p->permission);
	set_if(o, "feature", p->feature);
	set_if(o, "plan", p->plan);
	set_if(o, "reverification", p->reverification);
	set_if(o, "organization_param", p->organization_param);
	set_if(o, "allow_self_param", p->allow_self_param);
	return o;
}

/* The 403 a requirement can answer: Forbidden, Clerk's reverification
 * body, or either. */
static json_t *
forbidden_response(const struct route_policy *p)
{
	bool only_reverification = p->role == NULL && p->permission == NULL &&
	    p->feature == NULL && p->plan == NULL;

	if (p->reverification == NULL)
		return json_response("The session does not meet the route's "
		                     "requirement (x-mysaas-requires)",
		    schema_ref("HTTPError"));
	if (only_reverification)
		return json_response("The session's factor verification is "
		                     "not recent enough: verify again",
		    schema_ref("ReverificationError"));
	return json_response("The session does not meet the route's "
	                     "requirement (x-mysaas-requires); a missing "
	                     "reverification answers Clerk's body",
	    json_pack("{s:[o, o]}", "oneOf", schema_ref("HTTPError"),
	        schema_ref("ReverificationError")));
}

/* rt's operation in paths, or NULL when it is not documented. */
static json_t *
operation_of(json_t *paths, const struct route *rt)
{
	json_t *op;
	char    method[16];
	size_t  i;

	for (i = 0; rt->method[i] != '\0' && i + 1 < sizeof(method); i++)
		method[i] = (char)(rt->method[i] | 0x20); /* ASCII lower */
	method[i] = '\0';
	op = json_object_get(json_object_get(paths, rt->pattern), method);
	return json_is_object(op) ? op : NULL;
}

/* The operation's member key, an object or an array made when absent. */
static json_t *
member_of(json_t *op, const char *key, bool array)
{
	json_t *v = json_object_get(op, key);

	if (array ? json_is_array(v) : json_is_object(v))
		return v;
	v = array ? json_array() : json_object();
	json_object_set_new(op, key, v);
	return v;
}

/*
 * A ROUTE_IDEMPOTENT route: the Idempotency-Key header and the 409 of a
 * key still in use (the document may describe a 409 of its own).
 */
static void
document_idempotent(json_t *paths, const struct route *rt)
{
	json_t *op = operation_of(paths, rt), *responses;

	if (op == NULL)
		return;
	json_array_append_new(member_of(op, "parameters", true),
	    json_pack("{s:s}", "$ref",
	        "#/components/parameters/IdempotencyKey"));
	responses = member_of(op, "responses", false);
	if (json_object_get(responses, "409") == NULL)
		json_object_set_new(responses, "409",
		    json_response("A request with the same Idempotency-Key "
		                  "is still running",
		        schema_ref("HTTPError")));
}

/* Adds rt's requirement to its operation in paths, when documented. */
static void
document_policy(json_t *paths, const struct route *rt)
{
	json_t *op = operation_of(paths, rt), *responses;

	if (op == NULL)
		return;
	json_object_set_new(op, "x-mysaas-requires", requirement(rt->policy));
	responses = member_of(op, "responses", false);
	json_object_set_new(responses, "403", forbidden_response(rt->policy));
	if (rt->policy->organization_param != NULL &&
	    json_object_get(responses, "404") == NULL)
		json_object_set_new(responses, "404",
		    json_response("The organization does not exist, or the "
		                  "caller is not a member of it",
		        schema_ref("HTTPError")));
}

/* The security schemes of the token types (DESIGN 13), by accepts bit. */
static const struct scheme {
	unsigned    bit;
	const char *name;
	const char *type; /* whoami's token_type */
	const char *format;
	const char *description;
} schemes[] = {
    {AUTH_ACCEPT_SESSION, "bearerAuth", "session_token", "JWT",
        "A Clerk session token"},
    {AUTH_ACCEPT_SESSION, "cookieAuth", "session_token", NULL,
        "The session cookie set by ClerkJS"},
    {AUTH_ACCEPT_API_KEY, "apiKeyAuth", "api_key", "ak_...",
        "A Clerk API key (`ak_...`), verified by Clerk's Backend API; "
        "verdicts are cached (accepted up to 60 s, refused 10 s)"},
    {AUTH_ACCEPT_M2M, "m2mTokenAuth", "m2m_token", "mt_...",
        "A Clerk M2M token (`mt_...`), verified by Clerk's Backend API; "
        "verdicts are cached (accepted up to 60 s, refused 10 s)"},
    {AUTH_ACCEPT_M2M_JWT, "m2mJwtAuth", "m2m_token", "JWT",
        "A Clerk M2M token in its JWT form (`sub` `mch_...`), checked "
        "with the instance's keys"},
    {AUTH_ACCEPT_OAUTH, "oauthTokenAuth", "oauth_token", "oat_...",
        "A Clerk OAuth access token (`oat_...`), verified by Clerk's "
        "Backend API; verdicts are cached (accepted up to 60 s, refused "
        "10 s)"},
    {AUTH_ACCEPT_OAUTH_JWT, "oauthJwtAuth", "oauth_token", "JWT",
        "A Clerk OAuth access token in its JWT form (`typ` `at+jwt`), "
        "checked with the instance's keys"},
};

/* components.securitySchemes: one scheme per token form. */
static void
document_schemes(json_t *doc)
{
	json_t *components = member_of(doc, "components", false);
	json_t *all = member_of(components, "securitySchemes", false);
	size_t  i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		const struct scheme *s = &schemes[i];
		json_t              *o;

		if (s->format == NULL)
			o = json_pack("{s:s, s:s, s:s, s:s}", "type", "apiKey",
			    "in", "cookie", "name", "__session", "description",
			    s->description);
		else
			o = json_pack("{s:s, s:s, s:s, s:s}", "type", "http",
			    "scheme", "bearer", "bearerFormat", s->format,
			    "description", s->description);
		json_object_set_new(all, s->name, o);
	}
}

static void
append_unique(json_t *arr, const char *s)
{
	size_t  i;
	json_t *v;

	json_array_foreach(arr, i, v)
	{
		if (strcmp(json_string_value(v), s) == 0)
			return;
	}
	json_array_append_new(arr, json_string(s));
}

/*
 * A ROUTE_AUTH route's security, from the token types its policy accepts:
 * one alternative per scheme, x-mysaas-accepts (the token types) and,
 * when the route narrows them, x-mysaas-subjects.
 */
static void
document_security(json_t *paths, const struct route *rt)
{
	static const struct {
		unsigned    bit;
		const char *name;
	} subjects[] = {{AUTH_SUBJECT_USER, "user"},
	    {AUTH_SUBJECT_ORG, "organization"},
	    {AUTH_SUBJECT_MACHINE, "machine"}};

	json_t  *op = operation_of(paths, rt), *security, *types, *subj;
	unsigned accepts = policy_accepts(rt->policy);
	size_t   i;

	if (op == NULL)
		return;
	security = json_array();
	types = json_array();
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if ((accepts & schemes[i].bit) == 0)
			continue;
		json_array_append_new(security,
		    json_pack("{s:[]}", schemes[i].name));
		append_unique(types, schemes[i].type);
	}
	json_object_set_new(op, "security", security);
	json_object_set_new(op, "x-mysaas-accepts", types);
	if (rt->policy == NULL || rt->policy->subjects == 0 ||
	    (accepts & ~(unsigned)AUTH_ACCEPT_SESSION) == 0)
		return;
	subj = json_array();
	for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
		if ((rt->policy->subjects & subjects[i].bit) != 0)
			json_array_append_new(subj,
			    json_string(subjects[i].name));
	}
	json_object_set_new(op, "x-mysaas-subjects", subj);
}

json_t *
docs_openapi_build(const struct route *routes, size_t n)
{
	json_t *doc =
	    json_loadb(docs_openapi_json, docs_openapi_json_len, 0, NULL);
	json_t *paths = json_object_get(doc, "paths");
	size_t  i;

	if (!json_is_object(paths)) {
		json_decref(doc);
		return NULL;
	}
	document_schemes(doc);
	for (i = 0; i < n; i++) {
		if ((routes[i].flags & ROUTE_AUTH) != 0)
			document_security(paths, &routes[i]);
		if (policy_has_requirement(routes[i].policy))
			document_policy(paths, &routes[i]);
		if ((routes[i].flags & ROUTE_IDEMPOTENT) != 0)
			document_idempotent(paths, &routes[i]);
	}
	return doc;
}

int
docs_openapi_init(const struct route *routes, size_t n)
{
	json_t *doc = docs_openapi_build(routes, n);

	if (doc == NULL)
		return -1;
	free(openapi_text);
	openapi_text = json_dumps(doc, JSON_INDENT(1));
	json_decref(doc);
	if (openapi_text == NULL)
		return -1;
	openapi_len = strlen(openapi_text);
	return 0;
}

void
docs_openapi_cleanup(void)
{
	free(openapi_text);
	openapi_text = NULL;
	openapi_len = 0;
}

int
docs_openapi(struct req *r)
{
	if (openapi_text == NULL)
		return HTTP_INTERNAL_ERROR;
	return resp_bytes(r, HTTP_OK, "application/json", openapi_text,
	    openapi_len);
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
