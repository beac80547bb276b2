/*
 * The admin's request gate (admin_gate), run by the server before the
 * handler of every route with an admin flag (ROUTE_ADMIN,
 * ROUTE_ADMIN_PUBLIC, ROUTE_ADMIN_ANY_POST; see src/routes.c): it builds
 * the request's context, loads its session, and for a POST checks the
 * form, the Origin, the CSRF token and the permission, in that order. So
 * an admin page cannot forget the check: its handler only runs once the
 * gate has passed, and takes the context from r->gate_ctx. The context
 * and its page buffer live on the request's arena.
 */
#include "admin/admin.h"

#include <string.h>

#include "admin/ctx.h"
#include "admin/page.h"
#include "core/log.h"

static void
ctx_cleanup(void *p)
{
	struct admin_ctx *c = p;

	html_cleanup(&c->h);
}

/* The request's database, or NULL after rendering a 503 page. */
static struct db_conn *
admin_db(struct admin_ctx *c)
{
	if (c->db == NULL && (c->db = req_db(c->r)) == NULL)
		(void)admin_error(c, HTTP_SERVICE_UNAVAILABLE,
		    "Service unavailable",
		    "The database is not reachable. Try again in a moment.");
	return c->db;
}

/* The login URL with next=path (only paths we would follow back). */
static int
to_login(struct req *r)
{
	const char *path = arena_strndup(r->arena, r->path.p, r->path.len);
	struct buf  b;
	int         status;

	buf_init(&b, 0);
	if (buf_append_cstr(&b, "/admin/login/") == -1)
		return HTTP_INTERNAL_ERROR;
	if (admin_next_ok(path) && strcmp(path, "/admin/") != 0) {
		if (buf_append_cstr(&b, "?next=") == -1 ||
		    admin_urlencode(&b, path, true) == -1) {
			buf_cleanup(&b);
			return HTTP_INTERNAL_ERROR;
		}
	}
	status = admin_redirect(r, b.data);
	buf_cleanup(&b);
	return status;
}

static int
csrf_failed(struct admin_ctx *c, const char *reason)
{
	log_info("req=%s component=admin msg=\"CSRF check failed\" "
	         "reason=\"%s\"",
	    c->r->id, reason);
	return admin_error(c, HTTP_FORBIDDEN, "Forbidden (403)",
	    admin_printf(c,
	        "CSRF verification failed. Request aborted. (%s) Reload the "
	        "page you came from and submit the form again.",
	        reason));
}

/* The POST half of the gate: form, Origin, CSRF token. 0 when it passes. */
static int
check_post(struct admin_ctx *c, unsigned flags)
{
	const char *sent, *want;

	if (admin_form_parse(c->r, &c->form) == -1)
		return admin_error(c, HTTP_BAD_REQUEST, "Bad request",
		    "The form could not be read. Reload the page and try "
		    "again.");
	if (!admin_origin_ok(c->r))
		return csrf_failed(c,
		    "the Origin of the request is not this "
		    "site");
	sent = admin_form_get(&c->form, ADMIN_CSRF_FIELD);
	if ((flags & ROUTE_ADMIN_PUBLIC) != 0)
		want = req_cookie(c->r, ADMIN_CSRF_COOKIE);
	else
		want = c->user.csrf;
	if (sent == NULL || *sent == '\0')
		return csrf_failed(c, "CSRF token missing");
	if (want == NULL || !admin_is_hex(want, ADMIN_TOKEN_HEX))
		return csrf_failed(c, "CSRF cookie not set");
	if (!admin_token_eq(sent, want))
		return csrf_failed(c, "CSRF token incorrect");
	return 0;
}

int
admin_gate(struct req *r)
{
	struct admin_ctx *c = arena_alloc(r->arena, sizeof(*c));
	unsigned          flags = r->match.route->flags;
	int               rc, status;

	memset(c, 0, sizeof(*c));
	c->r = r;
	html_init(&c->h, ADMIN_PAGE_MAX);
	arena_defer(r->arena, ctx_cleanup, c);
	c->is_post = str_eq_cstr(r->method, "POST");
	if (admin_db(c) == NULL)
		return HTTP_SERVICE_UNAVAILABLE;
	if ((rc = admin_session_load(r, c->db, &c->user)) == -1) {
		log_error("req=%s component=admin msg=\"session lookup "
		          "failed\" error=\"%s\"",
		    r->id, db_errmsg(c->db));
		return admin_error(c, HTTP_SERVICE_UNAVAILABLE,
		    "Service unavailable",
		    "The database did not answer. Try again in a moment.");
	}
	c->signed_in = rc == 1;
	if (!c->signed_in && (flags & ROUTE_ADMIN_PUBLIC) == 0) {
		if (!c->is_post)
			return to_login(r);
		return csrf_failed(c, "no admin session; sign in again");
	}
	if (c->is_post) {
		if ((status = check_post(c, flags)) != 0)
			return status;
		if ((flags & (ROUTE_ADMIN_PUBLIC | ROUTE_ADMIN_ANY_POST)) ==
		        0 &&
		    !c->user.is_superuser)
			return admin_error(c, HTTP_FORBIDDEN, "Forbidden (403)",
			    "Your account can view the admin but not change "
			    "anything: only superusers can.");
	}
	r->gate_ctx = c;
	return 0;
}
