/*
 * The generic views that dispatch on the model registry: the route
 * parameters {app}/{model} pick a struct admin_model (admin/registry.c),
 * whose functions do the model-specific work; the changelist and history
 * pages are the same for every model. Also the stylesheet.
 */
#include "admin/admin.h"

#include <string.h>

#include "admin/changelist.h"
#include "admin/history.h"
#include "admin/model.h"
#include "admin/page.h"
#include "core/log.h"

int
admin_static_css(struct req *r)
{
	size_t      len;
	const char *css = html_css(&len);

	resp_header(r, "Cache-Control", "public, max-age=3600");
	return resp_bytes(r, HTTP_OK, "text/css; charset=utf-8", css, len);
}

/* The gate's context with the model named by the URL; else the status of
 * the error page (404 when there is no such model). *out is set whenever 0
 * is returned: the analyzer, which cannot see that admin_error() never
 * returns 0, is told so on each use of *out (NullDereference). */
static int
enter_model(struct req *r, struct admin_ctx **out)
{
	struct admin_ctx *c = r->gate_ctx;

	*out = NULL;
	if (c == NULL)
		return HTTP_INTERNAL_ERROR;
	c->model = admin_model_find(req_param(r, "app"), req_param(r, "model"));
	if (c->model == NULL)
		return admin_error(c, HTTP_NOT_FOUND, "Not found",
		    "There is no such page in the admin.");
	*out = c;
	return 0;
}

/* The object of the URL's {id} into o; else the status of the error page. */
static int
find_object(struct admin_ctx *c, struct admin_object *o)
{
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): enter_model */
	struct str  id = req_param(c->r, "id");
	const char *ids = arena_strndup(c->r->arena, id.p, id.len);
	int         rc;

	memset(o, 0, sizeof(*o));
	if ((rc = c->model->lookup(c, ids, o)) == 1)
		return 0;
	if (rc == -1) {
		log_error("req=%s component=admin msg=\"lookup failed\" "
		          "error=\"%s\"",
		    c->r->id, db_errmsg(c->db));
		return admin_error(c, HTTP_SERVICE_UNAVAILABLE,
		    "Service unavailable",
		    "The database did not answer. Try again in a moment.");
	}
	return admin_error(c, HTTP_NOT_FOUND, "Not found",
	    admin_printf(c,
	        "The %s with ID \xE2\x80\x9C%s\xE2\x80\x9D does "
	        "not exist. Perhaps it was deleted?",
	        c->model->verbose, ids));
}

/* enter_model(), then the object of the URL's {id} into o. */
static int
enter_object(struct req *r, struct admin_ctx **c, struct admin_object *o)
{
	int status;

	if ((status = enter_model(r, c)) != 0)
		return status;
	return find_object(*c, o);
}

static int
forbidden(struct admin_ctx *c, const char *what)
{
	return admin_error(c, HTTP_FORBIDDEN, "Forbidden (403)",
	    admin_printf(c, "Your account cannot %s %s.", what,
	        c->model->verbose_plural));
}

int
admin_changelist(struct req *r)
{
	struct admin_ctx *c;
	int               status;

	if ((status = enter_model(r, &c)) != 0)
		return status;
	return admin_changelist_render(c);
}

int
admin_add(struct req *r)
{
	struct admin_ctx *c;
	int               status;

	if ((status = enter_model(r, &c)) != 0)
		return status;
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): enter_model */
	if (c->model->read_only || c->model->add == NULL)
		return forbidden(c, "add");
	if (!c->user.is_superuser)
		return forbidden(c, "add");
	return c->model->add(c);
}

int
admin_object(struct req *r)
{
	struct admin_ctx   *c;
	struct admin_object o;
	int                 status;

	if ((status = enter_object(r, &c, &o)) != 0)
		return status;
	return admin_redirect(r, admin_url(c, c->model, o.id, "change"));
}

int
admin_change(struct req *r)
{
	struct admin_ctx   *c;
	struct admin_object o;
	int                 status;

	if ((status = enter_object(r, &c, &o)) != 0)
		return status;
	if (c->is_post && c->model->read_only)
		return forbidden(c, "change");
	return c->model->change(c, &o);
}

int
admin_delete(struct req *r)
{
	struct admin_ctx   *c;
	struct admin_object o;
	int                 status;

	if ((status = enter_model(r, &c)) != 0)
		return status;
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): enter_model */
	if (c->model->read_only || c->model->del == NULL ||
	    !c->user.is_superuser)
		return forbidden(c, "delete");
	if ((status = find_object(c, &o)) != 0)
		return status;
	return c->model->del(c, &o);
}

int
admin_history(struct req *r)
{
	struct admin_ctx   *c;
	struct admin_object o;
	int                 status;

	if ((status = enter_object(r, &c, &o)) != 0)
		return status;
	return admin_history_render(c, &o);
}
