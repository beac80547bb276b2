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

/* $1 id, $2 status, $3 finished_at, $4 error, then four counts a kind
 * (seen, applied, unchanged, failed) in the order of enum sync_kind. */
static const char *const finish_sql =
    "UPDATE clerk_sync_runs SET status = $2, finished_at = $3, error = "
    "$4, permissions_seen = $5, permissions_applied = $6, "
    "permissions_unchanged = $7, permissions_failed = $8, roles_seen = "
    "$9, roles_applied = $10, roles_unchanged = $11, roles_failed = $12, "
    "organizations_seen = $13, organizations_applied = $14, "
    "organizations_unchanged = $15, organizations_failed = $16, "
    "users_seen = $17, users_applied = $18, users_unchanged = $19, "
    "users_failed = $20, memberships_seen = $21, memberships_applied = "
    "$22, memberships_unchanged = $23, memberships_failed = $24, "
    "invitations_seen = $25, invitations_applied = $26, "
    "invitations_unchanged = $27, invitations_failed = $28, domains_seen "
    "= $29, domains_applied = $30, domains_unchanged = $31, "
    "domains_failed = $32 WHERE id = $1";

#define FINISH_FIXED  4 /* the parameters before the counts */
#define FINISH_PARAMS (FINISH_FIXED + SYNC_KINDS * 4)

int
sync_run_finish(struct db_conn *c, int64_t id,
    const struct sync_run_result *res)
{
	struct db_param p[FINISH_PARAMS];
	char            now[ISO_TIME_SIZE];
	size_t          k;

	time_iso_from_ms(time_now_ms(), now);
	p[0] = DB_INT(id);
	p[1] = DB_TEXT(res->ok ? "completed" : "failed");
	p[2] = DB_TEXT(now);
	p[3] = res->error != NULL && *res->error != '\0' ? DB_TEXT(res->error)
	                                                 : DB_NULLP;
	for (k = 0; k < SYNC_KINDS; k++) {
		const struct sync_run_counts *n = &res->n[k];
		struct db_param              *q = &p[FINISH_FIXED + k * 4];

		q[0] = DB_INT(n->seen);
		q[1] = DB_INT(n->applied);
		q[2] = DB_INT(n->unchanged);
		q[3] = DB_INT(n->failed);
	}
	return db_exec(c, finish_sql, p, FINISH_PARAMS, NULL);
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
