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

#include "accounts/clerk_sync.h"
#include "admin/fields.h"
#include "admin/model.h"
#include "admin/page.h"
#include "app.h"
#include "auth/revocations.h"
#include "clerk/backend_api.h"
#include "core/log.h"
#include "core/timeutil.h"

#define USER_SESSIONS_MAX 20 /* rows on a user's page */

/*
 * Clerk's times are Unix ms: shown as timestamps, which each backend
 * writes its own way (the changelist's cells are database values).
 */
#define MS_SQLITE(x) \
	"strftime('%Y-%m-%dT%H:%M:%fZ', " x " / 1000.0, 'unixepoch')"
#define MS_PG(x) "to_timestamp(" x " / 1000.0)"

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
    .page_sql = {SS_PAGE(MS_SQLITE), SS_PAGE(MS_PG)},
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
		s->ms[i] = db_col_is_null(rows, 7 + i)
		    ? DB_NO_INT
		    : db_col_int(rows, 7 + i);
	s->created_at = admin_col(c, rows, 11);
	s->updated_at = admin_col(c, rows, 12);
	db_rows_free(rows);
	return 1;
}

static int
session_lookup(struct admin_ctx *c, const char *id, struct admin_object *o)
{
	static const char *const sql =
	    "SELECT id, clerk_id, created_at FROM sessions WHERE id = $1";
	struct db_rows *rows;
	int             rc;

	if ((rc = admin_row_by_id(c, sql, id, &rows)) != 1)
		return rc;
	o->id = admin_col(c, rows, 0);
	o->clerk_id = admin_col(c, rows, 1);
	o->repr = o->clerk_id;
	o->created_at = admin_col(c, rows, 2);
	db_rows_free(rows);
	return 1;
}

/* A time in Unix ms, as the other timestamps are shown. */
static void
ms_time(struct admin_ctx *c, int64_t ms)
{
	char iso[ISO_TIME_SIZE];

	if (ms == DB_NO_INT) {
		admin_time(&c->h, NULL);
		return;
	}
	time_iso_from_ms(ms, iso);
	admin_time(&c->h, iso);
}

static void
ms_field(struct admin_ctx *c, const char *label, int64_t ms)
{
	html_lit(&c->h, "<dt>");
	html_text(&c->h, label);
	html_lit(&c->h, "</dt><dd>");
	ms_time(c, ms);
	html_lit(&c->h, "</dd>\n");
}

static bool
is_live(const char *status)
{
	return strcmp(status, "active") == 0 || strcmp(status, "pending") == 0;
}

/* The Revoke button, or why there is none. */
static void
revoke_form(struct admin_ctx *c, const struct admin_object *o,
    const struct session_row *s)
{
	if (!c->user.is_superuser || !is_live(s->status))
		return;
	if (c->r->app->cfg->clerk_secret_key == NULL) {
		html_lit(&c->h,
		    "<p class=\"help\">Revoking a session goes through "
		    "Clerk, which holds it: set CLERK_SECRET_KEY to revoke "
		    "it from here.</p>\n");
		return;
	}
	admin_form_open(c, admin_url(c, c->model, o->id, "revoke"));
	html_lit(&c->h,
	    "<div class=\"form-actions\"><button type=\"submit\" "
	    "class=\"btn-danger\">Revoke</button></div>\n<p "
	    "class=\"help\">Asks Clerk to revoke this session: the user is "
	    "signed out of it, and its tokens are refused at once.</p>\n"
	    "</form>\n");
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
	admin_object_page_begin(c, o->repr, o, NULL);
	html_lit(&c->h, "<h1>View session</h1>\n<h2 class=\"muted\">");
	html_text(&c->h, o->repr);
	html_lit(&c->h, "</h2>\n<p><a class=\"btn btn-secondary\"");
	html_url_attr(&c->h, "href", admin_url(c, c->model, o->id, "history"));
	html_lit(&c->h, ">History</a></p>\n<dl class=\"fields\">\n");
	admin_readonly(c, "Session ID", s.clerk_id);
	html_lit(&c->h, "<dt>User</dt><dd><a");
	html_url_attr(&c->h, "href",
	    admin_url(c, &admin_users_model, s.user_id, "change"));
	html_lit(&c->h, ">");
	html_text(&c->h, s.user);
	html_lit(&c->h, "</a></dd>\n");
	admin_readonly(c, "Status", s.status);
	admin_readonly(c, "Client ID", s.client_id);
	admin_readonly(c, "Last active organization", s.org_id);
	admin_readonly(c, "Actor", s.actor);
	ms_field(c, "Last active", s.ms[0]);
	ms_field(c, "Expires", s.ms[1]);
	ms_field(c, "Abandoned after", s.ms[2]);
	ms_field(c, "Updated in Clerk", s.ms[3]);
	html_lit(&c->h, "<dt>Mirrored</dt><dd>");
	admin_time(&c->h, s.created_at);
	html_lit(&c->h, "</dd>\n<dt>Updated</dt><dd>");
	admin_time(&c->h, s.updated_at);
	html_lit(&c->h, "</dd>\n</dl>\n");
	revoke_form(c, o, &s);
	return admin_page_end(c, status);
}

static int
session_view(struct admin_ctx *c, const struct admin_object *o)
{
	return session_page(c, o, HTTP_OK);
}

/* Clerk's own words for a refusal: its first error's long_message. */
static const char *
clerk_message(struct admin_ctx *c, const json_t *answer, long status)
{
	const json_t *e = json_array_get(json_object_get(answer, "errors"), 0);
	const char   *m = json_string_value(json_object_get(e, "long_message"));

	if (m == NULL)
		m = json_string_value(json_object_get(e, "message"));
	if (m != NULL)
		return admin_printf(c, "Clerk refused: %s", m);
	return admin_printf(c, "Clerk refused the request (HTTP %ld).", status);
}

/*
 * Applies Clerk's answer (the revoked Session) through the session rule,
 * with the admin_log row, in one transaction. 0, -1 on a database error,
 * 1 when the answer could not be applied (*why says why).
 */
static int
apply_answer(struct admin_ctx *c, const struct admin_object *o, json_t *answer,
    const char **why)
{
	struct sync_result res;

	if (admin_tx_begin(c) == -1)
		return -1;
	switch (clerk_sync_apply_object(c->db, "session.revoked", answer,
	    time_now_ms(), &res)) {
	case SYNC_DB_ERROR:
		(void)!db_rollback(c->db);
		return -1;
	case SYNC_FAILED:
		(void)!db_rollback(c->db);
		*why = admin_printf(c, "%s", res.error);
		return 1;
	default:
		break;
	}
	if (admin_log_write(c, "change", c->model->object_type, o->id, o->repr,
	        "Revoked through Clerk.") == -1 ||
	    admin_tx_commit(c) == -1)
		return -1;
	return 0;
}

/* Asks Clerk; the page (or redirect) that tells how it went. */
static int
revoke(struct admin_ctx *c, const struct admin_object *o)
{
	const struct config *cfg = c->r->app->cfg;
	json_t              *answer = NULL;
	const char          *why = NULL, *path;
	long                 status = 0;
	int                  rc = -1;

	path = admin_printf(c, "/v1/sessions/%s/revoke", admin_enc(c, o->repr));
	if (clerk_api_post(cfg->clerk_api_url, cfg->clerk_secret_key, path,
	        NULL, &status, &answer) == -1 ||
	    status == HTTP_TOO_MANY_REQUESTS || status >= 500) {
		json_decref(answer);
		admin_message(c, ADMIN_ERROR,
		    "Clerk is unavailable; nothing was changed. Try again in "
		    "a moment.");
		return session_page(c, o, HTTP_SERVICE_UNAVAILABLE);
	}
	if (status != HTTP_OK || !json_is_object(answer) ||
	    json_string_value(json_object_get(answer, "id")) == NULL ||
	    strcmp(json_string_value(json_object_get(answer, "id")), o->repr) !=
	        0) {
		admin_message(c, ADMIN_ERROR, clerk_message(c, answer, status));
		json_decref(answer);
		return session_page(c, o, HTTP_OK);
	}
	rc = apply_answer(c, o, answer, &why);
	json_decref(answer);
	/* Clerk has revoked it, whatever the mirror could record. */
	revocations_add(c->r->app->revocations, o->repr);
	if (rc == -1)
		return admin_db_failed(c, "session revoke");
	if (rc == 1) {
		admin_message(c, ADMIN_WARNING,
		    admin_printf(c,
		        "Clerk revoked the session, but its answer could not "
		        "be applied (%s); the webhook that follows will.",
		        why));
		return session_page(c, o, HTTP_OK);
	}
	admin_flash(c, ADMIN_SUCCESS,
	    admin_printf(c,
	        "The session \xE2\x80\x9C%s\xE2\x80\x9D was revoked.",
	        o->repr));
	return admin_redirect(c->r, admin_url(c, c->model, o->id, "change"));
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
	if (r->app->cfg->clerk_secret_key == NULL) {
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
		ms_time(c,
		    db_col_is_null(rows, 3) ? DB_NO_INT : db_col_int(rows, 3));
		html_lit(&c->h, "</td><td>");
		ms_time(c,
		    db_col_is_null(rows, 4) ? DB_NO_INT : db_col_int(rows, 4));
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
