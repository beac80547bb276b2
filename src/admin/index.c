/*
 * GET /admin/: a card per model with its row count (links to the
 * changelist, and "Add" for superusers), then the signed-in admin's recent
 * actions from admin_log, as Django's index shows them.
 */
#include "admin/admin.h"

#include <string.h>

#include "admin/model.h"
#include "admin/page.h"
#include "core/log.h"

#define RECENT_ACTIONS 10

/* A card's count is its changelist's total (struct admin_list). */
struct card {
	const struct admin_model *m;
	const char               *help;
};

static const struct card cards[] = {
    {&admin_users_model,
        "People mirrored from Clerk and local admin accounts."},
    {&admin_orgs_model, "Organizations mirrored from Clerk."},
    {&admin_members_model,
        "Who belongs to which organization, with which role."},
    {&admin_invitations_model,
        "Invitations to organizations, mirrored from Clerk; invite or "
        "revoke through Clerk."},
    {&admin_domains_model,
        "The domains of organizations, mirrored from Clerk."},
    {&admin_sessions_model,
        "Clerk sessions mirrored from webhooks; revoke one through Clerk."},
    {&admin_roles_model,
        "The instance's organization roles, mirrored from Clerk."},
    {&admin_permissions_model,
        "The instance's organization permissions, mirrored from Clerk."},
    {&admin_events_model,
        "Every Clerk webhook delivery received, with its outcome."},
    {&admin_syncruns_model,
        "Every run of mysaas clerk sync, with the objects it changed."},
};

static int
count_of(struct admin_ctx *c, const char *sql, int64_t *n)
{
	return db_query_int(c->db, sql, NULL, 0, n, NULL) == -1 ? -1 : 0;
}

static void
action_label(struct html *h, const char *action)
{
	if (strcmp(action, "add") == 0)
		html_lit(h, "<span title=\"Added\">+ Added</span>");
	else if (strcmp(action, "delete") == 0)
		html_lit(h,
		    "<span title=\"Deleted\">\xE2\x88\x92 Deleted</span>");
	else
		html_lit(h,
		    "<span title=\"Changed\">\xE2\x9C\x8E Changed</span>");
}

static int
recent_actions(struct admin_ctx *c)
{
	static const char *const sql =
	    "SELECT action, object_type, object_id, object_repr, created_at "
	    "FROM admin_log WHERE user_id = $1 ORDER BY id DESC LIMIT $2";
	struct db_param p[] = {DB_INT(c->user.id), DB_INT(RECENT_ACTIONS)};
	struct db_rows *rows;
	int             rc, n = 0;

	html_lit(&c->h, "<h2>Recent actions</h2>\n<h3>My actions</h3>\n");
	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	while ((rc = db_rows_next(rows)) == 1) {
		const char               *action = admin_col(c, rows, 0);
		const char               *type = admin_col(c, rows, 1);
		const char               *id = admin_col(c, rows, 2);
		const struct admin_model *m = admin_model_by_type(type);

		if (n++ == 0)
			html_lit(&c->h, "<ul class=\"actionlist\">\n");
		html_lit(&c->h, "<li>");
		action_label(&c->h, action);
		html_lit(&c->h, " ");
		if (m != NULL && strcmp(action, "delete") != 0) {
			html_lit(&c->h, "<a");
			html_url_attr(&c->h, "href",
			    admin_url(c, m, id, "change"));
			html_lit(&c->h, ">");
			html_text(&c->h, admin_col(c, rows, 3));
			html_lit(&c->h, "</a>");
		} else {
			html_text(&c->h, admin_col(c, rows, 3));
		}
		html_lit(&c->h, " <span class=\"muted\">");
		html_text(&c->h, m != NULL ? m->verbose : type);
		html_lit(&c->h, ", ");
		admin_time(&c->h, admin_col(c, rows, 4));
		html_lit(&c->h, "</span></li>\n");
	}
	db_rows_free(rows);
	if (n > 0)
		html_lit(&c->h, "</ul>\n");
	else
		html_lit(&c->h, "<p class=\"muted\">None available</p>\n");
	return rc;
}

int
admin_index(struct req *r)
{
	struct admin_ctx *c = r->gate_ctx;
	size_t            i;

	if (c == NULL)
		return HTTP_INTERNAL_ERROR;
	c->nav = "/admin/";
	admin_page_begin(c, "Site administration", NULL, 0);
	html_lit(&c->h, "<h1>Site administration</h1>\n");
	if (!c->user.is_superuser)
		html_lit(&c->h,
		    "<ul class=\"messages\"><li class=\"info\">Your "
		    "account can view everything here but change "
		    "nothing: only superusers can.</li></ul>\n");
	html_lit(&c->h, "<ul class=\"cards\">\n");
	for (i = 0; i < ARRAY_LEN(cards); i++) {
		const struct admin_model *m = cards[i].m;
		int64_t                   n = 0;

		if (count_of(c, m->list->total_sql, &n) == -1)
			goto failed;
		html_lit(&c->h, "<li class=\"card\"><h2><a");
		html_url_attr(&c->h, "href", admin_url(c, m, NULL, NULL));
		html_lit(&c->h, ">");
		html_text(&c->h, m->title_plural);
		html_lit(&c->h, "</a></h2>\n<p class=\"count\">");
		html_int(&c->h, n);
		html_lit(&c->h, "</p>\n<p class=\"muted\">");
		html_text(&c->h, cards[i].help);
		html_lit(&c->h, "</p>\n");
		if (c->user.is_superuser && !m->read_only) {
			html_lit(&c->h, "<p><a class=\"btn btn-secondary\"");
			html_url_attr(&c->h, "href",
			    admin_url(c, m, NULL, "add"));
			html_lit(&c->h, ">Add ");
			html_text(&c->h, m->verbose);
			html_lit(&c->h, "</a></p>\n");
		}
		html_lit(&c->h, "</li>\n");
	}
	html_lit(&c->h, "</ul>\n");
	if (recent_actions(c) == -1)
		goto failed;
	return admin_page_end(c, HTTP_OK);
failed:
	log_error("req=%s component=admin msg=\"index query failed\" "
	          "error=\"%s\"",
	    r->id, db_errmsg(c->db));
	return admin_error(c, HTTP_SERVICE_UNAVAILABLE, "Service unavailable",
	    "The database did not answer. Try again in a moment.");
}
