/*
 * Migration runner. Runs at start-up or from "mysaas migrate", on one
 * connection. Concurrent runners are serialised: PostgreSQL by an advisory
 * lock, SQLite by BEGIN IMMEDIATE around each migration; a migration already
 * recorded when the lock is obtained is skipped.
 */
#include "db/migrate.h"

#include <stdbool.h>
#include <string.h>

#include "core/log.h"

/* An arbitrary constant naming our lock among a database's advisory locks. */
#define MIGRATE_LOCK_KEY "7261626173650001"

static const char *const create_sqlite =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL"
    "  DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))";

static const char *const create_postgres =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

static void
embedded(const struct db *db, const struct migration **list, size_t *n)
{
	if (db_kind(db) == DB_SQLITE) {
		*list = migrations_sqlite;
		*n = migrations_sqlite_count;
	} else {
		*list = migrations_postgres;
		*n = migrations_postgres_count;
	}
}

static int
fail(struct db_conn *c, const char *what, char *err, size_t errlen)
{
	(void)snprintf(err, errlen, "%s: %s", what, db_errmsg(c));
	return -1;
}

/* 1 when version is recorded, 0 when not, -1 on error. */
static int
is_applied(struct db_conn *c, int version)
{
	static const char *const sql =
	    "SELECT 1 FROM schema_migrations WHERE version = $1";
	struct db_param p[] = {DB_INT(version)};
	struct db_rows *r = db_query(c, sql, p, 1);
	int             rc;

	if (r == NULL)
		return -1;
	rc = db_rows_next(r);
	db_rows_free(r);
	return rc;
}

static int
apply_one(struct db_conn *c, const struct migration *m, bool *ran, char *err,
    size_t errlen)
{
	static const char *const record =
	    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)";
	struct db_param p[] = {DB_INT(m->version), DB_TEXT(m->name)};
	int             done;

	*ran = false;
	if (db_begin(c) == -1)
		return fail(c, "cannot start a transaction", err, errlen);
	if ((done = is_applied(c, m->version)) == -1)
		goto fail;
	if (done == 1)
		return db_commit(c) == -1 ? fail(c, "commit", err, errlen) : 0;
	if (db_exec_script(c, m->sql) == -1 ||
	    db_exec(c, record, p, 2, NULL) == -1 || db_commit(c) == -1)
		goto fail;
	*ran = true;
	log_info("component=migrate msg=applied migration=%s", m->name);
	return 0;
fail:
	(void)snprintf(err, errlen, "migration %s failed: %s", m->name,
	    db_errmsg(c));
	(void)!db_rollback(c);
	return -1;
}

static int
lock_pg(struct db_conn *c, bool take)
{
	const char *sql = take ? "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")"
	                       : "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY
	                         ")";

	return db_exec_script(c, sql);
}

int
migrate_apply(struct db *db, int *applied, char *err, size_t errlen)
{
	const struct migration *list;
	struct db_conn         *c;
	size_t                  n, i;
	bool                    is_pg = db_kind(db) == DB_POSTGRES;
	int                     rc = -1;

	*applied = 0;
	embedded(db, &list, &n);
	if ((c = db_acquire(db)) == NULL) {
		(void)snprintf(err, errlen, "the database is not reachable");
		return -1;
	}
	if (is_pg && lock_pg(c, true) == -1) {
		(void)fail(c, "cannot lock for migrations", err, errlen);
		goto out;
	}
	if (db_exec_script(c, is_pg ? create_postgres : create_sqlite) == -1) {
		(void)fail(c, "cannot create schema_migrations", err, errlen);
		goto unlock;
	}
	for (i = 0; i < n; i++) {
		bool ran;

		if (apply_one(c, &list[i], &ran, err, errlen) == -1)
			goto unlock;
		*applied += ran ? 1 : 0;
	}
	rc = 0;
unlock:
	if (is_pg && lock_pg(c, false) == -1 && rc == 0)
		rc = fail(c, "cannot unlock after migrations", err, errlen);
out:
	db_release(db, c);
	return rc;
}

static int
table_exists(struct db_conn *c, bool is_pg)
{
	const char     *sql = is_pg
	        ? "SELECT 1 FROM pg_tables WHERE tablename = "
	          "'schema_migrations' AND schemaname = current_schema()"
	        : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
	          "name = 'schema_migrations'";
	struct db_rows *r = db_query(c, sql, NULL, 0);
	int             rc;

	if (r == NULL)
		return -1;
	rc = db_rows_next(r);
	db_rows_free(r);
	return rc;
}

/* Walks the embedded migrations, calling back with each one's state. */
static int
walk(struct db *db, FILE *out, int *pending, char *err, size_t errlen)
{
	const struct migration *list;
	struct db_conn         *c;
	size_t                  n, i;
	int                     exists, rc = -1;

	*pending = 0;
	embedded(db, &list, &n);
	if ((c = db_acquire(db)) == NULL) {
		(void)snprintf(err, errlen, "the database is not reachable");
		return -1;
	}
	if ((exists = table_exists(c, db_kind(db) == DB_POSTGRES)) == -1) {
		(void)fail(c, "cannot read schema_migrations", err, errlen);
		goto out;
	}
	for (i = 0; i < n; i++) {
		int done = exists ? is_applied(c, list[i].version) : 0;

		if (done == -1) {
			(void)fail(c, "cannot read schema_migrations", err,
			    errlen);
			goto out;
		}
		*pending += done ? 0 : 1;
		if (out != NULL)
			(void)fprintf(out, "[%c] %s\n", done ? 'X' : ' ',
			    list[i].name);
	}
	rc = 0;
out:
	db_release(db, c);
	return rc;
}

int
migrate_list(struct db *db, FILE *out, char *err, size_t errlen)
{
	int pending;

	return walk(db, out, &pending, err, errlen);
}

int
migrate_pending(struct db *db, char *err, size_t errlen)
{
	int pending;

	if (walk(db, NULL, &pending, err, errlen) == -1)
		return -1;
	return pending;
}
