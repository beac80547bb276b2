/*
 * The models of the admin: what a model is (its URL, names, changelist
 * and views, struct admin_model), the registry of them all (admin/
 * registry.c: a model by its URL or its admin_log type, object URLs, the
 * admin_log writer), and what one model's views lend to another's.
 */
#ifndef ADMIN_MODEL_H
#define ADMIN_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "admin/clerk_write.h"
#include "admin/ctx.h"
#include "core/str.h"
#include "db/db.h"

/*
 * " OR col contains n", ignoring case: n is a LIKE pattern (escaped with
 * "\"). One text for both backends: SQLite has no ILIKE, and PostgreSQL's
 * ILIKE lowercases both sides the same way in a UTF-8 database. None of
 * these columns has an index that a contains-pattern could use.
 */
#define ADMIN_LIKE(col, n) " OR lower(" col ") LIKE lower(" n ") ESCAPE '\\'"
/*
 * One column's sort keys in a changelist's page_sql: the sort key
 * parameter p is +k (ascending) or -k (descending); NULLs last whichever
 * the backend. Put before the statement's final tie-breaker.
 */
#define ADMIN_SORT(p, k, e)                                        \
	"CASE WHEN " p " = " #k " THEN " e " END ASC NULLS LAST, " \
	"CASE WHEN " p " = -" #k " THEN " e " END DESC NULLS FIRST, "

/*
 * Clerk's times are Unix ms: a changelist shows them as timestamps, which
 * each backend writes its own way (its cells are database values); and
 * the time now in Unix ms, to compare them with.
 */
#define ADMIN_MS_SQLITE(x) \
	"strftime('%Y-%m-%dT%H:%M:%fZ', " x " / 1000.0, 'unixepoch')"
#define ADMIN_MS_PG(x)      "to_timestamp(" x " / 1000.0)"
#define ADMIN_NOW_MS_SQLITE "(CAST(strftime('%s', 'now') AS integer) * 1000)"
#define ADMIN_NOW_MS_PG     "CAST(extract(epoch FROM now()) * 1000 AS bigint)"

struct admin_column {
	const char *key;   /* the o= value; NULL: not sortable */
	const char *label; /* header */
	int         kind;  /* ADMIN_COL_* */
};

#define ADMIN_COL_TEXT 0
#define ADMIN_COL_BOOL 1
#define ADMIN_COL_TIME 2
#define ADMIN_COL_INT  3

struct admin_filter {
	const char        *param; /* query parameter */
	const char        *title; /* sidebar heading; NULL: not shown */
	bool               is_bool;
	bool               is_int;
	const char *const *choices;     /* fixed values, NULL-terminated */
	const char        *choices_sql; /* SELECT DISTINCT v ... (no params) */
};

/*
 * A changelist. Both statements take the filters' values as $1..$F (NULL
 * when unset), then 3 search words $F+1..$F+3 (NULL when unused, already
 * LIKE patterns); page_sql then the sort key $F+4 (+/- column number,
 * 1-based), LIMIT $F+5 and OFFSET $F+6. page_sql's first column is the
 * object's id (for its link), then one column per entry of cols.
 * total_sql counts every row, with no parameter. A statement has one text
 * unless its search needs one per backend (struct db_sql).
 *
 * Optional (sqlite NULL: none), for default_order only (page_sql's CASE
 * sort keys can use no index), without the sort key: walk_sql is page_sql
 * written as a plain ORDER BY that an index serves (LIMIT $F+4, OFFSET
 * $F+5), and probe_sql the same over the first $F+6 rows in that order
 * only (a subquery with its own LIMIT): the changelist's probe.
 */
struct admin_list {
	struct db_sql              count_sql;
	struct db_sql              page_sql;
	const char                *total_sql;
	const struct admin_column *cols;
	size_t                     ncols;
	const struct admin_filter *filters;
	size_t                     nfilters;
	int                        default_order;
	const char                *search_help; /* NULL: no search box */
	struct db_sql              walk_sql;
	struct db_sql              probe_sql;
};

/* What history, delete and breadcrumbs need to know of one object. */
struct admin_object {
	const char *id;
	const char *repr;
	const char *clerk_id;   /* NULL when none */
	const char *created_at; /* NULL when unknown */
};

struct admin_model {
	const char              *app, *name;     /* /admin/<app>/<name>/ */
	const char              *object_type;    /* admin_log.object_type */
	const char              *verbose;        /* "user" */
	const char              *verbose_plural; /* "users" */
	const char              *title_plural;   /* "Users" */
	bool                     read_only;      /* no add, change or delete */
	const struct admin_list *list;
	/* 1 found (o filled), 0 not found, -1 database error. */
	int (*lookup)(struct admin_ctx *c, const char *id,
	    struct admin_object *o);
	int (*change)(struct admin_ctx *c, const struct admin_object *o);
	int (*add)(struct admin_ctx *c);
	int (*del)(struct admin_ctx *c, const struct admin_object *o);
};

extern const struct admin_model admin_users_model;
extern const struct admin_model admin_orgs_model;
extern const struct admin_model admin_members_model;
extern const struct admin_model admin_sessions_model;
extern const struct admin_model admin_invitations_model;
extern const struct admin_model admin_domains_model;
extern const struct admin_model admin_roles_model;
extern const struct admin_model admin_permissions_model;
extern const struct admin_model admin_events_model;
extern const struct admin_model admin_syncruns_model;

/*
 * A lookup (struct admin_model.lookup) by local id: sql's $1 is the id,
 * its columns the id, the name to show (when empty: the Clerk id), the
 * Clerk id and created_at. 1 found, 0 not found, -1 database error.
 */
int admin_object_by_id(struct admin_ctx *c, const char *sql, const char *id,
    struct admin_object *o) MUST_CHECK;
/* The model at /admin/<app>/<name>/, or NULL. */
const struct admin_model *admin_model_find(struct str app,
    struct str                                        name) MUST_CHECK;
/* The model of an admin_log object_type, or NULL. */
const struct admin_model *admin_model_by_type(const char *object_type);
/* "/admin/<app>/<name>/" + id + "/" + what + "/" (what NULL: the list). */
const char *admin_url(struct admin_ctx *c, const struct admin_model *m,
    const char *id, const char *what);
/* Writes one admin_log row (inside the caller's transaction). */
int admin_log_write(struct admin_ctx *c, const char *action,
    const char *object_type, const char *object_id, const char *repr,
    const char *message) MUST_CHECK;

/*
 * The user an email (any case) or a Clerk user id names: 1 with *id and
 * *label (its email, else its Clerk id) in the arena, 0 when none, -1 on
 * a database error.
 */
int admin_user_resolve(struct admin_ctx *c, const char *ref, const char **id,
    const char **label) MUST_CHECK;

/*
 * The organization ref names (its id, Clerk id or slug): 1 with *id and
 * *label (its name) in the arena, 0 when none, -1 on a database error.
 */
int admin_org_resolve(struct admin_ctx *c, const char *ref, const char **id,
    const char **label) MUST_CHECK;
/*
 * The Clerk id of the user, or of the organization, of local id id (as
 * text): 1 with *clerk_id in the arena (NULL: made here, unknown to
 * Clerk), 0 when there is no such row, -1 on a database error.
 */
int admin_user_clerk_id(struct admin_ctx *c, const char *id,
    const char **clerk_id) MUST_CHECK;
int admin_org_clerk_id(struct admin_ctx *c, const char *id,
    const char **clerk_id) MUST_CHECK;

/*
 * The sessions of user user_id (an id as text) as a table for the user's
 * page (admin/sessions.c), the most recently active first. 0, or -1 on a
 * database error.
 */
int admin_user_sessions(struct admin_ctx *c, const char *user_id) MUST_CHECK;

/*
 * Inserts a membership (uid, oid: ids as text) made in the admin: 1 with
 * *id (as text, in the arena), 0 when the user is already a member, -1 on
 * a database error.
 */
int admin_member_add(struct admin_ctx *c, const char *uid, const char *oid,
    const char *role, const char *now, const char **id) MUST_CHECK;

/*
 * A membership written through Clerk (admin/clerk_write.h): added (id
 * NULL; *new_id gets its local id, or its Clerk id when the mirror did
 * not take it), re-roled (role set) or removed (role NULL), with its
 * admin_log row, and one on the organization when org_id is set (its
 * page's inline table).
 */
struct admin_member_write {
	const char  *org_clerk_id, *user_clerk_id;
	const char  *id;       /* the membership; NULL: an add */
	const char  *clerk_id; /* the membership's; NULL: an add */
	const char  *repr;     /* "user in organization" */
	const char  *role;     /* the new role; NULL: a removal */
	const char  *old_role; /* of a re-role */
	const char  *org_id, *org_repr;
	const char **new_id;
};

enum admin_clerk_rc admin_member_write(struct admin_ctx *c,
    const struct admin_member_write                     *w,
    struct admin_clerk_result                           *res) MUST_CHECK;

#endif
