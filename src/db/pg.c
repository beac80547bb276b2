/*
 * The PostgreSQL backend over libpq. Each pooled connection is one PGconn
 * used by one thread at a time. Parameters travel as text; the session runs
 * in UTC. A connection that breaks (server restart) is marked broken and
 * re-established by db_acquire(); a statement that fails on a dead
 * connection outside a transaction is retried once after a reconnect.
 */
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "db/backend.h"

#define PG_MAX_PARAMS 64
#define PG_STMT_CACHE 128

struct pg_conn {
	struct db_conn base;
	PGconn        *h;
	char           err[256];
	char           sqlstate[6];
	/* Statements prepared on this session, keyed by the SQL literal's
	 * address (the server parses and plans each once). */
	size_t      nprepared;
	const char *prepared[PG_STMT_CACHE];
};

struct pg_rows {
	struct db_rows base;
	PGresult      *res;
	int            row; /* -1 before the first row */
	int            nrows;
};

static struct pg_conn *
pgc(struct db_conn *c)
{
	return (struct pg_conn *)c;
}

static void
set_error_msg(struct pg_conn *c, const char *msg, const char *state)
{
	size_t n;

	(void)snprintf(c->err, sizeof(c->err), "%s",
	    msg != NULL && *msg != '\0' ? msg : "unknown error");
	n = strlen(c->err);
	while (n > 0 && (c->err[n - 1] == '\n' || c->err[n - 1] == ' '))
		c->err[--n] = '\0';
	(void)snprintf(c->sqlstate, sizeof(c->sqlstate), "%s",
	    state != NULL ? state : "");
}

static void
set_error_res(struct pg_conn *c, const PGresult *res)
{
	const char *msg = res != NULL ? PQresultErrorMessage(res) : NULL;

	if (msg == NULL || *msg == '\0')
		msg = PQerrorMessage(c->h);
	set_error_msg(c, msg,
	    res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL);
}

/* A notice field, or "" when the server did not send it. */
static const char *
notice_field(const PGresult *res, int field)
{
	const char *v = PQresultErrorField(res, field);

	return v != NULL ? v : "";
}

/*
 * Notices and warnings the server sends on a connection (a RAISE NOTICE,
 * "terminating connection because of crash of another server process",
 * the FATAL of a shutdown read while idle) become one log line: libpq's
 * default receiver prints them to stderr as they come, several raw lines
 * each. Warnings and worse at warn, the rest at info.
 */
static void
on_notice(void *arg, const PGresult *res)
{
	const char *sev =
	    PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char    *detail = notice_field(res, PG_DIAG_MESSAGE_DETAIL);
	enum log_level level = LOG_INFO;

	(void)arg;
	if (sev == NULL)
		sev = notice_field(res, PG_DIAG_SEVERITY);
	if (strcmp(sev, "WARNING") == 0 || strcmp(sev, "ERROR") == 0 ||
	    strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0)
		level = LOG_WARN;
	log_write(level,
	    "component=db msg=\"postgres notice\" severity=%s sqlstate=%s "
	    "message=\"%.1000s\" detail=\"%.1000s\" hint=\"%.500s\"",
	    *sev != '\0' ? sev : "NOTICE", notice_field(res, PG_DIAG_SQLSTATE),
	    notice_field(res, PG_DIAG_MESSAGE_PRIMARY), detail,
	    notice_field(res, PG_DIAG_MESSAGE_HINT));
}

static PGconn *
open_pg(const struct db_url *url)
{
	/* Later keywords override the URL's own, with expand_dbname. */
	const char *const keys[] = {"dbname", "options", "application_name",
	    "connect_timeout", NULL};
	const char *const vals[] = {url->conninfo, "-c TimeZone=UTC", "mysaas",
	    "5", NULL};

	return PQconnectdbParams(keys, vals, 1);
}

static struct db_conn *
pg_connect(const struct db_url *url, char *err, size_t errlen)
{
	struct pg_conn *c = xcalloc(1, sizeof(*c));

	c->base.ops = &db_pg_backend;
	c->h = open_pg(url);
	if (c->h == NULL || PQstatus(c->h) != CONNECTION_OK) {
		set_error_msg(c,
		    c->h != NULL ? PQerrorMessage(c->h) : "out of memory",
		    NULL);
		(void)snprintf(err, errlen, "%s", c->err);
		PQfinish(c->h);
		free(c);
		return NULL;
	}
	/*
	 * Kept by PQreset. A notice sent during the connection's start-up
	 * (rare: a collation version warning) still reaches libpq's default
	 * receiver: the synchronous connect keeps libpq's per-host timeout
	 * and its fallback to the next host of a list.
	 */
	(void)PQsetNoticeReceiver(c->h, on_notice, NULL);
	return &c->base;
}

static void
pg_disconnect(struct db_conn *base)
{
	if (base == NULL)
		return;
	PQfinish(pgc(base)->h);
	free(base);
}

static bool
pg_is_broken(struct db_conn *c)
{
	return PQstatus(pgc(c)->h) != CONNECTION_OK;
}

static int
pg_reconnect(struct db_conn *base)
{
	struct pg_conn *c = pgc(base);

	PQreset(c->h);
	c->nprepared = 0; /* a new session has no prepared statements */
	if (PQstatus(c->h) != CONNECTION_OK) {
		set_error_msg(c, PQerrorMessage(c->h), NULL);
		return -1;
	}
	return 0;
}

static bool
pg_in_transaction(struct db_conn *c)
{
	PGTransactionStatusType s = PQtransactionStatus(pgc(c)->h);

	return s == PQTRANS_INTRANS || s == PQTRANS_INERROR ||
	    s == PQTRANS_ACTIVE;
}

/*
 * Executes sql as a named prepared statement, preparing it on first use;
 * past the cache size, or when it must be planned with these values, as
 * a one-off statement.
 */
static PGresult *
exec_cached(struct pg_conn *c, const char *sql, int n,
    const char *const *values, const int *lengths, bool planned)
{
	char      name[16];
	size_t    i;
	PGresult *res;

	if (planned)
		return PQexecParams(c->h, sql, n, NULL, values, lengths, NULL,
		    0);
	for (i = 0; i < c->nprepared; i++) {
		if (c->prepared[i] == sql)
			break;
	}
	if (i == c->nprepared) {
		if (i == PG_STMT_CACHE)
			return PQexecParams(c->h, sql, n, NULL, values, lengths,
			    NULL, 0);
		(void)snprintf(name, sizeof(name), "s%zu", i);
		res = PQprepare(c->h, name, sql, n, NULL);
		if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK)
			return res;
		PQclear(res);
		c->prepared[c->nprepared++] = sql;
	}
	(void)snprintf(name, sizeof(name), "s%zu", i);
	return PQexecPrepared(c->h, name, n, values, lengths, NULL, 0);
}

/*
 * Runs sql with text parameters. A failure caused by a connection that
 * died while idle (the server restarted) is retried once on a new one.
 */
static PGresult *
run(struct pg_conn *c, const char *sql, const struct db_param *params, size_t n,
    bool planned)
{
	const char *values[PG_MAX_PARAMS];
	int         lengths[PG_MAX_PARAMS];
	char        ints[PG_MAX_PARAMS][24];
	size_t      i;
	int         attempt;

	if (n > PG_MAX_PARAMS) {
		set_error_msg(c, "too many parameters", NULL);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		lengths[i] = 0;
		if (params[i].type == DB_P_INT) {
			(void)snprintf(ints[i], sizeof(ints[i]), "%" PRId64,
			    params[i].i);
			values[i] = ints[i];
		} else if (params[i].type == DB_P_TEXT) {
			values[i] = params[i].s;
			lengths[i] = (int)params[i].len;
		} else {
			values[i] = NULL;
		}
	}
	for (attempt = 0; attempt < 2; attempt++) {
		bool      was_idle = !pg_in_transaction(&c->base);
		PGresult *res;

		res = exec_cached(c, sql, (int)n, values, lengths, planned);
		if (res != NULL &&
		    (PQresultStatus(res) == PGRES_COMMAND_OK ||
		        PQresultStatus(res) == PGRES_TUPLES_OK))
			return res;
		set_error_res(c, res);
		PQclear(res);
		if (!was_idle || PQstatus(c->h) == CONNECTION_OK ||
		    pg_reconnect(&c->base) == -1)
			return NULL;
	}
	return NULL;
}

static int
pg_exec(struct db_conn *base, const char *sql, const struct db_param *params,
    size_t n, int64_t *changes)
{
	PGresult *res = run(pgc(base), sql, params, n, false);

	if (res == NULL)
		return -1;
	if (changes != NULL) {
		const char *t = PQcmdTuples(res);

		*changes = (t != NULL && *t != '\0') ? strtoll(t, NULL, 10) : 0;
	}
	PQclear(res);
	return 0;
}

static struct db_rows *
rows_of(PGresult *res)
{
	struct pg_rows *r;

	if (res == NULL)
		return NULL;
	r = xcalloc(1, sizeof(*r));
	r->base.ops = &db_pg_backend;
	r->res = res;
	r->row = -1;
	r->nrows = PQntuples(res);
	return &r->base;
}

static struct db_rows *
pg_query(struct db_conn *base, const char *sql, const struct db_param *params,
    size_t n)
{
	return rows_of(run(pgc(base), sql, params, n, false));
}

static struct db_rows *
pg_query_planned(struct db_conn *base, const char *sql,
    const struct db_param *params, size_t n)
{
	return rows_of(run(pgc(base), sql, params, n, true));
}

static int
pg_exec_script(struct db_conn *base, const char *sql)
{
	struct pg_conn *c = pgc(base);
	PGresult       *res = PQexec(c->h, sql);
	int             rc = 0;

	if (res == NULL ||
	    (PQresultStatus(res) != PGRES_COMMAND_OK &&
	        PQresultStatus(res) != PGRES_TUPLES_OK)) {
		set_error_res(c, res);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

static int
pg_rows_next(struct db_rows *base)
{
	struct pg_rows *r = (struct pg_rows *)base;

	if (r->row + 1 >= r->nrows) {
		r->row = r->nrows;
		return 0;
	}
	r->row++;
	return 1;
}

static bool
pg_col_is_null(struct db_rows *base, int col)
{
	struct pg_rows *r = (struct pg_rows *)base;

	return PQgetisnull(r->res, r->row, col) != 0;
}

static const char *
pg_col_text(struct db_rows *base, int col, size_t *len)
{
	struct pg_rows *r = (struct pg_rows *)base;

	if (len != NULL)
		*len = (size_t)PQgetlength(r->res, r->row, col);
	return PQgetvalue(r->res, r->row, col);
}

static int64_t
pg_col_int(struct db_rows *base, int col)
{
	const char *t = pg_col_text(base, col, NULL);

	if (*t == 't')
		return 1; /* boolean true */
	return strtoll(t, NULL, 10);
}

static void
pg_rows_free(struct db_rows *base)
{
	struct pg_rows *r = (struct pg_rows *)base;

	if (r == NULL)
		return;
	PQclear(r->res);
	free(r);
}

static const char *
pg_errmsg(struct db_conn *c)
{
	return pgc(c)->err;
}

static bool
pg_is_unique_violation(struct db_conn *c)
{
	return strcmp(pgc(c)->sqlstate, "23505") == 0;
}

/*
 * Transaction-level advisory locks on keys, in the array's order (a
 * function scan of unnest returns the elements in order): one round trip
 * for the whole list.
 */
static int
pg_lock_keys(struct db_conn *base, const int64_t *keys, size_t n)
{
	static const char *const sql =
	    "SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) "
	    "AS k";
	size_t          size = n * 21 + 3, len = 0, i;
	char           *list = xmalloc(size);
	struct db_param p[1];
	PGresult       *res;

	list[len++] = '{';
	for (i = 0; i < n; i++) {
		len += (size_t)snprintf(list + len, size - len, "%s%" PRId64,
		    i > 0 ? "," : "", keys[i]);
	}
	list[len++] = '}';
	list[len] = '\0';
	p[0] = DB_TEXTN(list, len);
	res = run(pgc(base), sql, p, 1, false);
	free(list);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

const struct db_backend db_pg_backend = {
    .name = "postgres",
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .is_broken = pg_is_broken,
    .reconnect = pg_reconnect,
    .in_transaction = pg_in_transaction,
    .exec_script = pg_exec_script,
    .exec = pg_exec,
    .query = pg_query,
    .query_planned = pg_query_planned,
    .rows_next = pg_rows_next,
    .col_is_null = pg_col_is_null,
    .col_text = pg_col_text,
    .col_int = pg_col_int,
    .rows_free = pg_rows_free,
    .errmsg = pg_errmsg,
    .is_unique_violation = pg_is_unique_violation,
    .lock_keys = pg_lock_keys,
    .begin_sql = "BEGIN",
};
