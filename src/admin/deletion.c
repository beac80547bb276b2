/*
 * Deleting an object, shared by the models: the confirmation page (what
 * will be deleted: the object and the memberships that go with it, as
 * Django lists related objects, then a POST form whose only field besides
 * the CSRF token is post=yes), and the POST that deletes it with its
 * admin_log row: in this database, or, for an object Clerk holds while
 * CLERK_SECRET_KEY is set, in Clerk first (admin/clerk_write.h).
 */
#include "admin/deletion.h"

#include <string.h>

#include "admin/clerk_write.h"
#include "admin/page.h"

#define RELATED_SHOWN 1000

static int
related(struct admin_ctx *c, const struct admin_object *o, const char *sql)
{
	struct db_param p[] = {DB_TEXT(o->id)};
	struct db_rows *rows;
	int             rc, n = 0;

	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	while ((rc = db_rows_next(rows)) == 1) {
		if (n++ == 0)
			html_lit(&c->h, "<ul>\n");
		html_lit(&c->h, "<li>Organization membership: <a");
		html_url_attr(&c->h, "href",
		    admin_url(c, &admin_members_model, admin_col(c, rows, 0),
		        "change"));
		html_lit(&c->h, ">");
		html_text(&c->h, admin_col(c, rows, 1));
		html_lit(&c->h, "</a></li>\n");
	}
	db_rows_free(rows);
	if (n > 0)
		html_lit(&c->h, "</ul>\n");
	if (n >= RELATED_SHOWN)
		html_lit(&c->h, "<p class=\"muted\">(and possibly more)</p>\n");
	return rc;
}

/*
 * The GET half of a delete: the confirmation page listing the object and
 * what goes with it, with d's note below, answered with status.
 */
static int
confirm(struct admin_ctx *c, const struct admin_object *o,
    const struct admin_deletion *d, int status)
{
	const struct admin_model *m = c->model;

	admin_object_page_begin(c, "Are you sure?", o, "Delete");
	html_lit(&c->h, "<h1>Are you sure?</h1>\n<p>");
	html_text(&c->h,
	    admin_printf(c,
	        "Are you sure you want to delete the %s "
	        "\xE2\x80\x9C%s\xE2\x80\x9D? "
	        "All of the following related items will be deleted:",
	        m->verbose, o->repr));
	html_lit(&c->h,
	    "</p>\n<h2>Objects</h2>\n<ul id=\"deleted-objects\">\n"
	    "<li>");
	html_text(&c->h, m->verbose);
	html_lit(&c->h, ": <a");
	html_url_attr(&c->h, "href", admin_url(c, m, o->id, "change"));
	html_lit(&c->h, ">");
	html_text(&c->h, o->repr);
	html_lit(&c->h, "</a>\n");
	if (d->related_sql != NULL && related(c, o, d->related_sql) == -1)
		return admin_db_failed(c, "delete confirmation");
	html_lit(&c->h, "</li>\n</ul>\n");
	if (d->clerk_path != NULL)
		html_lit(&c->h,
		    "<p class=\"help\" id=\"clerk-help\">Clerk holds this: "
		    "deleting asks Clerk to delete it, and this database "
		    "follows Clerk's answer. If Clerk refuses, nothing is "
		    "deleted.</p>\n");
	else if (o->clerk_id != NULL)
		admin_clerk_local_notice(c, NULL);
	if (d->note != NULL && d->clerk_path == NULL) {
		html_lit(&c->h,
		    "<ul class=\"messages\"><li class=\"warning\">");
		html_text(&c->h, d->note);
		html_lit(&c->h, "</li></ul>\n");
	}
	admin_form_open(c, admin_url(c, m, o->id, "delete"));
	html_lit(&c->h,
	    "<input type=\"hidden\" name=\"post\" value=\"yes\">\n"
	    "<div class=\"form-actions\"><button type=\"submit\" "
	    "class=\"btn-danger\">Yes, I\xE2\x80\x99m sure</button>"
	    "<a class=\"btn btn-secondary\"");
	html_url_attr(&c->h, "href", admin_url(c, m, o->id, "change"));
	html_lit(&c->h, ">No, take me back</a></div>\n</form>\n");
	return admin_page_end(c, status);
}

/* The flash of a deletion and the way back to the changelist. */
static int
deleted(struct admin_ctx *c, const struct admin_object *o)
{
	admin_flash(c, ADMIN_SUCCESS,
	    admin_printf(c,
	        "The %s \xE2\x80\x9C%s\xE2\x80\x9D was deleted successfully.",
	        c->model->verbose, o->repr));
	return admin_redirect(c->r, admin_url(c, c->model, NULL, NULL));
}

/* The POST half through Clerk: its answer applied by the webhook rules. */
static int
delete_through(struct admin_ctx *c, const struct admin_object *o,
    const struct admin_deletion *d)
{
	struct admin_clerk_note note = {o, "delete", "Deleted through Clerk."};
	/* The log row first: an admin deleting their own account leaves it
	 * with user_id NULL (its foreign key is set to NULL). */
	struct admin_clerk_call   call = {.method = "DELETE",
	      .path = d->clerk_path,
	      .event = d->clerk_event,
	      .expect_id = d->clerk_id,
	      .log_first = true,
	      .log = admin_clerk_log_note,
	      .arg = &note};
	struct admin_clerk_result res;
	enum admin_clerk_rc       rc = admin_clerk_write(c, &call, &res);

	if (rc == ADMIN_CLERK_DB_ERROR)
		return admin_clerk_db_failed(c,
		    admin_printf(c, "%s delete", c->model->verbose));
	if (rc == ADMIN_CLERK_UNAPPLIED) {
		admin_flash(c, ADMIN_WARNING,
		    admin_clerk_words(c, rc, &res, false, 0));
		return admin_redirect(c->r, admin_url(c, c->model, NULL, NULL));
	}
	if (rc != ADMIN_CLERK_DONE)
		return confirm(c, o, d,
		    admin_clerk_report(c, rc, &res, false, 0));
	return deleted(c, o);
}

int
admin_delete_object(struct admin_ctx *c, const struct admin_object *o,
    const struct admin_deletion *d)
{
	const struct admin_model *m = c->model;
	const char *what = admin_printf(c, "%s delete", m->verbose);

	if (!c->is_post)
		return confirm(c, o, d, HTTP_OK);
	if (d->clerk_path != NULL)
		return delete_through(c, o, d);
	if (admin_tx_begin(c) == -1)
		return admin_db_failed(c, what);
	/* The log row first: an admin deleting their own account leaves it
	 * with user_id NULL (its foreign key is set to NULL). */
	if (admin_log_write(c, "delete", m->object_type, o->id, o->repr,
	        "Deleted.") == -1 ||
	    d->erase(c->db, admin_id(o->id)) == -1 || admin_tx_commit(c) == -1)
		return admin_db_failed(c, what);
	return deleted(c, o);
}
