/*
 * Between the admin's files: the per-request context, the gate every page
 * passes (session, CSRF, Origin, permission), the page layout and widgets,
 * the model registry and the changelist engine. Everything hangs on the
 * request's arena; a context belongs to its request's thread.
 */
#ifndef ADMIN_INTERNAL_H
#define ADMIN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "admin/form.h"
#include "admin/session.h"
#include "admin/util.h"
#include "html/html.h"
#include "http/req.h"

#define ADMIN_PAGE_MAX   (8 * 1024 * 1024) /* bytes of one page */
#define ADMIN_PER_PAGE   100               /* changelist rows per page */
#define ADMIN_MAX_MSGS   4
#define ADMIN_MSG_COOKIE "mysaas_admin_msg"

enum admin_level {
	ADMIN_SUCCESS = 0,
	ADMIN_INFO,
	ADMIN_WARNING,
	ADMIN_ERROR,
};

struct admin_msg {
	enum admin_level level;
	const char      *text;
};

struct admin_model;

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

/* One admin request. */
struct admin_ctx {
	struct req               *r;
	struct db_conn           *db;
	struct admin_user         user;
	bool                      signed_in;
	bool                      is_post;
	struct admin_form         form; /* the POST's fields */
	struct html               h;
	const struct admin_model *model; /* of the URL, when it names one */
	const char               *nav;   /* current nav entry (a URL) */
	struct admin_msg          msgs[ADMIN_MAX_MSGS];
	size_t                    nmsgs;
};

/* admin_enter() flags. */
#define ADMIN_PUBLIC   0x1 /* no session needed (login page) */
#define ADMIN_ANY_POST 0x2 /* POST allowed to view-only staff (logout) */

/*
 * The gate: builds the context, loads the session (no session: 302 to the
 * login page for a GET, 403 for a POST), and for a POST decodes the form
 * and checks the Origin, the CSRF token and, unless ADMIN_ANY_POST, that
 * the admin is a superuser. 0 with *out set, or the status of the response
 * it has already written.
 */
int admin_enter(struct req *r, unsigned flags,
    struct admin_ctx **out) MUST_CHECK;

/* Opens the admin layout with its nav and any messages; crumbs are
 * (label, href) links, the last one with a NULL href. */
void admin_page_begin(struct admin_ctx *c, const char *title,
    const struct html_link *crumbs, size_t ncrumbs);
/* Closes the layout and sends the page; returns status (500 on failure). */
int admin_page_end(struct admin_ctx *c, int status);
/* A whole page for an error status (403, 404, 429, 503...). */
int admin_error(struct admin_ctx *c, int status, const char *title,
    const char *text);
/* The same before a context exists. */
int admin_error_req(struct req *r, int status, const char *title,
    const char *text);
/* A 302 to location (a path on this site). */
int admin_redirect(struct req *r, const char *location);
/* Queues a message for this page. */
void admin_message(struct admin_ctx *c, enum admin_level level,
    const char *text);
/* Queues a message for the next page (a cookie that page clears). */
void admin_flash(struct admin_ctx *c, enum admin_level level, const char *text);

/* Widgets. */
void admin_csrf_input(struct admin_ctx *c);
/* <form method="post" action="action"> with the CSRF field. */
void admin_form_open(struct admin_ctx *c, const char *action);
/* Appends a display timestamp from a database value. */
void admin_time(struct html *h, const char *db);
/* "Yes"/"No" with a symbol that does not rely on colour. */
void admin_bool(struct html *h, bool v);
/*
 * A read-only table: the scrolling wrapper, <table id=id>, a header row
 * of the n column titles and <tbody>; admin_table_end() closes them.
 */
void admin_table_begin(struct admin_ctx *c, const char *id,
    const char *const *titles, size_t n);
void admin_table_end(struct admin_ctx *c);

/* printf into the request's arena. */
char *admin_printf(struct admin_ctx *c, const char *fmt, ...)
    PRINTF_LIKE(2, 3) MUST_CHECK;
/* A copy of a column's text (NULL for SQL NULL) in the arena. */
char *admin_col(struct admin_ctx *c, struct db_rows *rows, int col);
/*
 * Runs sql, whose one parameter $1 is the local id given as text in id,
 * and moves to its row: 1 with *rows on it (db_rows_free() it), 0 when id
 * is not an id or no row matches, -1 on a database error.
 */
int admin_row_by_id(struct admin_ctx *c, const char *sql, const char *id,
    struct db_rows **rows) MUST_CHECK;
/*
 * Runs sql with $1 = ref (as text) and takes its first row's two columns
 * (an id and a label): 1 with *id and *label in the arena, 0 when there is
 * no row, -1 on a database error.
 */
int admin_resolve(struct admin_ctx *c, const char *sql, const char *ref,
    const char **id, const char **label) MUST_CHECK;
/* s as a positive integer id (as URLs and id columns carry them), or 0. */
int64_t admin_id(const char *s);
/* s percent-encoded for a URL component, in the arena. */
const char *admin_enc(struct admin_ctx *c, const char *s);
/* The request's database, or NULL after rendering a 503 page. */
struct db_conn *admin_db(struct admin_ctx *c);

/* --- The models ---------------------------------------------------- */

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
extern const struct admin_model admin_events_model;
extern const struct admin_model admin_syncruns_model;

/*
 * The user an email (any case) or a Clerk user id names: 1 with *id and
 * *label (its email, else its Clerk id) in the arena, 0 when none, -1 on
 * a database error.
 */
int admin_user_resolve(struct admin_ctx *c, const char *ref, const char **id,
    const char **label) MUST_CHECK;

/*
 * Inserts a membership (uid, oid: ids as text) made in the admin: 1 with
 * *id (as text, in the arena), 0 when the user is already a member, -1 on
 * a database error.
 */
int admin_member_add(struct admin_ctx *c, const char *uid, const char *oid,
    const char *role, const char *now, const char **id) MUST_CHECK;

/* The model of an admin_log object_type, or NULL. */
const struct admin_model *admin_model_by_type(const char *object_type);
/* "/admin/<app>/<name>/" + id + "/" + what + "/" (what NULL: the list). */
const char *admin_url(struct admin_ctx *c, const struct admin_model *m,
    const char *id, const char *what);
/* The changelist page of c->model. */
int admin_changelist_render(struct admin_ctx *c);
/* The history page of an object of c->model. */
int admin_history_render(struct admin_ctx *c, const struct admin_object *o);
/* Breadcrumbs Home > model > object > last (obj and last may be NULL). */
void admin_object_page_begin(struct admin_ctx *c, const char *title,
    const struct admin_object *o, const char *last);

/* Writes one admin_log row (inside the caller's transaction). */
int admin_log_write(struct admin_ctx *c, const char *action,
    const char *object_type, const char *object_id, const char *repr,
    const char *message) MUST_CHECK;

/* --- Change forms -------------------------------------------------- */

#define ADMIN_F_TEXT     0
#define ADMIN_F_EMAIL    1
#define ADMIN_F_URL      2
#define ADMIN_F_BOOL     3
#define ADMIN_F_PASSWORD 4
#define ADMIN_F_ROLE     5

#define ADMIN_MAX_FIELDS 12

struct admin_field {
	const char *name;  /* form field and column */
	const char *label; /* also the name in change messages */
	int         kind;  /* ADMIN_F_* */
	bool        required;
	size_t      max; /* bytes; 0: no limit beyond the body's */
	const char *help;
};

/* Field values as text ("1"/"0" for booleans; NULL: empty), and errors. */
struct admin_values {
	const char *v[ADMIN_MAX_FIELDS];
	const char *err[ADMIN_MAX_FIELDS];
};

/* Renders each field as a form row (disabled when read_only). */
void admin_fields_render(struct admin_ctx *c, const struct admin_field *f,
    size_t n, const struct admin_values *v, bool read_only);
/* Reads the POSTed fields into v (trimmed, validated); returns the number
 * of fields with an error. */
size_t admin_fields_read(struct admin_ctx *c, const struct admin_field *f,
    size_t n, struct admin_values *v);
/* "Changed First name and Email." or "No fields changed." */
const char *admin_fields_changed(struct admin_ctx *c,
    const struct admin_field *f, size_t n, const struct admin_values *old,
    const struct admin_values *now);
/* The value of field i: NULL when empty. */
const char *admin_field_text(const struct admin_values *v, size_t i);
/* The value of the checkbox field i. */
bool admin_field_bool(const struct admin_values *v, size_t i);
/* A <dt>/<dd> pair of read-only text (NULL: a dash). */
void admin_readonly(struct admin_ctx *c, const char *label, const char *value);
/* The Save / Save and continue buttons, and Delete when del_url is set. */
void admin_submit_row(struct admin_ctx *c, const char *del_url);
/* After a save: the flash message and the redirect ("_continue" stays on
 * change_url, "_addanother" goes to the add page, else the list). */
int admin_saved(struct admin_ctx *c, const char *verb, const char *repr,
    const char *change_url);
/* Runs in a transaction: 0, or -1 after rolling back. */
int admin_tx_begin(struct admin_ctx *c) MUST_CHECK;
int admin_tx_commit(struct admin_ctx *c) MUST_CHECK;
/* Logs a database failure and renders the 503 page. */
int admin_db_failed(struct admin_ctx *c, const char *what);

/*
 * The GET half of a delete: the confirmation page listing the object and
 * what goes with it (related_sql, $1 = the object's id, rows of (id,
 * label) of memberships; NULL: nothing), with note (may be NULL) below.
 */
int admin_delete_confirm(struct admin_ctx *c, const struct admin_object *o,
    const char *related_sql, const char *note);
/*
 * A model's delete view: GET shows admin_delete_confirm(); POST deletes
 * the object with remove (an accounts/ operation, given the object's id)
 * and its admin_log row, then goes back to the changelist with a message.
 */
int admin_delete_object(struct admin_ctx *c, const struct admin_object *o,
    int (*remove)(struct db_conn *db, int64_t id), const char *related_sql,
    const char *note);

#endif
