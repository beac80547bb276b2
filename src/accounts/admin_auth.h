/*
 * The admin's sign-in state in the database: sessions (admin_sessions,
 * keyed by the SHA-256 of the session token) and failed logins
 * (admin_login_failures, the throttle's counts). The writes only: the
 * admin (src/admin/session.c) reads and decides. Times are ISO-8601 text.
 * Each returns 0, or -1 on a database error (db_errmsg(c) has the detail).
 */
#ifndef ACCOUNTS_ADMIN_AUTH_H
#define ACCOUNTS_ADMIN_AUTH_H

#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

struct admin_auth_session {
	const char *token_hash; /* hex SHA-256 of the token */
	int64_t     user_id;
	const char *csrf_token;
	const char *created_at;
	const char *expires_at;
};

/* Inserts session s. */
int admin_auth_session_add(struct db_conn *c,
    const struct admin_auth_session       *s) MUST_CHECK;
/* Deletes the session whose token hashes to token_hash, if any. */
int admin_auth_session_drop(struct db_conn *c,
    const char                             *token_hash) MUST_CHECK;
/* Deletes the sessions expired at now. */
int admin_auth_sessions_purge(struct db_conn *c, const char *now) MUST_CHECK;
/* Deletes every session of user_id (its password changed). */
int admin_auth_sessions_drop_user(struct db_conn *c,
    int64_t                                       user_id) MUST_CHECK;

/* Records a failed login for email (lowercased) from ip. */
int admin_auth_failure_add(struct db_conn *c, const char *email, const char *ip,
    const char *now) MUST_CHECK;
/* Forgets the failures at or before since. */
int admin_auth_failures_purge(struct db_conn *c, const char *since) MUST_CHECK;
/* Forgets the failures of email (any case). */
int admin_auth_failures_clear(struct db_conn *c, const char *email) MUST_CHECK;

#endif
