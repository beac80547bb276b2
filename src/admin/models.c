/*
 * The model registry and the generic views that dispatch on it: the route
 * parameters {app}/{model} pick a struct admin_model, whose functions do
 * the model-specific work. Also the index page, the stylesheet, object
 * URLs and the admin log writer. Tables are static and read-only.
 */
#include "admin/admin.h"

#include <string.h>

#include "accounts/admin_log.h"
#include "admin/internal.h"
#include "core/log.h"
#include "core/timeutil.h"

#define REPR_MAX 200 /* bytes, as Django's object_repr */

static const struct admin_model *const models[] = {
    &admin_users_model,
    &admin_orgs_model,
    &admin_members_model,
    &admin_events_model,
    &admin_syncruns_model,
};

int
admin_static_css(struct req *r)
{
	size_t      len;
	const char *css = html_css(&len);

	resp_header(r, "Cache-Control", "public, max-age=3600");
	return resp_bytes(r, HTTP_OK, "text/css; charset=utf-8", css, len);
}

const struct admin_model *
admin_model_by_type(const char *object_type)
{
	size_t i;

	for (i = 0; object_type != NULL && i < ARRAY_LEN(models); i++) {
		if (strcmp(models[i]->object_type, object_type) == 0)
			return models[i];
	}
	return NULL;
}

const char *
admin_url(struct admin_ctx *c, const struct admin_model *m, const char *id,
    const char *what)
{
	if (id == NULL)
		return admin_printf(c, "/admin/%s/%s/%s%s", m->app, m->name,
		    what != NULL ? what : "", what != NULL ? "/" : "");
	return admin_printf(c, "/admin/%s/%s/%s/%s/", m->app, m->name,
	    admin_enc(c, id), what);
}

void
admin_object_page_begin(struct admin_ctx *c, const char *title,
    const struct admin_object *o, const char *last)
{
	struct html_link crumbs[4] = {{"Home", "/admin/", false}};
	size_t           n = 1;

	crumbs[n].label = c->model->title_plural;
	crumbs[n++].href = admin_url(c, c->model, NULL, NULL);
	if (o != NULL) {
		crumbs[n].label = o->repr;
		crumbs[n++].href = last != NULL
		    ? admin_url(c, c->model, o->id, "change")
		    : NULL;
	}
	if (last != NULL) {
		crumbs[n].label = last;
		crumbs[n++].href = NULL;
	}
	c->nav = admin_url(c, c->model, NULL, NULL);
	admin_page_begin(c, title, crumbs, n);
}

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static struct str
cut_utf8(const char *s, size_t max)
{
	size_t len = s != NULL ? strlen(s) : 0;

	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	return (struct str){s != NULL ? s : "", len};
}

int
admin_log_write(struct admin_ctx *c, const char *action,
    const char *object_type, const char *object_id, const char *repr,
    const char *message)
{
	struct str             r = cut_utf8(repr, REPR_MAX);
	struct admin_log_entry e = {c->user.id, action, object_type, object_id,
	    r.p, r.len, message};

	return admin_log_add(c->db, &e);
}

/* The gate, then the model named by the URL (a 404 page when none). */
static int
enter_model(struct req *r, unsigned flags, struct admin_ctx **out)
{
	struct str app = req_param(r, "app"), name = req_param(r, "model");
	size_t     i;
	int        status;

	if ((status = admin_enter(r, flags, out)) != 0)
		return status;
	for (i = 0; i < ARRAY_LEN(models); i++) {
		if (str_eq_cstr(app, models[i]->app) &&
		    str_eq_cstr(name, models[i]->name)) {
			(*out)->model = models[i];
			return 0;
		}
	}
	status = admin_error(*out, HTTP_NOT_FOUND, "Not found",
	    "There is no such page in the admin.");
	*out = NULL;
	return status;
}

/* The object of the URL's {id} into o; else the status of the error page. */
static int
find_object(struct admin_ctx *c, struct admin_object *o)
{
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

	if ((status = enter_model(r, 0, &c)) != 0)
		return status;
	return admin_changelist_render(c);
}

int
admin_add(struct req *r)
{
	struct admin_ctx *c;
	int               status;

	if ((status = enter_model(r, 0, &c)) != 0)
		return status;
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

	if ((status = enter_model(r, 0, &c)) != 0)
		return status;
	if ((status = find_object(c, &o)) != 0)
		return status;
	return admin_redirect(r, admin_url(c, c->model, o.id, "change"));
}

int
admin_change(struct req *r)
{
	struct admin_ctx   *c;
	struct admin_object o;
	int                 status;

	if ((status = enter_model(r, 0, &c)) != 0)
		return status;
	if ((status = find_object(c, &o)) != 0)
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

	if ((status = enter_model(r, 0, &c)) != 0)
		return status;
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

	if ((status = enter_model(r, 0, &c)) != 0)
		return status;
	if ((status = find_object(c, &o)) != 0)
		return status;
	return admin_history_render(c, &o);
}
