/*
 * Every write to the users table: local accounts (the admin, "mysaas
 * createsuperuser") and the mirror of Clerk's users (accounts/clerk_sync.c)
 * go through these named operations, one statement each, on the caller's
 * connection and inside the caller's transaction when there is one.
 * Timestamps are ISO-8601 text, booleans travel as integers (PostgreSQL
 * reads 1 and 0 as true and false). Each returns 0, or -1 on a database
 * error (db_errmsg(c) has the detail; a uniqueness violation of an update
 * can be told by db_is_unique_violation(c)), unless it says otherwise.
 */
#ifndef ACCOUNTS_USERS_H
#define ACCOUNTS_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

/* The columns of a user that a write sets; NULL strings store NULL. */
struct user_values {
	const char *clerk_id; /* NULL: a local account */
	const char *email;
	const char *first_name;
	const char *last_name;
	const char *username;
	const char *image_url;
	const char *password; /* an argon2id hash; "" for none */
	bool        is_active;
	bool        is_staff;
	bool        is_superuser;
	int64_t     clerk_updated_at; /* ms, or DB_NO_INT */
	const char *date_joined;
	const char *now; /* created_at and updated_at */
};

/*
 * Inserts u: 1 with *id set, 0 when a user already has its clerk_id or its
 * email (in any case), -1 on error.
 */
int user_add(struct db_conn *c, const struct user_values *u,
    int64_t *id) MUST_CHECK;
/*
 * The admin's change form: sets email, the names, username, image_url and
 * the three flags of user id, and updated_at to u->now.
 */
int user_update(struct db_conn *c, int64_t id,
    const struct user_values *u) MUST_CHECK;
/*
 * Clerk's user u onto row id, unless the row is newer (a greater
 * clerk_updated_at) or already holds exactly this; *changed gets the rows
 * written (0 or 1).
 */
int user_mirror_update(struct db_conn *c, int64_t id,
    const struct user_values *u, int64_t *changed) MUST_CHECK;
/*
 * Clears email (any case) from every user but keep_id (0: none) and the
 * user of clerk_id, so that it can move to another user.
 */
int user_clear_email(struct db_conn *c, const char *email, int64_t keep_id,
    const char *clerk_id, const char *now) MUST_CHECK;
/* Sets last_login of user id. */
int user_set_last_login(struct db_conn *c, int64_t id,
    const char *now) MUST_CHECK;
/* Moves last_login of user id forward to at (a sign-in Clerk reported);
 * an earlier time leaves it. */
int user_note_login(struct db_conn *c, int64_t id, const char *at) MUST_CHECK;
/* Replaces the password of user id by hash if it is still old_hash. */
int user_rehash(struct db_conn *c, int64_t id, const char *hash,
    const char *old_hash) MUST_CHECK;
/*
 * Sets the password of the user whose email is email (any case): 1 with
 * *id set, 0 when there is none, -1 on error.
 */
int user_set_password(struct db_conn *c, const char *email, const char *hash,
    const char *now, int64_t *id) MUST_CHECK;
/* Deletes user id (its memberships and admin sessions go with it). */
int user_delete(struct db_conn *c, int64_t id) MUST_CHECK;
/* Deletes the user mirrored for clerk_id, if any. */
int user_delete_by_clerk(struct db_conn *c, const char *clerk_id) MUST_CHECK;

#endif
