/*
 * Sessions (/admin/users/session/, DESIGN sections 8 and 11.3): the
 * mirror of Clerk's sessions, read-only. The changelist searches Clerk
 * ids and users' emails and filters by status (and by user, from a user's
 * page, which lists that user's sessions). "Revoke" asks Clerk to revoke
 * the session (POST /v1/sessions/{id}/revoke): Clerk's answer goes
 * through the session rule like a webhook, so the webhook that follows
 * changes nothing, with its admin_log row in one transaction, and the
 * session's tokens are refused at once on this instance (the others read
 * it from the mirror). Clerk's refusal is the page's error and changes
 * nothing; without CLERK_SECRET_KEY the action says why it cannot run.
 */
#include "admin/admin.h"

#include <jansson.h>
#include <string.h>

#include "admin/clerk_write.h"
#include "admin/fields.h"
#include "admin/model.h"
#include "admin/page.h"
#include "app.h"
#include "auth/revocations.h"
#include "core/timeutil.h"

#define USER_SESSIONS_MAX 20 /* rows on a user's page */

/* $1 status, $2 user id, $3..$5 search words. */
#define SS_WORD(n)                                                      \
	" AND (CAST(" n " AS text) IS NULL" ADMIN_LIKE("s.clerk_id", n) \
	    ADMIN_LIKE("u.email", n) ")"
#define SS_WHERE                                                       \
	" FROM sessions s JOIN users u ON u.id = s.user_id WHERE "     \
	"(CAST($1 AS text) IS NULL OR s.status = $1) AND "             \
	"(CAST($2 AS bigint) IS NULL OR s.user_id = $2)" SS_WORD("$3") \
	    SS_WORD("$4") SS_WORD("$5")
#define SORT(k, e) ADMIN_SORT("$6", k, e)
#define SS_PAGE(MS)                                                       \
	"SELECT s.id, s.clerk_id, COALESCE(u.email, u.clerk_id), "        \
	"s.status, " MS("s.last_active_at") ", " MS(                      \
	    "s.expire_at") ", s.updated_at" SS_WHERE " ORDER BY " SORT(1, \
	    "s.clerk_id") SORT(2, "lower(COALESCE(u.email, u.clerk_id))") \
	    SORT(3, "s.status") SORT(4, "s.last_active_at")               \
	        SORT(5, "s.expire_at")                                    \
	            SORT(6, "s.updated_at") "s.id DESC LIMIT $7 "         \
	                                    "OFFSET $8"

static const struct admin_column ss_cols[] = {
    {"clerk_id", "Session", ADMIN_COL_TEXT},
    {"user", "User", ADMIN_COL_TEXT},
    {"status", "Status", ADMIN_COL_TEXT},
    {"last_active_at", "Last active", ADMIN_COL_TIME},
    {"expire_at", "Expires", ADMIN_COL_TIME},
    {"updated_at", "Updated", ADMIN_COL_TIME},
};

/* Clerk's statuses (reference/clerk.md section 8.1). */
static const char *const statuses[] = {"active", "pending", "ended", "removed",
    "revoked", "expired", "abandoned", "replaced", NULL};

static const struct admin_filter ss_filters[] = {
    {"status", "status", false, false, statuses, NULL},
    {"user", NULL, false, true, NULL, NULL},
};

static const struct admin_list ss_list = {
    .count_sql = {"SELECT count(*)" SS_WHERE},
    .page_sql = {SS_PAGE(ADMIN_MS_SQLITE), SS_PAGE(ADMIN_MS_PG)},
    .total_sql = "SELECT count(*) FROM sessions",
    .cols = ss_cols,
    .ncols = ARRAY_LEN(ss_cols),
    .filters = ss_filters,
    .nfilters = ARRAY_LEN(ss_filters),
    .default_order = -4,
    .search_help = "Session ID or user email",
};

struct session_row {
	const char *clerk_id, *status, *client_id, *org_id, *actor;
	const char *user_id, *user;
	int64_t     ms[4]; /* last active, expires, abandons, Clerk's
	                    * updated_at; DB_NO_INT when unknown */
	const char *created_at, *updated_at;
};

static int
session_load(struct admin_ctx *c, const char *id, struct session_row *s)
{
	static const char *const sql =
	    "SELECT s.clerk_id, s.status, s.client_id, "
	    "s.last_active_organization_id, s.actor, u.id, "
	    "COALESCE(u.email, u.clerk_id), s.last_active_at, s.expire_at, "
	    "s.abandon_at, s.clerk_updated_at, s.created_at, s.updated_at "
	    "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1";
	struct db_rows *rows;
	int             rc, i;

	memset(s, 0, sizeof(*s));
	if ((rc = admin_row_by_id(c, sql, id, &rows)) != 1)
		return rc;
	s->clerk_id = admin_col(c, rows, 0);
	s->status = admin_col(c, rows, 1);
	s->client_id = admin_col(c, rows, 2);
	s->org_id = admin_col(c, rows, 3);
	s->actor = admin_col(c, rows, 4);
	s->user_id = admin_col(c, rows, 5);
	s->user = admin_col(c, rows, 6);
	for (i = 0; i < 4; i++)
		s->ms[i] = admin_col_ms(rows, 7 + i);
	s->created_at = admin_col(c, rows, 11);
	s->updated_at = admin_col(c, rows, 12);
	db_rows_free(rows);
	return 1;
}

static int
session_lookup(struct admin_ctx *c, const char *id, struct admin_object *o)
{
	return admin_object_by_id(c,
	    "SELECT id, clerk_id, clerk_id, created_at FROM sessions WHERE "
	    "id = $1",
	    id, o);
}

static bool
is_live(const char *status)
{
	return strcmp(status, "active") == 0 || strcmp(status, "pending") == 0;
}

static int
session_page(struct admin_ctx *c, const struct admin_object *o, int status)
{
	struct session_row s;
	int                rc;

	if ((rc = session_load(c, o->id, &s)) != 1)
		return rc == -1 ? admin_db_failed(c, "session load")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This session no longer exists.");
	admin_object_head(c, o, "View");
	admin_readonly(c, "Session ID", s.clerk_id);
	admin_link_field(c, "User", &admin_users_model, s.user_id, s.user);
	admin_readonly(c, "Status", s.status);
	admin_readonly(c, "Client ID", s.client_id);
	admin_readonly(c, "Last active organization", s.org_id);
	admin_readonly(c, "Actor", s.actor);
	admin_ms_field(c, "Last active", s.ms[0]);
	admin_ms_field(c, "Expires", s.ms[1]);
	admin_ms_field(c, "Abandoned after", s.ms[2]);
	admin_mirror_times(c, s.ms[3], s.created_at, s.updated_at);
	if (is_live(s.status))
		admin_clerk_revoke_form(c, o, "a session",
		    "Asks Clerk to revoke this session: the user is signed out "
		    "of it, and its tokens are refused at once.");
	return admin_page_end(c, status);
}

static int
session_view(struct admin_ctx *c, const struct admin_object *o)
{
	return session_page(c, o, HTTP_OK);
}

/* Asks Clerk; the page (or redirect) that tells how it went. */
static int
revoke(struct admin_ctx *c, const struct admin_object *o)
{
	struct admin_clerk_revoke rv = {.path = admin_printf(c,
	                                    "/v1/sessions/%s/revoke",
	                                    admin_enc(c, o->repr)),
	    .event = "session.revoked",
	    .clerk_id = o->repr,
	    .page = session_page};
	bool                      made = false;
	int                       status = admin_clerk_revoke(c, o, &rv, &made);

	/* Clerk has revoked it, whatever the mirror could record. */
	if (made)
		revocations_add(c->r->app->revocations, o->repr);
	return status;
}

int
admin_session_revoke(struct req *r)
{
	struct admin_ctx   *c = r->gate_ctx;
	struct admin_object o;
	struct str          id = req_param(r, "id");
	int                 rc;

	if (c == NULL)
		return HTTP_INTERNAL_ERROR;
	c->model = &admin_sessions_model;
	memset(&o, 0, sizeof(o));
	if ((rc = session_lookup(c, arena_strndup(r->arena, id.p, id.len),
	         &o)) != 1)
		return rc == -1 ? admin_db_failed(c, "session lookup")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This session no longer exists.");
	if (!admin_clerk_on(c)) {
		admin_message(c, ADMIN_ERROR,
		    "Revoking needs CLERK_SECRET_KEY: the session is Clerk's, "
		    "and only Clerk can end it. Nothing was changed.");
		return session_page(c, &o, HTTP_OK);
	}
	return revoke(c, &o);
}

static const char *const user_session_titles[] = {"Session", "Status",
    "Last active", "Expires"};

int
admin_user_sessions(struct admin_ctx *c, const char *user_id)
{
	static const char *const sql =
	    "SELECT id, clerk_id, status, last_active_at, expire_at FROM "
	    "sessions WHERE user_id = $1 ORDER BY last_active_at DESC NULLS "
	    "LAST, id DESC LIMIT $2";
	struct db_param p[] = {DB_INT(admin_id(user_id)),
	    DB_INT(USER_SESSIONS_MAX)};
	struct db_rows *rows;
	int             rc, n = 0;

	html_lit(&c->h, "<h2>Sessions</h2>\n");
	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	while ((rc = db_rows_next(rows)) == 1) {
		if (n++ == 0)
			admin_table_begin(c, "sessions", user_session_titles,
			    ARRAY_LEN(user_session_titles));
		html_lit(&c->h, "<tr><td><a");
		html_url_attr(&c->h, "href",
		    admin_url(c, &admin_sessions_model, admin_col(c, rows, 0),
		        "change"));
		html_lit(&c->h, ">");
		html_text(&c->h, admin_col(c, rows, 1));
		html_lit(&c->h, "</a></td><td>");
		html_text(&c->h, admin_col(c, rows, 2));
		html_lit(&c->h, "</td><td>");
		admin_ms_time(&c->h, admin_col_ms(rows, 3));
		html_lit(&c->h, "</td><td>");
		admin_ms_time(&c->h, admin_col_ms(rows, 4));
		html_lit(&c->h, "</td></tr>\n");
	}
	db_rows_free(rows);
	if (n == 0) {
		html_lit(&c->h, "<p class=\"muted\">No sessions.</p>\n");
		return rc;
	}
	admin_table_end(c);
	html_lit(&c->h, "<p><a");
	html_url_attr(&c->h, "href",
	    admin_printf(c, "%s?user=%s",
	        admin_url(c, &admin_sessions_model, NULL, NULL),
	        admin_enc(c, user_id)));
	html_lit(&c->h, ">All sessions of this user</a></p>\n");
	return rc;
}

const struct admin_model admin_sessions_model = {
    .app = "users",
    .name = "session",
    .object_type = "users.session",
    .verbose = "session",
    .verbose_plural = "sessions",
    .title_plural = "Sessions",
    .read_only = true,
    .list = &ss_list,
    .lookup = session_lookup,
    .change = session_view,
    .add = NULL,
    .del = NULL,
};
