/*
 * What a backend provides to db.c. Private to src/db/.
 */
#ifndef DB_BACKEND_H
#define DB_BACKEND_H

#include "db/db.h"

struct db_backend {
	const char *name;
	/* Opens one connection; NULL with a reason in err. */
	struct db_conn *(
	    *connect)(const struct db_url *url, char *err, size_t errlen);
	void (*disconnect)(struct db_conn *c);
	/* True when the connection must be re-established before use. */
	bool (*is_broken)(struct db_conn *c);
	int (*reconnect)(struct db_conn *c);
	bool (*in_transaction)(struct db_conn *c);
	int (*exec_script)(struct db_conn *c, const char *sql);
	int (*exec)(struct db_conn *c, const char *sql,
	    const struct db_param *params, size_t nparams, int64_t *changes);
	struct db_rows *(*query)(struct db_conn *c, const char *sql,
	    const struct db_param *params, size_t nparams);
	/* Optional (NULL: query): plans with the parameters' values. */
	struct db_rows *(*query_planned)(struct db_conn *c, const char *sql,
	    const struct db_param *params, size_t nparams);
	int (*rows_next)(struct db_rows *r);
	bool (*col_is_null)(struct db_rows *r, int col);
	const char *(*col_text)(struct db_rows *r, int col, size_t *len);
	int64_t (*col_int)(struct db_rows *r, int col);
	void (*rows_free)(struct db_rows *r);
	const char *(*errmsg)(struct db_conn *c);
	bool (*is_unique_violation)(struct db_conn *c);
	/* Optional (NULL: no checkpoints): see db_checkpoint_defer(). */
	void (*checkpoint_defer)(struct db_conn *c, bool defer);
	bool (*checkpoint_due)(struct db_conn *c);
	int (*checkpoint)(struct db_conn *c);
	/* Optional (NULL: one writer, nothing to order): see db_lock_keys(). */
	int (*lock_keys)(struct db_conn *c, const int64_t *keys, size_t n);
	const char *begin_sql;
};

/* Every backend's connection starts with this header. */
struct db_conn {
	const struct db_backend *ops;
};

/* Every backend's result starts with this header. */
struct db_rows {
	const struct db_backend *ops;
};

extern const struct db_backend db_sqlite_backend;
extern const struct db_backend db_pg_backend;

#endif
