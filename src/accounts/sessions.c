/*
 * The sessions table's statements (see sessions.h). Bound parameters only.
 * The clock differs in text between the backends (SQLite's strftime, in
 * the ISO-8601 form every SQLite timestamp here has; PostgreSQL's now()),
 * so the statements that read or write it have one text each (struct
 * db_sql); the rest is common.
 */
#include "accounts/sessions.h"

#include <string.h>

#include "accounts/api_list.h"
#include "core/timeutil.h"

/*
 * The upsert: $1 clerk_id, $2 user_id, $3 status, $4 client_id, $5
 * last_active_organization_id, $6 actor, $7 last_active_at, $8 expire_at,
 * $9 abandon_at, $10 clerk_updated_at. A row with the same
 * clerk_updated_at is written only when a column differs (DB_SAME), so a
 * duplicate writes nothing and leaves updated_at, which the revocation feed
 * reads, alone.
 */
#define SAME(col) DB_SAME("sessions." col, "excluded." col)
#define UPSERT(NOW)                                                                                                                    \
	"INSERT INTO sessions (clerk_id, user_id, status, client_id, "                                                                 \
	"last_active_organization_id, actor, last_active_at, expire_at, "                                                              \
	"abandon_at, clerk_updated_at, created_at, updated_at) VALUES ($1, "                                                           \
	"$2, $3, $4, $5, $6, $7, $8, $9, $10, " NOW ", " NOW ") "                                                                      \
	"ON CONFLICT (clerk_id) DO UPDATE SET user_id = excluded.user_id, "                                                            \
	"status = excluded.status, client_id = excluded.client_id, "                                                                   \
	"last_active_organization_id = "                                                                                               \
	"excluded.last_active_organization_id, actor = excluded.actor, "                                                               \
	"last_active_at = excluded.last_active_at, "                                                                                   \
	"expire_at = excluded.expire_at, abandon_at = excluded.abandon_at, "                                                           \
	"clerk_updated_at = excluded.clerk_updated_at, "                                                                               \
	"updated_at = excluded.updated_at WHERE "                                                                                      \
	"sessions.clerk_updated_at IS NULL OR "                                                                                        \
	"sessions.clerk_updated_at < excluded.clerk_updated_at OR "                                                                    \
	"(sessions.clerk_updated_at = excluded.clerk_updated_at AND NOT "                                                              \
	"(" SAME("user_id") " AND " SAME("status") " AND " SAME("client_id") " AND " SAME("last_active_organization_id") " AND " SAME( \
	    "actor") " AND " SAME("last_active_at") " AND " SAME("expire_at") " AND " SAME("abandon_at") ")) RETURNING id"

#define SQLITE_NOW "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

static const struct db_sql upsert_sql = {
    .sqlite = UPSERT(SQLITE_NOW),
    .pg = UPSERT("now()"),
};

int
session_mirror_upsert(struct db_conn *c, const struct session_values *v,
    int64_t *changed)
{
	struct db_param p[] = {DB_TEXT(v->clerk_id), DB_INT(v->user_id),
	    DB_TEXT(v->status), db_text_or_null(v->client_id),
	    db_text_or_null(v->last_active_organization_id),
	    db_text_or_null(v->actor), db_int_or_null(v->last_active_at),
	    db_int_or_null(v->expire_at), db_int_or_null(v->abandon_at),
	    db_int_or_null(v->clerk_updated_at)};
	struct db_rows *r;
	int             rc;

	*changed = 0;
	if ((r = db_query_sql(c, &upsert_sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	/* RETURNING gives a row only when the row was written. */
	while ((rc = db_rows_next(r)) == 1)
		(*changed)++;
	db_rows_free(r);
	return rc;
}

int
session_clerk_updated_at(struct db_conn *c, const char *clerk_id, int64_t *out)
{
	static const char *const sql =
	    "SELECT clerk_updated_at FROM sessions WHERE clerk_id = $1";
	struct db_param p[] = {DB_TEXT(clerk_id)};
	bool            is_null = false;
	int             rc = db_query_int(c, sql, p, 1, out, &is_null);

	if (rc == 1 && is_null)
		*out = DB_NO_INT;
	return rc;
}

bool
session_event_ends(const char *type)
{
	return type != NULL &&
	    (strcmp(type, "session.ended") == 0 ||
	        strcmp(type, "session.removed") == 0 ||
	        strcmp(type, "session.revoked") == 0);
}

/*
 * The feed: one row (NULL, the clock now) and then the refused sessions
 * changed at or after $1, with their updated_at, both in Unix ms. The
 * status test is the predicate of sessions_status_changed_idx word for
 * word, so that both planners take the partial index. $1 is ISO-8601
 * text: SQLite compares it with its text column, PostgreSQL reads it as
 * a timestamptz.
 */
#define FEED_WHERE                                                      \
	" FROM sessions WHERE status NOT IN ('active', 'pending') AND " \
	"updated_at >= $1"
#define SQLITE_MS(t) \
	"CAST(round((julianday(" t ") - 2440587.5) * 86400000.0) AS INTEGER)"
#define PG_MS(t) "CAST(round(extract(epoch FROM " t ") * 1000) AS bigint)"

static const struct db_sql feed_sql = {
    .sqlite = "SELECT NULL, " SQLITE_MS("'now'") " UNION ALL "
                                                 "SELECT clerk_id, " SQLITE_MS(
                                                     "updated_at") FEED_WHERE,
    .pg = "SELECT NULL::text, " PG_MS("now()") " UNION ALL "
                                               "SELECT clerk_id, " PG_MS(
                                                   "updated_at") FEED_WHERE,
};

int
session_refused_since(struct db_conn *c, int64_t since_ms, int64_t *now_ms,
    session_refused_fn fn, void *arg)
{
	char            since[ISO_TIME_SIZE];
	struct db_param p[1];
	struct db_rows *r;
	int             rc;

	time_iso_from_ms(since_ms, since);
	p[0] = DB_TEXT(since);
	if ((r = db_query_sql(c, &feed_sql, p, 1)) == NULL)
		return -1;
	while ((rc = db_rows_next(r)) == 1) {
		if (db_col_is_null(r, 0))
			*now_ms = db_col_int(r, 1);
		else
			fn(arg, db_col_text(r, 0, NULL), db_col_int(r, 1));
	}
	db_rows_free(r);
	return rc;
}

/* A session of the list; arg is the token's own session id, or NULL. */
static json_t *
session_item(struct db_rows *r, const void *arg)
{
	const char *current_sid = arg;
	const char *sid = db_col_text(r, 0, NULL);

	return json_pack("{s:o, s:o, s:o, s:o, s:b}", "clerk_id",
	    api_list_text(r, 0), "status", api_list_text(r, 1),
	    "last_active_at", api_list_int(r, 2), "expire_at",
	    api_list_int(r, 3), "current",
	    current_sid != NULL && strcmp(sid, current_sid) == 0);
}

int
session_list_of_user(struct db_conn *c, int64_t user_id,
    const char *current_sid, int64_t limit, int64_t offset, json_t **out)
{
	static const char *const count =
	    "SELECT count(*) FROM sessions WHERE user_id = $1";
	static const struct db_sql list = {
	    .sqlite = "SELECT clerk_id, status, last_active_at, expire_at "
	              "FROM sessions WHERE user_id = $1 ORDER BY "
	              "last_active_at DESC NULLS LAST, id DESC "
	              "LIMIT $2 OFFSET $3",
	};
	struct db_param p[] = {DB_INT(user_id), DB_INT(limit), DB_INT(offset)};

	return api_list_page(c, count, 1, &list, p, ARRAY_LEN(p), session_item,
	    current_sid, out);
}
