/*
 * GET .../<id>/history/: the admin_log rows of one object, oldest first
 * (as Django shows them), and for objects mirrored from Clerk the webhook
 * deliveries whose payload names the object's Clerk id (among the newest
 * DELIVERIES_SCANNED: payloads are searched as text) and the runs of
 * "mysaas clerk sync" that changed it, newest first, each linking to the
 * stored event or run, so an operator can see why a row looks the way it
 * does.
 */
#include "admin/history.h"

#include <string.h>

#include "admin/page.h"
#include "core/log.h"

#define HISTORY_MAX    500
#define DELIVERIES_MAX 100
/* Deliveries read per history page, newest first: the payloads are
 * searched as text, and a busy mirror stores millions of them. */
#define DELIVERIES_SCANNED 10000
#define SYNC_RUNS_MAX      100

static const char *const log_titles[] = {"Date/time", "User", "Action",
    "Message"};
static const char *const delivery_titles[] = {"Received", "Event", "Type",
    "Status"};
static const char *const run_titles[] = {"Changed", "Run", "Run status"};

/* A row of when, a link to what, and one or two more cells (b NULL: one). */
static void
linked_row(struct admin_ctx *c, const char *when, const char *href,
    const char *label, const char *a, const char *b)
{
	html_lit(&c->h, "<tr><td>");
	admin_time(&c->h, when);
	html_lit(&c->h, "</td><td><a");
	html_url_attr(&c->h, "href", href);
	html_lit(&c->h, ">");
	html_text(&c->h, label);
	html_lit(&c->h, "</a></td><td>");
	html_text(&c->h, a);
	if (b != NULL) {
		html_lit(&c->h, "</td><td>");
		html_text(&c->h, b);
	}
	html_lit(&c->h, "</td></tr>\n");
}

static int
log_rows(struct admin_ctx *c, const struct admin_object *o)
{
	static const char *const sql =
	    "SELECT l.created_at, u.email, l.action, l.message "
	    "FROM admin_log l LEFT JOIN users u ON u.id = l.user_id "
	    "WHERE l.object_type = $1 AND l.object_id = $2 "
	    "AND (l.created_at >= $3 OR $3 IS NULL) ORDER BY l.id LIMIT $4";
	/* SQLite may give a deleted row's id to a new row: the entries of
	 * an older object with this id predate this one. */
	struct db_param p[] = {DB_TEXT(c->model->object_type), DB_TEXT(o->id),
	    o->created_at != NULL ? DB_TEXT(o->created_at) : DB_NULLP,
	    DB_INT(HISTORY_MAX)};
	struct db_rows *rows;
	int             rc, n = 0;

	html_lit(&c->h, "<h2>Changes made in the admin</h2>\n");
	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	while ((rc = db_rows_next(rows)) == 1) {
		const char *who = admin_col(c, rows, 1);
		const char *action = admin_col(c, rows, 2);

		if (n++ == 0)
			admin_table_begin(c, "change-history", log_titles,
			    ARRAY_LEN(log_titles));
		html_lit(&c->h, "<tr><td>");
		admin_time(&c->h, admin_col(c, rows, 0));
		html_lit(&c->h, "</td><td>");
		html_text(&c->h, who != NULL ? who : "(deleted user)");
		html_lit(&c->h, "</td><td>");
		html_text(&c->h,
		    strcmp(action, "add") == 0          ? "Added"
		        : strcmp(action, "delete") == 0 ? "Deleted"
		                                        : "Changed");
		html_lit(&c->h, "</td><td>");
		html_text(&c->h, admin_col(c, rows, 3));
		html_lit(&c->h, "</td></tr>\n");
	}
	db_rows_free(rows);
	if (n > 0)
		admin_table_end(c);
	else
		html_lit(&c->h,
		    "<p class=\"muted\">This object has not been "
		    "changed through the admin.</p>\n");
	return rc;
}

static int
deliveries(struct admin_ctx *c, const struct admin_object *o)
{
	static const char *const sql =
	    "SELECT svix_id, type, status, received_at, error FROM (SELECT "
	    "svix_id, type, status, received_at, error, payload FROM "
	    "webhook_events ORDER BY received_at DESC, svix_id LIMIT $3) e "
	    "WHERE payload LIKE $1 ESCAPE '\\' "
	    "ORDER BY received_at DESC, svix_id LIMIT $2";
	struct db_rows *rows;
	struct buf      pat;
	int             rc, n = 0;
	const char     *quoted;

	html_lit(&c->h,
	    "<h2>Clerk webhook deliveries</h2>\n<p class=\"muted\">"
	    "Deliveries whose payload names ");
	html_text(&c->h, o->clerk_id);
	html_lit(&c->h, ", newest first, among the newest ");
	html_int(&c->h, DELIVERIES_SCANNED);
	html_lit(&c->h, " stored.</p>\n");
	/* The id in quotes: a JSON string equal to it, not a longer id. */
	quoted = admin_printf(c, "\"%s\"", o->clerk_id);
	buf_init(&pat, 0);
	if (admin_like_contains(&pat, quoted, strlen(quoted)) == -1) {
		buf_cleanup(&pat);
		return -1;
	}
	/* SQLite binds without copying: the pattern must outlive the rows. */
	struct db_param p[] = {DB_TEXTN(arena_strndup(c->r->arena, pat.data,
	                                    pat.len),
	                           pat.len),
	    DB_INT(DELIVERIES_MAX), DB_INT(DELIVERIES_SCANNED)};

	buf_cleanup(&pat);
	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	while ((rc = db_rows_next(rows)) == 1) {
		const char *id = admin_col(c, rows, 0);

		if (n++ == 0)
			admin_table_begin(c, "deliveries", delivery_titles,
			    ARRAY_LEN(delivery_titles));
		linked_row(c, admin_col(c, rows, 3),
		    admin_url(c, &admin_events_model, id, "change"), id,
		    admin_col(c, rows, 1), admin_col(c, rows, 2));
	}
	db_rows_free(rows);
	if (n > 0)
		admin_table_end(c);
	else
		html_lit(&c->h, "<p class=\"muted\">None stored.</p>\n");
	return rc;
}

static int
sync_runs(struct admin_ctx *c, const struct admin_object *o)
{
	static const char *const sql =
	    "SELECT r.id, r.status, ch.created_at "
	    "FROM clerk_sync_changes ch JOIN clerk_sync_runs r "
	    "ON r.id = ch.run_id WHERE ch.clerk_id = $1 AND "
	    "ch.object_type = $2 ORDER BY ch.run_id DESC, ch.id DESC LIMIT $3";
	struct db_param p[] = {DB_TEXT(o->clerk_id),
	    DB_TEXT(c->model->object_type), DB_INT(SYNC_RUNS_MAX)};
	struct db_rows *rows;
	int             rc, n = 0;

	html_lit(&c->h,
	    "<h2>Clerk sync runs</h2>\n<p class=\"muted\">Runs of "
	    "<code>mysaas clerk sync</code> that changed ");
	html_text(&c->h, o->clerk_id);
	html_lit(&c->h, ", newest first.</p>\n");
	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	while ((rc = db_rows_next(rows)) == 1) {
		const char *id = admin_col(c, rows, 0);

		if (n++ == 0)
			admin_table_begin(c, "sync-runs", run_titles,
			    ARRAY_LEN(run_titles));
		linked_row(c, admin_col(c, rows, 2),
		    admin_url(c, &admin_syncruns_model, id, "change"),
		    admin_printf(c, "Sync run #%s", id), admin_col(c, rows, 1),
		    NULL);
	}
	db_rows_free(rows);
	if (n > 0)
		admin_table_end(c);
	else
		html_lit(&c->h, "<p class=\"muted\">None recorded.</p>\n");
	return rc;
}

int
admin_history_render(struct admin_ctx *c, const struct admin_object *o)
{
	admin_object_page_begin(c,
	    admin_printf(c, "Change history: %s", o->repr), o, "History");
	html_lit(&c->h, "<h1>Change history: ");
	html_text(&c->h, o->repr);
	html_lit(&c->h, "</h1>\n");
	if (log_rows(c, o) == -1)
		goto failed;
	if (o->clerk_id != NULL && *o->clerk_id != '\0' &&
	    (deliveries(c, o) == -1 || sync_runs(c, o) == -1))
		goto failed;
	return admin_page_end(c, HTTP_OK);
failed:
	log_error("req=%s component=admin msg=\"history query failed\" "
	          "error=\"%s\"",
	    c->r->id, db_errmsg(c->db));
	return admin_error(c, HTTP_SERVICE_UNAVAILABLE, "Service unavailable",
	    "The database did not answer. Try again in a moment.");
}
