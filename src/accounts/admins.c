/*
 * Local admin accounts. Bound parameters only, one SQL text for both
 * backends: booleans travel as DB_INT(1) (PostgreSQL reads '1' as true),
 * timestamps as ISO-8601 text. The unique index on lower(email) settles
 * races between two creators; ON CONFLICT turns the loser into "refused".
 */
#include "accounts/admins.h"

#include <string.h>

#include "core/timeutil.h"

/* The first column of the first row as an integer: 1, 0 (no row) or -1. */
static int
query_id(struct db_conn *c, const char *sql, const struct db_param *p, size_t n,
    int64_t *id)
{
	struct db_rows *r = db_query(c, sql, p, n);
	int             rc, more;

	if (r == NULL)
		return -1;
	if ((rc = db_rows_next(r)) == 1 && id != NULL)
		*id = db_col_int(r, 0);
	/* Step to the end: a RETURNING statement completes on every backend. */
	while (rc == 1 && (more = db_rows_next(r)) != 0) {
		if (more == -1)
			rc = -1;
	}
	db_rows_free(r);
	return rc;
}

int
admins_user_id(struct db_conn *c, const char *email, int64_t *id)
{
	static const char *const sql = "SELECT id FROM users WHERE email IS "
	                               "NOT NULL AND lower(email) = lower($1)";
	struct db_param          p[] = {DB_TEXT(email)};

	return query_id(c, sql, p, ARRAY_LEN(p), id);
}

int
admins_create_superuser(struct db_conn *c, const char *email, const char *hash,
    int64_t *id)
{
	static const char *const sql =
	    "INSERT INTO users (email, password, is_active, is_staff, "
	    "is_superuser, date_joined, created_at, updated_at) "
	    "VALUES ($1, $2, $3, $3, $3, $4, $4, $4) "
	    "ON CONFLICT DO NOTHING RETURNING id";
	char now[ISO_TIME_SIZE];

	time_iso_from_ms(time_now_ms(), now);
	struct db_param p[] = {DB_TEXT(email), DB_TEXT(hash), DB_INT(1),
	    DB_TEXT(now)};

	return query_id(c, sql, p, ARRAY_LEN(p), id);
}

int
admins_set_password(struct db_conn *c, const char *email, const char *hash)
{
	static const char *const update =
	    "UPDATE users SET password = $1, updated_at = $2 WHERE email IS "
	    "NOT NULL AND lower(email) = lower($3) RETURNING id";
	static const char *const end_sessions =
	    "DELETE FROM admin_sessions WHERE user_id = $1";
	char    now[ISO_TIME_SIZE];
	int64_t id = 0;
	int     rc;

	time_iso_from_ms(time_now_ms(), now);
	struct db_param p[] = {DB_TEXT(hash), DB_TEXT(now), DB_TEXT(email)};

	if (db_begin(c) == -1)
		return -1;
	if ((rc = query_id(c, update, p, ARRAY_LEN(p), &id)) == 1) {
		struct db_param s[] = {DB_INT(id)};

		if (db_exec(c, end_sessions, s, ARRAY_LEN(s), NULL) == -1)
			rc = -1;
	}
	if (rc == -1 || db_commit(c) == -1) {
		(void)!db_rollback(c);
		return -1;
	}
	return rc;
}
