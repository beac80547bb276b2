/*
 * The users table's writes (see users.h). Bound parameters only, one text
 * for both backends. The unique index on lower(email) and the unique
 * clerk_id settle races between writers: an insert that would break one
 * inserts nothing (ON CONFLICT DO NOTHING) and says so.
 */
#include "accounts/users.h"

#include <string.h>

int
user_add(struct db_conn *c, const struct user_values *u, int64_t *id)
{
	static const char *const sql =
	    "INSERT INTO users (clerk_id, email, first_name, last_name, "
	    "username, image_url, password, is_active, is_staff, "
	    "is_superuser, clerk_updated_at, date_joined, created_at, "
	    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
	    "$11, $12, $13, $13) ON CONFLICT DO NOTHING RETURNING id";
	struct db_param p[] = {db_text_or_null(u->clerk_id),
	    db_text_or_null(u->email), db_text_or_null(u->first_name),
	    db_text_or_null(u->last_name), db_text_or_null(u->username),
	    db_text_or_null(u->image_url), DB_TEXT(u->password),
	    DB_INT(u->is_active), DB_INT(u->is_staff), DB_INT(u->is_superuser),
	    db_int_or_null(u->clerk_updated_at), DB_TEXT(u->date_joined),
	    DB_TEXT(u->now)};

	return db_query_int(c, sql, p, ARRAY_LEN(p), id, NULL);
}

int
user_update(struct db_conn *c, int64_t id, const struct user_values *u)
{
	static const char *const sql =
	    "UPDATE users SET email = $1, first_name = $2, last_name = $3, "
	    "username = $4, image_url = $5, is_active = $6, is_staff = $7, "
	    "is_superuser = $8, updated_at = $9 WHERE id = $10";
	struct db_param p[] = {db_text_or_null(u->email),
	    db_text_or_null(u->first_name), db_text_or_null(u->last_name),
	    db_text_or_null(u->username), db_text_or_null(u->image_url),
	    DB_INT(u->is_active), DB_INT(u->is_staff), DB_INT(u->is_superuser),
	    DB_TEXT(u->now), DB_INT(id)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
user_mirror_update(struct db_conn *c, int64_t id, const struct user_values *u,
    int64_t *changed)
{
	static const char *const sql =
	    "UPDATE users SET clerk_id = $2, email = $3, first_name = $4, "
	    "last_name = $5, username = $6, image_url = $7, "
	    "clerk_updated_at = $8, updated_at = $9 "
	    "WHERE id = $1 AND (clerk_updated_at IS NULL OR "
	    "clerk_updated_at < $8 OR (clerk_updated_at = $8 AND NOT ("
	    /* Null-safe equality in both dialects (IS NOT DISTINCT FROM
	     * needs SQLite 3.39): only an equal row is left alone. */
	    "COALESCE(clerk_id = $2, clerk_id IS NULL AND $2 IS NULL) AND "
	    "COALESCE(email = $3, email IS NULL AND $3 IS NULL) AND "
	    "COALESCE(first_name = $4, first_name IS NULL AND $4 IS NULL) AND "
	    "COALESCE(last_name = $5, last_name IS NULL AND $5 IS NULL) AND "
	    "COALESCE(username = $6, username IS NULL AND $6 IS NULL) AND "
	    "COALESCE(image_url = $7, image_url IS NULL AND $7 IS NULL))))";
	struct db_param p[] = {DB_INT(id), DB_TEXT(u->clerk_id),
	    db_text_or_null(u->email), db_text_or_null(u->first_name),
	    db_text_or_null(u->last_name), db_text_or_null(u->username),
	    db_text_or_null(u->image_url), db_int_or_null(u->clerk_updated_at),
	    DB_TEXT(u->now)};

	return db_exec(c, sql, p, ARRAY_LEN(p), changed);
}

int
user_clear_email(struct db_conn *c, const char *email, int64_t keep_id,
    const char *clerk_id, const char *now)
{
	static const char *const sql =
	    "UPDATE users SET email = NULL, updated_at = $3 "
	    "WHERE email IS NOT NULL AND lower(email) = lower($1) AND "
	    "id <> $2 AND (clerk_id IS NULL OR clerk_id <> $4)";
	struct db_param p[] = {DB_TEXT(email), DB_INT(keep_id), DB_TEXT(now),
	    DB_TEXT(clerk_id)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
user_set_last_login(struct db_conn *c, int64_t id, const char *now)
{
	static const char *const sql =
	    "UPDATE users SET last_login = $1 WHERE id = $2";
	struct db_param p[] = {DB_TEXT(now), DB_INT(id)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
user_note_login(struct db_conn *c, int64_t id, const char *at)
{
	static const char *const sql =
	    "UPDATE users SET last_login = $1 WHERE id = $2 AND "
	    "(last_login IS NULL OR last_login < $1)";
	struct db_param p[] = {DB_TEXT(at), DB_INT(id)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
user_rehash(struct db_conn *c, int64_t id, const char *hash,
    const char *old_hash)
{
	static const char *const sql =
	    "UPDATE users SET password = $1 WHERE id = $2 AND password = $3";
	struct db_param p[] = {DB_TEXT(hash), DB_INT(id), DB_TEXT(old_hash)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
user_set_password(struct db_conn *c, const char *email, const char *hash,
    const char *now, int64_t *id)
{
	static const char *const sql =
	    "UPDATE users SET password = $1, updated_at = $2 WHERE email IS "
	    "NOT NULL AND lower(email) = lower($3) RETURNING id";
	struct db_param p[] = {DB_TEXT(hash), DB_TEXT(now), DB_TEXT(email)};

	return db_query_int(c, sql, p, ARRAY_LEN(p), id, NULL);
}

int
user_delete(struct db_conn *c, int64_t id)
{
	return db_exec_one(c, "DELETE FROM users WHERE id = $1", DB_INT(id),
	    NULL);
}

int
user_delete_by_clerk(struct db_conn *c, const char *clerk_id)
{
	return db_exec_one(c, "DELETE FROM users WHERE clerk_id = $1",
	    DB_TEXT(clerk_id), NULL);
}
