/*
 * The database layer: one interface over two backends (SQLite, PostgreSQL).
 * A struct db is a pool of connections shared by all threads; a
 * struct db_conn is used by one thread between db_acquire() and
 * db_release(). SQL is always a literal with $1..$N placeholders (both
 * backends understand them); values travel only as bound parameters.
 * Handlers never see sqlite3_stmt or PGresult: those stay in src/db/.
 */
#ifndef DB_DB_H
#define DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "db/url.h"

struct db;
struct db_conn;
struct db_rows;

enum db_param_type {
	DB_P_NULL = 0,
	DB_P_INT,
	DB_P_TEXT,
};

struct db_param {
	enum db_param_type type;
	int64_t            i;
	const char        *s;
	size_t             len;
};

#define DB_NULLP  ((struct db_param){.type = DB_P_NULL})
#define DB_INT(v) ((struct db_param){.type = DB_P_INT, .i = (v)})
#define DB_TEXTN(p, n) \
	((struct db_param){.type = DB_P_TEXT, .s = (p), .len = (n)})
#define DB_TEXT(p) DB_TEXTN((p), strlen(p))

/* An integer that is not known: db_int_or_null() binds it as NULL. */
#define DB_NO_INT INT64_MIN

/*
 * SQL text: a equals b, NULLs equal to each other, in both dialects (IS
 * NOT DISTINCT FROM needs SQLite 3.39). a and b are string literals.
 */
#define DB_SAME(a, b) "COALESCE(" a " = " b ", " a " IS NULL AND " b " IS NULL)"

/* s as text, or NULL when s is NULL. */
static inline struct db_param
db_text_or_null(const char *s)
{
	return s != NULL ? DB_TEXT(s) : DB_NULLP;
}

/* v as an integer, or NULL when v is DB_NO_INT. */
static inline struct db_param
db_int_or_null(int64_t v)
{
	return v != DB_NO_INT ? DB_INT(v) : DB_NULLP;
}

/*
 * Opens a pool of up to pool_size connections. SQLite opens (and creates)
 * the file now, so a bad path fails here; PostgreSQL connects lazily, so
 * the server may be down at start. NULL with a reason in err.
 */
struct db *db_open(const struct db_url *url, int pool_size, char *err,
    size_t errlen) MUST_CHECK;
/* Closes every connection. All connections must have been released. */
void         db_close(struct db *db);
enum db_kind db_kind(const struct db *db);

/*
 * A connection for the calling thread, or NULL when the database cannot be
 * reached or no connection frees up within a few seconds (answer 503).
 */
struct db_conn *db_acquire(struct db *db) MUST_CHECK;
/* Gives it back; a connection left inside a transaction is rolled back. */
void db_release(struct db *db, struct db_conn *c);

/* A round trip to the server; -1 when it does not answer. */
int db_ping(struct db_conn *c) MUST_CHECK;
/* Runs several statements with no parameters (migrations). */
int db_exec_script(struct db_conn *c, const char *sql) MUST_CHECK;
/* BEGIN (SQLite: IMMEDIATE, taking the write lock up front), COMMIT,
 * ROLLBACK. */
int db_begin(struct db_conn *c) MUST_CHECK;
int db_commit(struct db_conn *c) MUST_CHECK;
int db_rollback(struct db_conn *c) MUST_CHECK;
/*
 * SQLite copies its WAL back into the database (a checkpoint) inside the
 * commit that fills it past a threshold. While deferred on c, a commit
 * leaves that to the caller: db_checkpoint_due() says, once after such a
 * commit, that one is due, and db_checkpoint() runs it on any connection.
 * PostgreSQL: nothing is deferred, nothing is ever due.
 */
void db_checkpoint_defer(struct db_conn *c, bool defer);
bool db_checkpoint_due(struct db_conn *c) MUST_CHECK;
/* A checkpoint that waits for no reader or writer (SQLite PASSIVE). */
int db_checkpoint(struct db_conn *c) MUST_CHECK;

/*
 * Inside a transaction: takes a lock on each of keys (sorted ascending,
 * no duplicates), in that order, held until the transaction ends. Two
 * transactions that take their keys this way before their other writes
 * never deadlock over the rows those keys stand for: the second waits at
 * the first key they share. A no-op where one writer does all the writes
 * (SQLite). -1 on a database error.
 */
int db_lock_keys(struct db_conn *c, const int64_t *keys, size_t n) MUST_CHECK;
/* False where db_lock_keys() does nothing: no keys need collecting. */
bool db_locks_keys(const struct db_conn *c) MUST_CHECK;

/*
 * Runs a statement that returns no rows; *changes (may be NULL) gets the
 * number of rows changed.
 */
int db_exec(struct db_conn *c, const char *sql, const struct db_param *params,
    size_t nparams, int64_t *changes) MUST_CHECK;
/* db_exec of a statement with the one parameter p. */
int db_exec_one(struct db_conn *c, const char *sql, struct db_param p,
    int64_t *changes) MUST_CHECK;
/* Runs a query; NULL on error. Free the result with db_rows_free(). */
struct db_rows *db_query(struct db_conn *c, const char *sql,
    const struct db_param *params, size_t nparams) MUST_CHECK;
/*
 * db_query for a statement whose best plan depends on its parameters'
 * values (a LIKE pattern that keeps every row or none): PostgreSQL plans
 * it afresh for each call rather than settling on one generic plan for a
 * prepared statement. SQLite plans the same either way.
 */
struct db_rows *db_query_planned(struct db_conn *c, const char *sql,
    const struct db_param *params, size_t nparams) MUST_CHECK;

/*
 * A statement that cannot be one text for both backends (it calls a
 * function only one of them has): each backend's text. pg NULL: the
 * sqlite text serves both. The text is picked here, in src/db/, so
 * callers never ask which backend they run on.
 */
struct db_sql {
	const char *sqlite;
	const char *pg;
};

/* db_query with the text of c's backend. */
struct db_rows *db_query_sql(struct db_conn *c, const struct db_sql *sql,
    const struct db_param *params, size_t nparams) MUST_CHECK;
/* db_query_planned with the text of c's backend. */
struct db_rows *db_query_sql_planned(struct db_conn *c,
    const struct db_sql *sql, const struct db_param *params,
    size_t nparams) MUST_CHECK;
/*
 * Runs a query for one integer, the first column of its first row: 1 with
 * *out (and *is_null, when not NULL) set, 0 when there is no row, -1 on
 * error. It steps past any further row, so that a statement with
 * RETURNING (INSERT ... RETURNING id) has completed on every backend.
 */
int db_query_int(struct db_conn *c, const char *sql,
    const struct db_param *params, size_t nparams, int64_t *out,
    bool *is_null) MUST_CHECK;
/* Moves to the next row: 1 when there is one, 0 at the end, -1 on error. */
int     db_rows_next(struct db_rows *r) MUST_CHECK;
bool    db_col_is_null(struct db_rows *r, int col);
int64_t db_col_int(struct db_rows *r, int col);
bool    db_col_bool(struct db_rows *r, int col);
/* Borrowed until the next db_rows_next()/db_rows_free(); "" for NULL. */
const char *db_col_text(struct db_rows *r, int col, size_t *len);
void        db_rows_free(struct db_rows *r);

/* The last error on this connection (borrowed, never NULL). */
const char *db_errmsg(struct db_conn *c);
/* True when the last error was a uniqueness violation. */
bool db_is_unique_violation(struct db_conn *c);

#endif
