/*
 * Local admin accounts, through the users table's operations
 * (accounts/users.c) and the admin's sessions (accounts/admin_auth.c).
 * Booleans travel as integers, timestamps as ISO-8601 text. The unique
 * index on lower(email) settles races between two creators: the loser's
 * insert inserts nothing and is "refused".
 */
#include "accounts/admins.h"

#include <string.h>

#include "accounts/admin_auth.h"
#include "accounts/users.h"
#include "core/timeutil.h"

int
admins_user_id(struct db_conn *c, const char *email, int64_t *id)
{
	static const char *const sql = "SELECT id FROM users WHERE email IS "
	                               "NOT NULL AND lower(email) = lower($1)";
	struct db_param          p[] = {DB_TEXT(email)};

	return db_query_int(c, sql, p, ARRAY_LEN(p), id, NULL);
}

int
admins_create_superuser(struct db_conn *c, const char *email, const char *hash,
    int64_t *id)
{
	char               now[ISO_TIME_SIZE];
	struct user_values u = {.email = email,
	    .password = hash,
	    .is_active = true,
	    .is_staff = true,
	    .is_superuser = true,
	    .clerk_updated_at = DB_NO_INT,
	    .date_joined = now,
	    .now = now};
	int64_t            got = 0;
	int                rc;

	time_iso_from_ms(time_now_ms(), now);
	if ((rc = user_add(c, &u, &got)) == 1 && id != NULL)
		*id = got;
	return rc;
}

int
admins_set_password(struct db_conn *c, const char *email, const char *hash)
{
	char    now[ISO_TIME_SIZE];
	int64_t id = 0;
	int     rc;

	time_iso_from_ms(time_now_ms(), now);
	if (db_begin(c) == -1)
		return -1;
	if ((rc = user_set_password(c, email, hash, now, &id)) == 1 &&
	    admin_auth_sessions_drop_user(c, id) == -1)
		rc = -1;
	if (rc == -1 || db_commit(c) == -1) {
		(void)!db_rollback(c);
		return -1;
	}
	return rc;
}
