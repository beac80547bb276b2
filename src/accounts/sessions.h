/*
 * The sessions table (DESIGN section 11.3): every write to it, the feed of
 * refused sessions that each instance polls, and the list of a user's
 * sessions. One statement each, on the caller's connection, inside the
 * caller's transaction when there is one. updated_at is always the
 * database's clock (PostgreSQL now(), the start of the transaction;
 * SQLite's clock), so that every instance reading the feed compares it
 * with one clock. Each returns 0, or -1 on a database error (db_errmsg(c)
 * has the detail), unless it says otherwise.
 */
#ifndef ACCOUNTS_SESSIONS_H
#define ACCOUNTS_SESSIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

/* The columns of a session that the mirror writes; NULL stores NULL. */
struct session_values {
	const char *clerk_id; /* "sess_..." */
	int64_t     user_id;  /* local users.id */
	const char *status;
	const char *client_id;
	const char *last_active_organization_id;
	const char *actor;          /* the text of a JSON object */
	int64_t     last_active_at; /* ms, or DB_NO_INT (also below) */
	int64_t     expire_at;
	int64_t     abandon_at;
	int64_t     clerk_updated_at;
};

/*
 * Inserts v, or writes it over the row with its clerk_id unless that row
 * is newer (a greater clerk_updated_at) or already holds exactly this;
 * *changed gets the rows written (0 or 1).
 */
int session_mirror_upsert(struct db_conn *c, const struct session_values *v,
    int64_t *changed) MUST_CHECK;
/* The clerk_updated_at stored for clerk_id: 1 with *out (DB_NO_INT when
 * NULL), 0 when there is no such session, -1 on a database error. */
int session_clerk_updated_at(struct db_conn *c, const char *clerk_id,
    int64_t *out) MUST_CHECK;

/* True for the types of the events that end a session's tokens:
 * session.ended, session.removed, session.revoked. */
bool session_event_ends(const char *type) MUST_CHECK;

/* A refused session the feed found, and when it changed (database ms). */
typedef void (
    *session_refused_fn)(void *arg, const char *clerk_id, int64_t changed_ms);

/*
 * The feed of refused sessions: every session whose status is neither
 * active nor pending and whose row changed at or after since_ms (the
 * database's clock), to fn, one call each; *now_ms gets the database's
 * clock at the read. Reads sessions_status_changed_idx.
 */
int session_refused_since(struct db_conn *c, int64_t since_ms, int64_t *now_ms,
    session_refused_fn fn, void *arg) MUST_CHECK;

/*
 * GET /api/v1/users/me/sessions: {"data": [{clerk_id, status,
 * last_active_at, expire_at, current}], "total_count"} of user_id, the
 * most recently active first; current marks current_sid. 1 with *out
 * (the caller's), -1 on a database error.
 */
int session_list_of_user(struct db_conn *c, int64_t user_id,
    const char *current_sid, int64_t limit, int64_t offset,
    json_t **out) MUST_CHECK;

#endif
