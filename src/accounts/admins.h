/*
 * Local admin accounts in the users table: creating a superuser and setting
 * a password, for "mysaas createsuperuser" and "mysaas changepassword".
 * Emails are matched case-insensitively (lower(email), as the unique index
 * users_email_key does). hash is a string from password_hash(); these
 * functions never see a plaintext password.
 * Each returns 1 done, 0 refused (see each), -1 on a database error
 * (db_errmsg(c) has the detail).
 */
#ifndef ACCOUNTS_ADMINS_H
#define ACCOUNTS_ADMINS_H

#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

/* The id of the user whose email is email (any case); 0 when none. */
int admins_user_id(struct db_conn *c, const char *email,
    int64_t *id) MUST_CHECK;
/*
 * Inserts an active staff superuser with no clerk_id; *id (may be NULL)
 * gets its id. 0 when a user already has that email in any case.
 */
int admins_create_superuser(struct db_conn *c, const char *email,
    const char *hash, int64_t *id) MUST_CHECK;
/*
 * Stores hash as the password of the user with that email and ends their
 * admin sessions (as Django's password change does), in one transaction.
 * 0 when no user has that email.
 */
int admins_set_password(struct db_conn *c, const char *email,
    const char *hash) MUST_CHECK;

#endif
