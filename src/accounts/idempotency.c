/*
 * idempotency_keys (see idempotency.h). One text per statement for both
 * backends: created_at is compared with and set to ISO-8601 text
 * ("2026-11-26T20:10:27.123Z", time_iso_from_ms), which SQLite compares
 * as text in the form its own default writes and PostgreSQL reads as a
 * timestamptz. The claim reads first, so that a repeat (the common case
 * once a key exists) writes nothing and takes no write lock; the INSERT
 * and the takeover are single statements whose WHERE decides, so two
 * instances racing for one key cannot both win.
 */
#include "accounts/idempotency.h"

#include <stdbool.h>
#include <string.h>

/* What the row of a key holds, read by find(). */
struct key_row {
	bool        same;      /* same method, path and body */
	bool        answered;  /* status is set */
	bool        claimable; /* expired, or an abandoned claim */
	int         status;
	const char *body;
	size_t      body_len;
};

/* The times a claim is compared with, as text. */
struct times {
	char now[ISO_TIME_SIZE];
	char expired[ISO_TIME_SIZE];   /* rows created before: absent */
	char abandoned[ISO_TIME_SIZE]; /* claims made before: abandoned */
};

static void
times_of(int64_t now_ms, struct times *t)
{
	time_iso_from_ms(now_ms, t->now);
	time_iso_from_ms(now_ms - IDEMPOTENCY_TTL_MS, t->expired);
	time_iso_from_ms(now_ms - IDEMPOTENCY_ABANDONED_MS, t->abandoned);
}

/*
 * The parameters every statement of a claim starts with: $1 key, $2
 * principal, $3 method, $4 path, $5 body hash; then extra (n of them).
 */
#define KEY_PARAMS 5

static void
key_params(const struct idempotency_request *q, struct db_param *p,
    const char *const *extra, size_t n)
{
	size_t i;

	p[0] = DB_TEXT(q->key);
	p[1] = DB_TEXT(q->principal);
	p[2] = DB_TEXT(q->method);
	p[3] = DB_TEXT(q->path);
	p[4] = DB_TEXT(q->body_hash);
	for (i = 0; i < n; i++)
		p[KEY_PARAMS + i] = DB_TEXT(extra[i]);
}

/* 1 with *row (body in a), 0 when the key has no row, -1 on error. */
static int
find(struct db_conn *c, const struct idempotency_request *q,
    const struct times *t, struct arena *a, struct key_row *row)
{
	static const char *const sql =
	    "SELECT method = $3 AND path = $4 AND request_hash = $5, "
	    "status, body, created_at < $6 OR "
	    "(status IS NULL AND created_at < $7) "
	    "FROM idempotency_keys WHERE key = $1 AND principal = $2";
	const char     *extra[] = {t->expired, t->abandoned};
	struct db_param p[KEY_PARAMS + 2];
	struct db_rows *r;
	const char     *body;
	int             rc;

	key_params(q, p, extra, ARRAY_LEN(extra));
	if ((r = db_query(c, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	if ((rc = db_rows_next(r)) == 1) {
		row->same = db_col_bool(r, 0);
		row->answered = !db_col_is_null(r, 1);
		row->status = row->answered ? (int)db_col_int(r, 1) : 0;
		body = db_col_text(r, 2, &row->body_len);
		row->body = arena_strndup(a, body, row->body_len);
		row->claimable = db_col_bool(r, 3);
	}
	db_rows_free(r);
	return rc;
}

/* 1 when q now holds the key it found absent, 0 when another did first. */
static int
insert(struct db_conn *c, const struct idempotency_request *q,
    const struct times *t)
{
	static const char *const sql =
	    "INSERT INTO idempotency_keys (key, principal, method, path, "
	    "request_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) "
	    "ON CONFLICT (key, principal) DO NOTHING";
	const char     *extra[] = {t->now};
	struct db_param p[KEY_PARAMS + 1];
	int64_t         n = 0;

	key_params(q, p, extra, ARRAY_LEN(extra));
	if (db_exec(c, sql, p, ARRAY_LEN(p), &n) == -1)
		return -1;
	return n > 0 ? 1 : 0;
}

/*
 * Takes over an expired row or an abandoned claim: 1 when q now holds it,
 * 0 when the row changed meanwhile (another request took it first).
 */
static int
take_over(struct db_conn *c, const struct idempotency_request *q,
    const struct times *t)
{
	static const char *const sql =
	    "UPDATE idempotency_keys SET method = $3, path = $4, "
	    "request_hash = $5, status = NULL, body = NULL, created_at = $6 "
	    "WHERE key = $1 AND principal = $2 AND (created_at < $7 OR "
	    "(status IS NULL AND created_at < $8))";
	const char     *extra[] = {t->now, t->expired, t->abandoned};
	struct db_param p[KEY_PARAMS + 3];
	int64_t         n = 0;

	key_params(q, p, extra, ARRAY_LEN(extra));
	if (db_exec(c, sql, p, ARRAY_LEN(p), &n) == -1)
		return -1;
	return n > 0 ? 1 : 0;
}

/* The outcome for a live row of another request or of this one. */
static void
decide(const struct key_row *row, struct idempotency_found *f)
{
	if (!row->same) {
		f->outcome = IDEMPOTENCY_MISMATCH;
	} else if (!row->answered) {
		f->outcome = IDEMPOTENCY_IN_PROGRESS;
	} else {
		f->outcome = IDEMPOTENCY_REPLAY;
		f->status = row->status;
		f->body = row->body;
		f->body_len = row->body_len;
	}
}

int
idempotency_claim(struct db_conn *c, const struct idempotency_request *q,
    struct arena *a, struct idempotency_found *f)
{
	struct key_row row;
	struct times   t;
	int            attempt, rc;

	memset(f, 0, sizeof(*f));
	times_of(q->now_ms, &t);
	memcpy(f->claimed_at, t.now, sizeof(f->claimed_at));
	/* Each lost race means another request changed the row: read it
	 * again. Three rounds settle any interleaving of two requests. */
	for (attempt = 0; attempt < 3; attempt++) {
		memset(&row, 0, sizeof(row));
		if ((rc = find(c, q, &t, a, &row)) == -1)
			return -1;
		if (rc == 1 && !row.claimable) {
			decide(&row, f);
			return 0;
		}
		rc = rc == 0 ? insert(c, q, &t) : take_over(c, q, &t);
		if (rc == -1)
			return -1;
		if (rc == 1) {
			f->outcome = IDEMPOTENCY_CLAIMED;
			return 0;
		}
	}
	f->outcome = IDEMPOTENCY_IN_PROGRESS;
	return 0;
}

int
idempotency_store(struct db_conn *c, const char *key, const char *principal,
    const char *claimed_at, int status, const char *body, size_t len)
{
	static const char *const sql =
	    "UPDATE idempotency_keys SET status = $4, body = $5 "
	    "WHERE key = $1 AND principal = $2 AND created_at = $3 "
	    "AND status IS NULL";
	struct db_param p[] = {DB_TEXT(key), DB_TEXT(principal),
	    DB_TEXT(claimed_at), DB_INT(status), DB_TEXTN(body, len)};
	int64_t         n = 0;

	if (db_exec(c, sql, p, ARRAY_LEN(p), &n) == -1)
		return -1;
	return n > 0 ? 1 : 0;
}

int
idempotency_release(struct db_conn *c, const char *key, const char *principal,
    const char *claimed_at)
{
	static const char *const sql =
	    "DELETE FROM idempotency_keys WHERE key = $1 AND principal = $2 "
	    "AND created_at = $3 AND status IS NULL";
	struct db_param p[] = {DB_TEXT(key), DB_TEXT(principal),
	    DB_TEXT(claimed_at)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
idempotency_sweep(struct db_conn *c, int64_t now_ms, int64_t limit,
    int64_t *deleted)
{
	/* A batch at a time (the created_at index finds it), so that no
	 * statement holds the table for long. */
	static const char *const sql =
	    "DELETE FROM idempotency_keys WHERE (key, principal) IN "
	    "(SELECT key, principal FROM idempotency_keys "
	    "WHERE created_at < $1 LIMIT $2)";
	struct times    t;
	struct db_param p[2];

	times_of(now_ms, &t);
	p[0] = DB_TEXT(t.expired);
	p[1] = DB_INT(limit);
	*deleted = 0;
	return db_exec(c, sql, p, ARRAY_LEN(p), deleted);
}
