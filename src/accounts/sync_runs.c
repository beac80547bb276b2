/*
 * The sync-run tables' writes (see sync_runs.h). Bound parameters only,
 * one text for both backends; times are now, as ISO-8601 text.
 */
#include "accounts/sync_runs.h"

#include <string.h>

#include "core/timeutil.h"

int
sync_run_start(struct db_conn *c, int64_t *id)
{
	static const char *const sql =
	    "INSERT INTO clerk_sync_runs (status, started_at) "
	    "VALUES ('running', $1) RETURNING id";
	char now[ISO_TIME_SIZE];

	time_iso_from_ms(time_now_ms(), now);
	struct db_param p[] = {DB_TEXT(now)};

	return db_query_int(c, sql, p, ARRAY_LEN(p), id, NULL) == 1 ? 0 : -1;
}

int
sync_run_finish(struct db_conn *c, int64_t id,
    const struct sync_run_result *res)
{
	static const char *const sql =
	    "UPDATE clerk_sync_runs SET status = $2, finished_at = $3, "
	    "error = $4, organizations_seen = $5, organizations_applied = $6, "
	    "organizations_unchanged = $7, organizations_failed = $8, "
	    "users_seen = $9, users_applied = $10, users_unchanged = $11, "
	    "users_failed = $12, memberships_seen = $13, "
	    "memberships_applied = $14, memberships_unchanged = $15, "
	    "memberships_failed = $16 WHERE id = $1";
	const struct sync_run_counts *o = &res->orgs, *u = &res->users;
	const struct sync_run_counts *m = &res->members;
	char                          now[ISO_TIME_SIZE];

	time_iso_from_ms(time_now_ms(), now);
	struct db_param p[] = {DB_INT(id),
	    DB_TEXT(res->ok ? "completed" : "failed"), DB_TEXT(now),
	    res->error != NULL && *res->error != '\0' ? DB_TEXT(res->error)
	                                              : DB_NULLP,
	    DB_INT(o->seen), DB_INT(o->applied), DB_INT(o->unchanged),
	    DB_INT(o->failed), DB_INT(u->seen), DB_INT(u->applied),
	    DB_INT(u->unchanged), DB_INT(u->failed), DB_INT(m->seen),
	    DB_INT(m->applied), DB_INT(m->unchanged), DB_INT(m->failed)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
sync_change_record(struct db_conn *c, int64_t run_id, const char *object_type,
    const char *clerk_id)
{
	static const char *const sql =
	    "INSERT INTO clerk_sync_changes (run_id, object_type, clerk_id, "
	    "created_at) VALUES ($1, $2, $3, $4)";
	char now[ISO_TIME_SIZE];

	time_iso_from_ms(time_now_ms(), now);
	struct db_param p[] = {DB_INT(run_id), DB_TEXT(object_type),
	    DB_TEXT(clerk_id), DB_TEXT(now)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}
