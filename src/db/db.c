/*
 * The connection pool and the backend-independent entry points. The pool
 * is a fixed array of slots guarded by one mutex and condition variable;
 * db_acquire() takes a free slot (waiting a bounded time), connecting it
 * lazily, and db_release() gives it back. A failed connect marks the
 * database down for a short while so that, while PostgreSQL is away,
 * requests get a quick 503 instead of each waiting on a connect.
 */
#include "db/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "db/backend.h"

#define ACQUIRE_WAIT_MS 5000
#define DOWN_BACKOFF_MS 500

struct slot {
	struct db_conn *conn; /* NULL until connected */
	bool            busy;
};

struct db {
	const struct db_backend *ops;
	struct db_url            url;
	pthread_mutex_t          mu;
	pthread_cond_t           freed;
	size_t                   nslots;
	struct slot             *slots;
	int64_t                  down_until_ms; /* under mu */
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
url_copy(struct db_url *dst, const struct db_url *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->kind = src->kind;
	dst->path = src->path != NULL ? xstrdup(src->path) : NULL;
	dst->conninfo = src->conninfo != NULL ? xstrdup(src->conninfo) : NULL;
	dst->display = src->display != NULL ? xstrdup(src->display) : NULL;
}

struct db *
db_open(const struct db_url *url, int pool_size, char *err, size_t errlen)
{
	struct db *db;

	if (pool_size < 1)
		pool_size = 1;
	db = xcalloc(1, sizeof(*db));
	db->ops = url->kind == DB_SQLITE ? &db_sqlite_backend : &db_pg_backend;
	url_copy(&db->url, url);
	pthread_mutex_init(&db->mu, NULL);
	pthread_cond_init(&db->freed, NULL);
	db->nslots = (size_t)pool_size;
	db->slots = xcalloc(db->nslots, sizeof(*db->slots));
	if (url->kind == DB_SQLITE) {
		/* Open one now so a bad path is reported at start. */
		db->slots[0].conn = db->ops->connect(&db->url, err, errlen);
		if (db->slots[0].conn == NULL) {
			db_close(db);
			return NULL;
		}
	}
	return db;
}

void
db_close(struct db *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nslots; i++) {
		if (db->slots[i].conn != NULL)
			db->ops->disconnect(db->slots[i].conn);
	}
	free(db->slots);
	pthread_cond_destroy(&db->freed);
	pthread_mutex_destroy(&db->mu);
	db_url_cleanup(&db->url);
	free(db);
}

enum db_kind
db_kind(const struct db *db)
{
	return db->url.kind;
}

/* The text of sql for c's backend. */
static const char *
sql_text(const struct db_conn *c, const struct db_sql *sql)
{
	if (c->ops == &db_pg_backend && sql->pg != NULL)
		return sql->pg;
	return sql->sqlite;
}

/* Takes a free slot, preferring one already connected; NULL on timeout. */
static struct slot *
take_slot(struct db *db)
{
	struct timespec deadline;
	struct slot    *pick = NULL;
	size_t          i;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ACQUIRE_WAIT_MS / 1000;
	pthread_mutex_lock(&db->mu);
	for (;;) {
		if (db->down_until_ms > mono_ms())
			break;
		for (i = 0; i < db->nslots; i++) {
			struct slot *s = &db->slots[i];

			if (s->busy)
				continue;
			if (pick == NULL || (pick->conn == NULL && s->conn))
				pick = s;
		}
		if (pick != NULL) {
			pick->busy = true;
			break;
		}
		if (pthread_cond_timedwait(&db->freed, &db->mu, &deadline) ==
		    ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&db->mu);
	return pick;
}

static void
give_back(struct db *db, struct slot *s, bool failed)
{
	pthread_mutex_lock(&db->mu);
	s->busy = false;
	if (failed)
		db->down_until_ms = mono_ms() + DOWN_BACKOFF_MS;
	pthread_cond_signal(&db->freed);
	pthread_mutex_unlock(&db->mu);
}

struct db_conn *
db_acquire(struct db *db)
{
	struct slot *s = take_slot(db);
	char         err[256];

	if (s == NULL)
		return NULL;
	if (s->conn == NULL) {
		s->conn = db->ops->connect(&db->url, err, sizeof(err));
		if (s->conn == NULL) {
			log_error("component=db msg=\"cannot connect\" "
			          "url=\"%s\" error=\"%s\"",
			    db->url.display, err);
			give_back(db, s, true);
			return NULL;
		}
	} else if (db->ops->is_broken(s->conn) &&
	    db->ops->reconnect(s->conn) == -1) {
		log_error("component=db msg=\"cannot reconnect\" url=\"%s\" "
		          "error=\"%s\"",
		    db->url.display, db->ops->errmsg(s->conn));
		give_back(db, s, true);
		return NULL;
	}
	return s->conn;
}

void
db_release(struct db *db, struct db_conn *c)
{
	size_t i;

	if (c == NULL)
		return;
	if (db->ops->in_transaction(c) && !db->ops->is_broken(c) &&
	    db->ops->exec_script(c, "ROLLBACK") == -1)
		log_error("component=db msg=\"rollback failed\" error=\"%s\"",
		    db->ops->errmsg(c));
	for (i = 0; i < db->nslots; i++) {
		if (db->slots[i].conn == c) {
			give_back(db, &db->slots[i], false);
			return;
		}
	}
}

int
db_ping(struct db_conn *c)
{
	struct db_rows *r = c->ops->query(c, "SELECT 1", NULL, 0);
	int             rc;

	if (r == NULL)
		return -1;
	rc = c->ops->rows_next(r);
	c->ops->rows_free(r);
	return rc == 1 ? 0 : -1;
}

int
db_exec_script(struct db_conn *c, const char *sql)
{
	return c->ops->exec_script(c, sql);
}

int
db_begin(struct db_conn *c)
{
	return c->ops->exec_script(c, c->ops->begin_sql);
}

int
db_commit(struct db_conn *c)
{
	return c->ops->exec_script(c, "COMMIT");
}

int
db_rollback(struct db_conn *c)
{
	return c->ops->exec_script(c, "ROLLBACK");
}

void
db_checkpoint_defer(struct db_conn *c, bool defer)
{
	if (c->ops->checkpoint_defer != NULL)
		c->ops->checkpoint_defer(c, defer);
}

int
db_lock_keys(struct db_conn *c, const int64_t *keys, size_t n)
{
	if (n == 0 || !db_locks_keys(c))
		return 0;
	return c->ops->lock_keys(c, keys, n);
}

bool
db_locks_keys(const struct db_conn *c)
{
	return c->ops->lock_keys != NULL;
}

bool
db_checkpoint_due(struct db_conn *c)
{
	return c->ops->checkpoint_due != NULL && c->ops->checkpoint_due(c);
}

int
db_checkpoint(struct db_conn *c)
{
	return c->ops->checkpoint != NULL ? c->ops->checkpoint(c) : 0;
}

int
db_exec(struct db_conn *c, const char *sql, const struct db_param *params,
    size_t nparams, int64_t *changes)
{
	return c->ops->exec(c, sql, params, nparams, changes);
}

int
db_exec_one(struct db_conn *c, const char *sql, struct db_param p,
    int64_t *changes)
{
	return c->ops->exec(c, sql, &p, 1, changes);
}

struct db_rows *
db_query(struct db_conn *c, const char *sql, const struct db_param *params,
    size_t nparams)
{
	return c->ops->query(c, sql, params, nparams);
}

int
db_query_int(struct db_conn *c, const char *sql, const struct db_param *params,
    size_t nparams, int64_t *out, bool *is_null)
{
	struct db_rows *r = db_query(c, sql, params, nparams);
	int             rc, more;

	if (r == NULL)
		return -1;
	if ((rc = db_rows_next(r)) == 1) {
		if (is_null != NULL)
			*is_null = db_col_is_null(r, 0);
		*out = db_col_int(r, 0);
	}
	while (rc == 1 && (more = db_rows_next(r)) != 0) {
		if (more == -1)
			rc = -1;
	}
	db_rows_free(r);
	return rc;
}

struct db_rows *
db_query_planned(struct db_conn *c, const char *sql,
    const struct db_param *params, size_t nparams)
{
	if (c->ops->query_planned == NULL)
		return c->ops->query(c, sql, params, nparams);
	return c->ops->query_planned(c, sql, params, nparams);
}

struct db_rows *
db_query_sql(struct db_conn *c, const struct db_sql *sql,
    const struct db_param *params, size_t nparams)
{
	return db_query(c, sql_text(c, sql), params, nparams);
}

struct db_rows *
db_query_sql_planned(struct db_conn *c, const struct db_sql *sql,
    const struct db_param *params, size_t nparams)
{
	return db_query_planned(c, sql_text(c, sql), params, nparams);
}

int
db_rows_next(struct db_rows *r)
{
	return r->ops->rows_next(r);
}

bool
db_col_is_null(struct db_rows *r, int col)
{
	return r->ops->col_is_null(r, col);
}

int64_t
db_col_int(struct db_rows *r, int col)
{
	return r->ops->col_int(r, col);
}

bool
db_col_bool(struct db_rows *r, int col)
{
	return r->ops->col_int(r, col) != 0;
}

const char *
db_col_text(struct db_rows *r, int col, size_t *len)
{
	return r->ops->col_text(r, col, len);
}

void
db_rows_free(struct db_rows *r)
{
	if (r != NULL)
		r->ops->rows_free(r);
}

const char *
db_errmsg(struct db_conn *c)
{
	return c->ops->errmsg(c);
}

bool
db_is_unique_violation(struct db_conn *c)
{
	return c->ops->is_unique_violation(c);
}
