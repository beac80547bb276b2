/*
 * The SQLite backend. One sqlite3 handle per pooled connection, opened
 * without SQLite's own mutexes because the pool hands a connection to one
 * thread at a time. WAL journal (readers never block the writer), a busy
 * timeout instead of SQLITE_BUSY errors, foreign keys on, synchronous=FULL
 * so a committed transaction is on disk before we answer. Prepared
 * statements are cached per connection, keyed by the SQL literal's address.
 */
#include <limits.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "db/backend.h"

#define STMT_CACHE_SIZE 64
#define BUSY_TIMEOUT_MS 5000
#define MAPPED_PARAMS   64
/* SQLite's own default for wal_autocheckpoint: about 4 MiB of WAL. */
#define CHECKPOINT_PAGES 1000

/*
 * A prepared statement and where its parameters are: SQLite numbers
 * "$1".."$n" in the order they first appear in the text, so "$2" may be
 * its first. Found once at prepare time, in place of a snprintf and a
 * search by name for each parameter of each call (13 for a new user).
 */
struct cached_stmt {
	const char   *sql;
	sqlite3_stmt *stmt;
	unsigned char slot[MAPPED_PARAMS]; /* "$i+1" at slot[i]; 0: unused */
};

struct sqlite_conn {
	struct db_conn     base;
	sqlite3           *h;
	char               err[256];
	int                last_rc;
	bool               checkpoint_due;
	size_t             ncached;
	struct cached_stmt cache[STMT_CACHE_SIZE];
};

struct sqlite_rows {
	struct db_rows      base;
	struct sqlite_conn *c;
	sqlite3_stmt       *stmt;
	bool                cached;
};

static struct sqlite_conn *
sq(struct db_conn *c)
{
	return (struct sqlite_conn *)c;
}

/*
 * Keeps the reason with its extended result code ("database or disk is
 * full (sqlite code 13)", "disk I/O error (sqlite code 778)"): the text
 * alone does not tell a short write from a failed fsync.
 */
static void
set_error(struct sqlite_conn *c, int rc)
{
	int code = sqlite3_extended_errcode(c->h);

	c->last_rc = rc;
	/* The handle's own error is gone once another call succeeded (a
	 * reset): then the code's generic text. */
	if (code == SQLITE_OK)
		(void)snprintf(c->err, sizeof(c->err),
		    "%.200s (sqlite code %d)", sqlite3_errstr(rc), rc);
	else
		(void)snprintf(c->err, sizeof(c->err),
		    "%.200s (sqlite code %d)", sqlite3_errmsg(c->h), code);
}

/* ASCII lowercase, as LIKE folds case (no locale, no call per byte). */
static unsigned char
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* The literal of a '%literal%' LIKE pattern (ESCAPE '\'), lowercased
 * (ASCII) into out; its length, or -1 for any other pattern. */
static ssize_t
contains_literal(const unsigned char *p, size_t len, unsigned char *out,
    size_t cap)
{
	size_t i, n = 0;

	if (len < 2 || p[0] != '%' || p[len - 1] != '%')
		return -1;
	for (i = 1; i + 1 < len; i++) {
		unsigned char c = p[i];

		if (c == '%' || c == '_')
			return -1;
		if (c == '\\' && ++i + 1 >= len)
			return -1;
		if (n == cap)
			return -1;
		out[n++] = ascii_lower(p[i]);
	}
	return (ssize_t)n;
}

/* Whether v holds lit (lowercase), ignoring ASCII case, as LIKE does. */
static bool
holds(const unsigned char *v, size_t n, const unsigned char *lit, size_t m)
{
	size_t i, j;

	if (m == 0)
		return true;
	for (i = 0; i + m <= n; i++) {
		if (ascii_lower(v[i]) != lit[0])
			continue;
		for (j = 1; j < m && ascii_lower(v[i + j]) == lit[j]; j++)
			;
		if (j == m)
			return true;
	}
	return false;
}

/*
 * contains_any(pattern, v1, v2, ...): pattern is a '%literal%' LIKE
 * pattern with ESCAPE '\' (as the admin's searches make them); true when
 * some non-NULL v holds the literal, ignoring ASCII case: what
 * "v1 LIKE pattern ESCAPE '\' OR v2 LIKE ..." means, in one call that
 * reads the pattern once. The admin's search over 100,000 users spends
 * most of its time there. NULL when pattern is NULL.
 */
static void
contains_any(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	unsigned char        lit[512];
	const unsigned char *p;
	ssize_t              m;
	int                  i;

	if (argc < 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL)
		return; /* NULL */
	p = sqlite3_value_text(argv[0]);
	m = contains_literal(p, (size_t)sqlite3_value_bytes(argv[0]), lit,
	    sizeof(lit));
	if (m < 0) {
		sqlite3_result_error(ctx,
		    "contains_any: the pattern must be '%literal%'", -1);
		return;
	}
	for (i = 1; i < argc; i++) {
		const unsigned char *v;

		if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
			continue;
		v = sqlite3_value_text(argv[i]);
		if (v != NULL &&
		    holds(v, (size_t)sqlite3_value_bytes(argv[i]), lit,
		        (size_t)m)) {
			sqlite3_result_int(ctx, 1);
			return;
		}
	}
	sqlite3_result_int(ctx, 0);
}

static const char *const setup_sql = "PRAGMA journal_mode=WAL;"
                                     "PRAGMA synchronous=FULL;"
                                     "PRAGMA foreign_keys=ON;";

/*
 * While a connection defers its checkpoints (db_checkpoint_defer), this
 * hook stands in for SQLite's automatic checkpoint: it notes that the WAL
 * passed the threshold instead of copying it back inside the commit.
 */
static int
note_wal_commit(void *arg, sqlite3 *h, const char *name, int pages)
{
	struct sqlite_conn *c = arg;

	(void)h;
	(void)name;
	if (pages >= CHECKPOINT_PAGES)
		c->checkpoint_due = true;
	return SQLITE_OK;
}

static struct db_conn *
sqlite_connect(const struct db_url *url, char *err, size_t errlen)
{
	struct sqlite_conn *c = xcalloc(1, sizeof(*c));
	int                 rc;

	c->base.ops = &db_sqlite_backend;
	rc = sqlite3_open_v2(url->path, &c->h,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		(void)snprintf(err, errlen, "cannot open %s: %s", url->path,
		    c->h != NULL ? sqlite3_errmsg(c->h) : "out of memory");
		goto fail;
	}
	(void)sqlite3_extended_result_codes(c->h, 1);
	(void)sqlite3_busy_timeout(c->h, BUSY_TIMEOUT_MS);
	if (sqlite3_exec(c->h, setup_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(c->h, "contains_any", -1,
	        SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
	        contains_any, NULL, NULL) != SQLITE_OK) {
		(void)snprintf(err, errlen, "cannot use %s: %s", url->path,
		    sqlite3_errmsg(c->h));
		goto fail;
	}
	return &c->base;
fail:
	sqlite3_close(c->h);
	free(c);
	return NULL;
}

static void
sqlite_disconnect(struct db_conn *base)
{
	struct sqlite_conn *c = sq(base);
	size_t              i;

	if (c == NULL)
		return;
	for (i = 0; i < c->ncached; i++)
		sqlite3_finalize(c->cache[i].stmt);
	sqlite3_close(c->h);
	free(c);
}

static bool
sqlite_is_broken(struct db_conn *c)
{
	(void)c;
	return false;
}

static int
sqlite_reconnect(struct db_conn *c)
{
	(void)c;
	return 0;
}

static bool
sqlite_in_transaction(struct db_conn *c)
{
	return sqlite3_get_autocommit(sq(c)->h) == 0;
}

static int
sqlite_exec_script(struct db_conn *base, const char *sql)
{
	struct sqlite_conn *c = sq(base);
	int                 rc = sqlite3_exec(c->h, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
		set_error(c, rc);
		return -1;
	}
	return 0;
}

/* Fills slot from the statement's parameter names ("$1", "$2", ...). */
static void
map_params(sqlite3_stmt *stmt, unsigned char *slot)
{
	int k, n = sqlite3_bind_parameter_count(stmt);

	memset(slot, 0, MAPPED_PARAMS);
	for (k = 1; k <= n && k <= UCHAR_MAX; k++) {
		const char *name = sqlite3_bind_parameter_name(stmt, k);
		char       *end;
		long        i;

		if (name == NULL || name[0] != '$')
			continue;
		i = strtol(name + 1, &end, 10);
		if (*end == '\0' && i >= 1 && i <= MAPPED_PARAMS)
			slot[i - 1] = (unsigned char)k;
	}
}

/*
 * A prepared statement for sql, from the cache when possible; *slot its
 * parameters' places when cached, else NULL (bind_params searches).
 */
static sqlite3_stmt *
prepare(struct sqlite_conn *c, const char *sql, bool *cached,
    const unsigned char **slot)
{
	sqlite3_stmt *stmt = NULL;
	size_t        i;
	int           rc;

	*slot = NULL;
	for (i = 0; i < c->ncached; i++) {
		if (c->cache[i].sql == sql) {
			*cached = true;
			*slot = c->cache[i].slot;
			return c->cache[i].stmt;
		}
	}
	rc = sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt,
	    NULL);
	if (rc != SQLITE_OK) {
		set_error(c, rc);
		return NULL;
	}
	*cached = c->ncached < STMT_CACHE_SIZE;
	if (*cached) {
		c->cache[c->ncached].sql = sql;
		c->cache[c->ncached].stmt = stmt;
		map_params(stmt, c->cache[c->ncached].slot);
		*slot = c->cache[c->ncached].slot;
		c->ncached++;
	}
	return stmt;
}

static void
done_with(sqlite3_stmt *stmt, bool cached)
{
	if (cached) {
		(void)sqlite3_reset(stmt);
		(void)sqlite3_clear_bindings(stmt);
	} else {
		sqlite3_finalize(stmt);
	}
}

/* The index of "$i+1" in stmt, 0 when it does not use it. */
static int
param_index(sqlite3_stmt *stmt, const unsigned char *slot, size_t i)
{
	char name[24];

	if (slot != NULL && i < MAPPED_PARAMS)
		return slot[i];
	(void)snprintf(name, sizeof(name), "$%zu", i + 1);
	return sqlite3_bind_parameter_index(stmt, name);
}

static int
bind_params(struct sqlite_conn *c, sqlite3_stmt *stmt,
    const unsigned char *slot, const struct db_param *params, size_t n)
{
	size_t i;

	/* PostgreSQL refuses a parameter the statement does not use: be as
	 * strict here so the SQLite tests catch it too. */
	if ((size_t)sqlite3_bind_parameter_count(stmt) != n) {
		(void)snprintf(c->err, sizeof(c->err),
		    "statement takes %d parameters, %zu given",
		    sqlite3_bind_parameter_count(stmt), n);
		c->last_rc = SQLITE_RANGE;
		return -1;
	}
	for (i = 0; i < n; i++) {
		int idx = param_index(stmt, slot, i), rc;

		if (idx == 0)
			continue; /* this statement does not use $i */
		switch (params[i].type) {
		case DB_P_INT:
			rc = sqlite3_bind_int64(stmt, idx, params[i].i);
			break;
		case DB_P_TEXT:
			rc = sqlite3_bind_text64(stmt, idx, params[i].s,
			    params[i].len, SQLITE_STATIC, SQLITE_UTF8);
			break;
		default:
			rc = sqlite3_bind_null(stmt, idx);
			break;
		}
		if (rc != SQLITE_OK) {
			set_error(c, rc);
			return -1;
		}
	}
	return 0;
}

static int
sqlite_exec(struct db_conn *base, const char *sql,
    const struct db_param *params, size_t n, int64_t *changes)
{
	struct sqlite_conn  *c = sq(base);
	sqlite3_stmt        *stmt;
	const unsigned char *slot;
	bool                 cached = false;
	int                  rc;

	if ((stmt = prepare(c, sql, &cached, &slot)) == NULL)
		return -1;
	if (bind_params(c, stmt, slot, params, n) == -1) {
		done_with(stmt, cached);
		return -1;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		set_error(c, rc);
		done_with(stmt, cached);
		return -1;
	}
	if (changes != NULL)
		*changes = sqlite3_changes64(c->h);
	done_with(stmt, cached);
	return 0;
}

static struct db_rows *
sqlite_query(struct db_conn *base, const char *sql,
    const struct db_param *params, size_t n)
{
	struct sqlite_conn  *c = sq(base);
	struct sqlite_rows  *r;
	sqlite3_stmt        *stmt;
	const unsigned char *slot;
	bool                 cached = false;

	if ((stmt = prepare(c, sql, &cached, &slot)) == NULL)
		return NULL;
	if (bind_params(c, stmt, slot, params, n) == -1) {
		done_with(stmt, cached);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->base.ops = &db_sqlite_backend;
	r->c = c;
	r->stmt = stmt;
	r->cached = cached;
	return &r->base;
}

static int
sqlite_rows_next(struct db_rows *base)
{
	struct sqlite_rows *r = (struct sqlite_rows *)base;
	int                 rc = sqlite3_step(r->stmt);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	set_error(r->c, rc);
	return -1;
}

static bool
sqlite_col_is_null(struct db_rows *base, int col)
{
	struct sqlite_rows *r = (struct sqlite_rows *)base;

	return sqlite3_column_type(r->stmt, col) == SQLITE_NULL;
}

static const char *
sqlite_col_text(struct db_rows *base, int col, size_t *len)
{
	struct sqlite_rows  *r = (struct sqlite_rows *)base;
	const unsigned char *t = sqlite3_column_text(r->stmt, col);

	if (len != NULL)
		*len =
		    t != NULL ? (size_t)sqlite3_column_bytes(r->stmt, col) : 0;
	return t != NULL ? (const char *)t : "";
}

static int64_t
sqlite_col_int(struct db_rows *base, int col)
{
	return sqlite3_column_int64(((struct sqlite_rows *)base)->stmt, col);
}

static void
sqlite_rows_free(struct db_rows *base)
{
	struct sqlite_rows *r = (struct sqlite_rows *)base;

	if (r == NULL)
		return;
	done_with(r->stmt, r->cached);
	free(r);
}

static const char *
sqlite_errmsg(struct db_conn *c)
{
	return sq(c)->err;
}

static bool
sqlite_is_unique_violation(struct db_conn *c)
{
	int rc = sq(c)->last_rc;

	return rc == SQLITE_CONSTRAINT_UNIQUE ||
	    rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

/* SQLite's own automatic checkpoint again when defer is false. */
static void
sqlite_checkpoint_defer(struct db_conn *base, bool defer)
{
	struct sqlite_conn *c = sq(base);

	if (defer)
		(void)sqlite3_wal_hook(c->h, note_wal_commit, c);
	else
		(void)sqlite3_wal_autocheckpoint(c->h, CHECKPOINT_PAGES);
}

static bool
sqlite_checkpoint_due(struct db_conn *base)
{
	struct sqlite_conn *c = sq(base);
	bool                due = c->checkpoint_due;

	c->checkpoint_due = false;
	return due;
}

/* SQLITE_BUSY: another connection is checkpointing; it does the work. */
static int
sqlite_checkpoint(struct db_conn *base)
{
	struct sqlite_conn *c = sq(base);
	int                 rc = sqlite3_wal_checkpoint_v2(c->h, NULL,
	                    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);

	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		set_error(c, rc);
		return -1;
	}
	return 0;
}

const struct db_backend db_sqlite_backend = {
    .name = "sqlite",
    .connect = sqlite_connect,
    .disconnect = sqlite_disconnect,
    .is_broken = sqlite_is_broken,
    .reconnect = sqlite_reconnect,
    .in_transaction = sqlite_in_transaction,
    .exec_script = sqlite_exec_script,
    .exec = sqlite_exec,
    .query = sqlite_query,
    .rows_next = sqlite_rows_next,
    .col_is_null = sqlite_col_is_null,
    .col_text = sqlite_col_text,
    .col_int = sqlite_col_int,
    .rows_free = sqlite_rows_free,
    .errmsg = sqlite_errmsg,
    .is_unique_violation = sqlite_is_unique_violation,
    .checkpoint_defer = sqlite_checkpoint_defer,
    .checkpoint_due = sqlite_checkpoint_due,
    .checkpoint = sqlite_checkpoint,
    .begin_sql = "BEGIN IMMEDIATE",
};
