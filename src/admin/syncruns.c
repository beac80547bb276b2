/*
 * Clerk sync runs (/admin/clerk/syncrun/): the runs of "mysaas clerk sync"
 * recorded in clerk_sync_runs, read-only. The changelist filters by status,
 * newest first; the detail page shows a run's counts and the objects it
 * changed (clerk_sync_changes), each linking to the object's change page
 * while the object still exists. A run left 'running' by a command that
 * was interrupted stays so: nothing here changes it.
 */
#include "admin/model.h"

#include <string.h>

#include "admin/fields.h"
#include "admin/page.h"

#define CHANGES_MAX 1000 /* objects listed on a run's page */

/* $1 status, $2..$4 search words (over the error text). */
#define SR_WORD(n) \
	" AND (CAST(" n " AS text) IS NULL" ADMIN_LIKE("r.error", n) ")"
#define SR_WHERE                                                      \
	" FROM clerk_sync_runs r WHERE (CAST($1 AS text) IS NULL OR " \
	"r.status = $1)" SR_WORD("$2") SR_WORD("$3") SR_WORD("$4")
/* The sum of one count over every kind. */
#define SR_SUM(n)                                                   \
	"(r.permissions_" n " + r.roles_" n " + r.organizations_" n \
	" + r.users_" n " + r.memberships_" n " + r.invitations_" n \
	" + r.domains_" n ")"
#define SR_SEEN    SR_SUM("seen")
#define SR_APPLIED SR_SUM("applied")
#define SR_FAILED  SR_SUM("failed")
#define SORT(k, e) ADMIN_SORT("$5", k, e)
#define SR_PAGE                                                               \
	"SELECT r.id, 'Sync run #' || r.id, r.status, r.started_at, "         \
	"r.finished_at, " SR_SEEN ", " SR_APPLIED ", " SR_FAILED SR_WHERE     \
	" ORDER BY " SORT(1, "r.id") SORT(2, "r.status")                      \
	    SORT(3, "r.started_at") SORT(4, "r.finished_at") SORT(5, SR_SEEN) \
	        SORT(6, SR_APPLIED)                                           \
	            SORT(7, SR_FAILED) "r.id DESC LIMIT $6 OFFSET $7"

static const struct admin_column sr_cols[] = {
    {"id", "Run", ADMIN_COL_TEXT},
    {"status", "Status", ADMIN_COL_TEXT},
    {"started_at", "Started", ADMIN_COL_TIME},
    {"finished_at", "Finished", ADMIN_COL_TIME},
    {"seen", "Seen", ADMIN_COL_INT},
    {"changed", "Changed", ADMIN_COL_INT},
    {"failed", "Failed", ADMIN_COL_INT},
};

static const char *const statuses[] = {"running", "completed", "failed", NULL};

static const struct admin_filter sr_filters[] = {
    {"status", "status", false, false, statuses, NULL},
};

/* Designated: the fields left out stay NULL (no index walk, see
 * struct admin_list); the default order is the id, newest first. */
static const struct admin_list sr_list = {
    .count_sql = {"SELECT count(*)" SR_WHERE},
    .page_sql = {SR_PAGE},
    .total_sql = "SELECT count(*) FROM clerk_sync_runs",
    .cols = sr_cols,
    .ncols = ARRAY_LEN(sr_cols),
    .filters = sr_filters,
    .nfilters = ARRAY_LEN(sr_filters),
    .default_order = -1,
    .search_help = "Error text",
};

/* The counts of a run, by kind (in the order the run reads them) and by
 * what happened (seen, changed, unchanged, failed). */
#define KINDS  7
#define COUNTS 4

struct run {
	const char *status, *started_at, *finished_at, *error;
	int64_t     n[KINDS][COUNTS];
};

static int
run_load(struct admin_ctx *c, const char *id, struct run *run)
{
	static const char *const sql =
	    "SELECT status, started_at, finished_at, error, "
	    "permissions_seen, permissions_applied, permissions_unchanged, "
	    "permissions_failed, roles_seen, roles_applied, roles_unchanged, "
	    "roles_failed, organizations_seen, organizations_applied, "
	    "organizations_unchanged, organizations_failed, users_seen, "
	    "users_applied, users_unchanged, users_failed, memberships_seen, "
	    "memberships_applied, memberships_unchanged, memberships_failed, "
	    "invitations_seen, invitations_applied, invitations_unchanged, "
	    "invitations_failed, domains_seen, domains_applied, "
	    "domains_unchanged, domains_failed "
	    "FROM clerk_sync_runs WHERE id = $1";
	struct db_rows *rows;
	int             rc, k, i;

	memset(run, 0, sizeof(*run));
	if ((rc = admin_row_by_id(c, sql, id, &rows)) != 1)
		return rc;
	run->status = admin_col(c, rows, 0);
	run->started_at = admin_col(c, rows, 1);
	run->finished_at = admin_col(c, rows, 2);
	run->error = admin_col(c, rows, 3);
	for (k = 0; k < KINDS; k++) {
		for (i = 0; i < COUNTS; i++)
			run->n[k][i] = db_col_int(rows, 4 + k * COUNTS + i);
	}
	db_rows_free(rows);
	return 1;
}

static int
run_lookup(struct admin_ctx *c, const char *id, struct admin_object *o)
{
	static const char *const sql =
	    "SELECT id, started_at FROM clerk_sync_runs WHERE id = $1";
	struct db_rows *rows;
	int             rc;

	if ((rc = admin_row_by_id(c, sql, id, &rows)) != 1)
		return rc;
	o->id = admin_col(c, rows, 0);
	o->repr = admin_printf(c, "Sync run #%s", o->id);
	o->clerk_id = NULL;
	o->created_at = admin_col(c, rows, 1);
	db_rows_free(rows);
	return 1;
}

static void
counts_table(struct admin_ctx *c, const struct run *run)
{
	static const char *const kinds[KINDS] = {"Permissions", "Roles",
	    "Organizations", "Users", "Memberships", "Invitations", "Domains"};
	int                      k, i;

	html_lit(&c->h,
	    "<h2>Counts</h2>\n<div class=\"table-wrap\">\n<table "
	    "id=\"counts\">\n<thead><tr><th scope=\"col\">Kind</th>"
	    "<th scope=\"col\">Seen</th><th scope=\"col\">Changed</th>"
	    "<th scope=\"col\">Unchanged</th><th "
	    "scope=\"col\">Failed</th></tr></thead>\n<tbody>\n");
	for (k = 0; k < KINDS; k++) {
		html_lit(&c->h, "<tr><th scope=\"row\">");
		html_text(&c->h, kinds[k]);
		html_lit(&c->h, "</th>");
		for (i = 0; i < COUNTS; i++) {
			html_lit(&c->h, "<td class=\"num\">");
			html_int(&c->h, run->n[k][i]);
			html_lit(&c->h, "</td>");
		}
		html_lit(&c->h, "</tr>\n");
	}
	html_lit(&c->h,
	    "</tbody>\n</table>\n</div>\n<p class=\"help\">Changed: the "
	    "mirror was written. Unchanged: already mirrored as it is, or "
	    "older than the mirror. Failed: not appliable (the reason is "
	    "not kept).</p>\n");
}

/* One changed object: its type, its Clerk id linking to its change page
 * while it exists, and what it is now. */
static const char *const change_titles[] = {"Type", "Clerk ID", "Now"};

/* The names of the object types that may have no admin page. */
static const struct {
	const char *type, *verbose;
} type_names[] = {
    {"users.permission", "permission"},
    {"users.role", "role"},
    {"users.organizationinvitation", "organization invitation"},
    {"users.organizationdomain", "organization domain"},
};

static const char *
type_verbose(const struct admin_model *m, const char *type)
{
	size_t i;

	if (m != NULL)
		return m->verbose;
	for (i = 0; i < ARRAY_LEN(type_names); i++) {
		if (strcmp(type, type_names[i].type) == 0)
			return type_names[i].verbose;
	}
	return type;
}

static void
change_row(struct admin_ctx *c, struct db_rows *rows)
{
	const char               *type = admin_col(c, rows, 0);
	const char               *clerk_id = admin_col(c, rows, 1);
	const char               *id = admin_col(c, rows, 2);
	const char               *now = admin_col(c, rows, 3);
	const struct admin_model *m = admin_model_by_type(type);

	html_lit(&c->h, "<tr><td>");
	html_text(&c->h, type_verbose(m, type));
	html_lit(&c->h, "</td><td>");
	if (m != NULL && id != NULL) {
		html_lit(&c->h, "<a");
		html_url_attr(&c->h, "href", admin_url(c, m, id, "change"));
		html_lit(&c->h, ">");
		html_text(&c->h, clerk_id);
		html_lit(&c->h, "</a></td><td>");
		html_text(&c->h, now);
	} else if (id != NULL) {
		/* It exists, with no page of its own to link to. */
		html_text(&c->h, clerk_id);
		html_lit(&c->h, "</td><td>");
		html_text(&c->h, now);
	} else {
		html_text(&c->h, clerk_id);
		html_lit(&c->h,
		    "</td><td><span class=\"muted\">No longer "
		    "exists</span>");
	}
	html_lit(&c->h, "</td></tr>\n");
}

/* Runs a one-row count with $1 = run_id. */
static int
count_of(struct admin_ctx *c, const char *sql, int64_t run_id, int64_t *n)
{
	struct db_param p[] = {DB_INT(run_id)};

	return db_query_int(c->db, sql, p, ARRAY_LEN(p), n, NULL) == -1 ? -1
	                                                                : 0;
}

static int
changes(struct admin_ctx *c, int64_t run_id)
{
	static const char *const count_sql =
	    "SELECT count(*) FROM clerk_sync_changes WHERE run_id = $1";
	static const char *const sql =
	    "SELECT ch.object_type, ch.clerk_id, "
	    "COALESCE(u.id, o.id, m.id, i.id, d.id, ro.id, pe.id), "
	    "CASE WHEN u.id IS NOT NULL THEN COALESCE(u.email, u.clerk_id) "
	    "WHEN o.id IS NOT NULL THEN o.name "
	    "WHEN m.id IS NOT NULL THEN COALESCE(mu.email, mu.clerk_id, '') "
	    "|| ' in ' || mo.name "
	    "WHEN i.id IS NOT NULL THEN i.email_address || ' to ' || io.name "
	    "WHEN d.id IS NOT NULL THEN d.name || ' of ' || dorg.name "
	    "WHEN ro.id IS NOT NULL THEN ro.key "
	    "WHEN pe.id IS NOT NULL THEN pe.key END "
	    "FROM clerk_sync_changes ch "
	    "LEFT JOIN users u ON ch.object_type = 'users.user' AND "
	    "u.clerk_id = ch.clerk_id "
	    "LEFT JOIN organizations o ON ch.object_type = "
	    "'users.organization' AND o.clerk_id = ch.clerk_id "
	    "LEFT JOIN organization_memberships m ON ch.object_type = "
	    "'users.organizationmembership' AND m.clerk_id = ch.clerk_id "
	    "LEFT JOIN users mu ON mu.id = m.user_id "
	    "LEFT JOIN organizations mo ON mo.id = m.organization_id "
	    "LEFT JOIN organization_invitations i ON ch.object_type = "
	    "'users.organizationinvitation' AND i.clerk_id = ch.clerk_id "
	    "LEFT JOIN organizations io ON io.id = i.organization_id "
	    "LEFT JOIN organization_domains d ON ch.object_type = "
	    "'users.organizationdomain' AND d.clerk_id = ch.clerk_id "
	    "LEFT JOIN organizations dorg ON dorg.id = d.organization_id "
	    "LEFT JOIN roles ro ON ch.object_type = 'users.role' AND "
	    "ro.clerk_id = ch.clerk_id "
	    "LEFT JOIN permissions pe ON ch.object_type = 'users.permission' "
	    "AND pe.clerk_id = ch.clerk_id "
	    "WHERE ch.run_id = $1 ORDER BY ch.id LIMIT $2";
	struct db_param p[] = {DB_INT(run_id), DB_INT(CHANGES_MAX)};
	struct db_rows *rows;
	int64_t         total = 0;
	int             rc, n = 0;

	if (count_of(c, count_sql, run_id, &total) == -1)
		return -1;
	html_lit(&c->h, "<h2>Objects changed</h2>\n<p class=\"muted\">");
	html_int(&c->h, total);
	if (total == 1)
		html_lit(&c->h, " object");
	else
		html_lit(&c->h, " objects");
	if (total > CHANGES_MAX) {
		html_lit(&c->h, "; the first ");
		html_int(&c->h, CHANGES_MAX);
		html_lit(&c->h, " are listed");
	}
	html_lit(&c->h, ", in the order they were applied.</p>\n");
	if (total == 0)
		return 0;
	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	while ((rc = db_rows_next(rows)) == 1) {
		if (n++ == 0)
			admin_table_begin(c, "changes", change_titles,
			    ARRAY_LEN(change_titles));
		change_row(c, rows);
	}
	db_rows_free(rows);
	if (n > 0)
		admin_table_end(c);
	return rc;
}

static int
run_view(struct admin_ctx *c, const struct admin_object *o)
{
	struct run run;
	int64_t    id;
	int        rc;

	if (str_to_i64(str_from_cstr(o->id), 1, INT64_MAX, &id) == -1)
		return admin_error(c, HTTP_NOT_FOUND, "Not found",
		    "There is no such sync run.");
	if ((rc = run_load(c, o->id, &run)) != 1)
		return rc == -1 ? admin_db_failed(c, "sync run load")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This sync run no longer exists.");
	admin_object_page_begin(c, o->repr, o, NULL);
	html_lit(&c->h, "<h1>View sync run</h1>\n<h2 class=\"muted\">");
	html_text(&c->h, o->repr);
	html_lit(&c->h, "</h2>\n<dl class=\"fields\">\n");
	admin_readonly(c, "Status", run.status);
	html_lit(&c->h, "<dt>Started</dt><dd>");
	admin_time(&c->h, run.started_at);
	html_lit(&c->h, "</dd>\n<dt>Finished</dt><dd>");
	admin_time(&c->h, run.finished_at);
	html_lit(&c->h, "</dd>\n");
	admin_readonly(c, "Error", run.error);
	html_lit(&c->h, "</dl>\n");
	if (strcmp(run.status, "running") == 0)
		html_lit(&c->h,
		    "<p class=\"help\">A run is running while <code>mysaas "
		    "clerk sync</code> works; one that was interrupted "
		    "(killed, or its database lost) stays so. What it "
		    "changed before is listed below.</p>\n");
	counts_table(c, &run);
	if (changes(c, id) == -1)
		return admin_db_failed(c, "sync run changes");
	return admin_page_end(c, HTTP_OK);
}

const struct admin_model admin_syncruns_model = {
    .app = "clerk",
    .name = "syncrun",
    .object_type = "clerk.syncrun",
    .verbose = "sync run",
    .verbose_plural = "sync runs",
    .title_plural = "Sync runs",
    .read_only = true,
    .list = &sr_list,
    .lookup = run_lookup,
    .change = run_view,
    .add = NULL,
    .del = NULL,
};
