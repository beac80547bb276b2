/*
 * Response building and the request accessors. Every response carries
 * X-Content-Type-Options and X-Request-Id; HTML also the frame, referrer
 * and content-security policies. Bodies are copied into libmicrohttpd's
 * own buffer (MHD_RESPMEM_MUST_COPY) so nothing outlives the arena.
 */
#include "http/req.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "db/db.h"
#include "html/html.h"
#include "http/cookie.h"
#include "http/resp_internal.h"
#include "http/server.h"

#define DEFAULT_CSP                                             \
	"default-src 'self'; img-src 'self' data: https:; "     \
	"style-src 'self' 'unsafe-inline'; object-src 'none'; " \
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

const char *
http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 307:
		return "Temporary Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Not authenticated";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 413:
		return "Request body too large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request header fields too large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

const char *
req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

struct cookie_search {
	const char *name;
	struct str  value;
	bool        found;
};

static enum MHD_Result
search_cookie_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct cookie_search *s = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_COOKIE) != 0)
		return MHD_YES;
	s->found = cookie_find(str_from_cstr(value), s->name, &s->value);
	return s->found ? MHD_NO : MHD_YES;
}

const char *
req_cookie(struct req *r, const char *name)
{
	struct cookie_search s = {name, STR_NULL, false};

	/* Every Cookie header, in order: they count as one list. */
	(void)MHD_get_connection_values(r->conn, MHD_HEADER_KIND,
	    search_cookie_header, &s);
	return s.found ? arena_strndup(r->arena, s.value.p, s.value.len) : NULL;
}

const char *
req_query(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

struct str
req_param(struct req *r, const char *name)
{
	return route_param_get(&r->match, name);
}

struct db_conn *
req_db(struct req *r)
{
	if (r->db == NULL)
		r->db = db_acquire(r->srv->db);
	return r->db;
}

void
req_suspend(struct req *r, http_handler_fn resume)
{
	r->resume = resume;
	r->suspended = true;
	MHD_suspend_connection(r->conn);
}

void
req_resume(struct req *r)
{
	MHD_resume_connection(r->conn);
}

struct str
req_body(struct req *r)
{
	return buf_str(&r->body);
}

void
resp_header(struct req *r, const char *name, const char *value)
{
	if (r->nheaders == REQ_MAX_EXTRA_HEADERS) {
		log_error("req=%s msg=\"too many response headers\"", r->id);
		return;
	}
	r->headers[r->nheaders].name =
	    arena_strndup(r->arena, name, strlen(name));
	r->headers[r->nheaders].value =
	    arena_strndup(r->arena, value, strlen(value));
	r->nheaders++;
}

/*
 * Makes resp (the len bytes of body) the response; returns status. The
 * body is copied into the arena only when the request asked for it.
 */
static int
resp_set(struct req *r, int status, const char *content_type,
    struct MHD_Response *resp, const void *body, size_t len)
{
	if (r->response != NULL)
		MHD_destroy_response(r->response);
	r->response = resp;
	r->response_bytes = len;
	r->status = status;
	if (r->keep_answer) {
		r->answer_body.p = arena_strndup(r->arena, body, len);
		r->answer_body.len = len;
	}
	if (content_type != NULL)
		(void)MHD_add_response_header(resp,
		    MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	return status;
}

int
resp_bytes(struct req *r, int status, const char *content_type,
    const void *body, size_t len)
{
	struct MHD_Response *resp;

	/* MHD takes void * but MUST_COPY only reads; the uintptr_t round trip
	 * drops const without a -Wcast-qual warning. */
	/* NOLINTNEXTLINE(performance-no-int-to-ptr) */
	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return HTTP_INTERNAL_ERROR;
	return resp_set(r, status, content_type, resp, body, len);
}

/* Most answers fit: one pass of the encoder, no reallocation. */
#define JSON_FIRST_GUESS 2048

/* body's compact text in a malloc'd buffer (*len bytes), or NULL. */
static char *
json_text(const json_t *body, size_t *len)
{
	const size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER;
	char        *text = malloc(JSON_FIRST_GUESS), *bigger;
	size_t       n;

	if (text == NULL)
		return NULL;
	n = json_dumpb(body, text, JSON_FIRST_GUESS, flags);
	if (n > JSON_FIRST_GUESS) {
		/* json_dumpb measured the whole text: dump it again. */
		if ((bigger = realloc(text, n)) == NULL) {
			/* A failed realloc leaves text allocated. */
			/* cppcheck-suppress doubleFree */
			free(text);
			return NULL;
		}
		text = bigger;
		n = json_dumpb(body, text, n, flags);
	}
	if (n == 0) {
		free(text);
		return NULL;
	}
	*len = n;
	return text;
}

int
resp_json(struct req *r, int status, json_t *body)
{
	struct MHD_Response *resp;
	char                *text;
	size_t               len = 0;

	if (body == NULL)
		return HTTP_INTERNAL_ERROR;
	text = json_text(body, &len);
	json_decref(body);
	if (text == NULL)
		return HTTP_INTERNAL_ERROR;
	/* The response takes the text: no copy. */
	resp =
	    MHD_create_response_from_buffer_with_free_callback(len, text, free);
	if (resp == NULL) {
		free(text);
		return HTTP_INTERNAL_ERROR;
	}
	return resp_set(r, status, "application/json", resp, text, len);
}

int
resp_detail(struct req *r, int status, const char *detail)
{
	json_t *body = json_object();

	json_object_set_new(body, "detail", json_string(detail));
	return resp_json(r, status, body);
}

int
resp_html(struct req *r, int status, const char *html, size_t len)
{
	r->is_html = true;
	return resp_bytes(r, status, "text/html; charset=utf-8", html, len);
}

/* Pages (ROUTE_HTML routes, and anything under /admin/ that matched no
 * route) get an HTML error page; the API keeps FastAPI's JSON. */
static bool
wants_html(const struct req *r)
{
	if (r->match.route != NULL)
		return (r->match.route->flags & ROUTE_HTML) != 0;
	return str_has_prefix(r->path, "/admin/");
}

static int
resp_error_page(struct req *r, int status)
{
	struct html      h;
	struct str       out;
	char             title[64];
	struct html_page p;
	int              rc = HTTP_INTERNAL_ERROR;

	(void)snprintf(title, sizeof(title), "%d %s", status,
	    http_reason(status));
	memset(&p, 0, sizeof(p));
	p.title = title;
	html_init(&h, 64UL * 1024);
	html_page_begin(&h, &p);
	html_lit(&h, "<h1>");
	html_text(&h, title);
	html_lit(&h, "</h1><p><a href=\"/\">Home</a></p>");
	html_page_end(&h);
	if (html_result(&h, &out) == 0)
		rc = resp_html(r, status, out.p, out.len);
	html_cleanup(&h);
	return rc;
}

void
resp_error(struct req *r, int status, const char *detail)
{
	if (wants_html(r) && resp_error_page(r, status) == status)
		return;
	if (status == HTTP_UNAUTHORIZED)
		resp_header(r, "WWW-Authenticate", "Bearer");
	if (resp_detail(r, status, detail) != status) {
		/* Not even the error body could be built: an empty 500. */
		(void)resp_bytes(r, HTTP_INTERNAL_ERROR, "application/json", "",
		    0);
	}
}

void
resp_default(struct req *r, int status)
{
	resp_error(r, status, http_reason(status));
}

enum MHD_Result
resp_queue(struct req *r)
{
	enum MHD_Result rc;
	size_t          i;

	(void)MHD_add_response_header(r->response, "X-Content-Type-Options",
	    "nosniff");
	(void)MHD_add_response_header(r->response, "X-Request-Id", r->id);
	if (r->is_html) {
		(void)MHD_add_response_header(r->response, "X-Frame-Options",
		    "DENY");
		(void)MHD_add_response_header(r->response, "Referrer-Policy",
		    "strict-origin-when-cross-origin");
		(void)MHD_add_response_header(r->response,
		    "Content-Security-Policy",
		    r->csp != NULL ? r->csp : DEFAULT_CSP);
	}
	for (i = 0; i < r->nheaders; i++)
		(void)MHD_add_response_header(r->response, r->headers[i].name,
		    r->headers[i].value);
	rc = MHD_queue_response(r->conn, (unsigned int)r->status, r->response);
	MHD_destroy_response(r->response);
	r->response = NULL;
	return rc;
}
