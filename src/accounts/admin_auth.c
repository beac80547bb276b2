/*
 * admin_sessions and admin_login_failures (see admin_auth.h): bound
 * parameters only, one text for both backends.
 */
#include "accounts/admin_auth.h"

#include <string.h>

int
admin_auth_session_add(struct db_conn *c, const struct admin_auth_session *s)
{
	static const char *const sql =
	    "INSERT INTO admin_sessions (token_hash, user_id, csrf_token, "
	    "created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
	struct db_param p[] = {DB_TEXT(s->token_hash), DB_INT(s->user_id),
	    DB_TEXT(s->csrf_token), DB_TEXT(s->created_at),
	    DB_TEXT(s->expires_at)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
admin_auth_session_drop(struct db_conn *c, const char *token_hash)
{
	return db_exec_one(c,
	    "DELETE FROM admin_sessions WHERE token_hash = $1",
	    DB_TEXT(token_hash), NULL);
}

int
admin_auth_sessions_purge(struct db_conn *c, const char *now)
{
	return db_exec_one(c,
	    "DELETE FROM admin_sessions WHERE expires_at <= $1", DB_TEXT(now),
	    NULL);
}

int
admin_auth_sessions_drop_user(struct db_conn *c, int64_t user_id)
{
	return db_exec_one(c, "DELETE FROM admin_sessions WHERE user_id = $1",
	    DB_INT(user_id), NULL);
}

int
admin_auth_failure_add(struct db_conn *c, const char *email, const char *ip,
    const char *now)
{
	static const char *const sql =
	    "INSERT INTO admin_login_failures (email, ip, created_at) "
	    "VALUES (lower($1), $2, $3)";
	struct db_param p[] = {DB_TEXT(email), DB_TEXT(ip), DB_TEXT(now)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
admin_auth_failures_purge(struct db_conn *c, const char *since)
{
	return db_exec_one(c,
	    "DELETE FROM admin_login_failures WHERE created_at <= $1",
	    DB_TEXT(since), NULL);
}

int
admin_auth_failures_clear(struct db_conn *c, const char *email)
{
	return db_exec_one(c,
	    "DELETE FROM admin_login_failures WHERE email = lower($1)",
	    DB_TEXT(email), NULL);
}
