/*
 * The user model of the admin (/admin/users/user/): changelist, change,
 * add and delete. Emails are unique case-insensitively (the unique index
 * on lower(email) settles races; the form checks first for a clear
 * message). A deletion takes the user's memberships and admin sessions
 * with it (foreign keys), and each save writes admin_log in its
 * transaction.
 */
#include "admin/model.h"

#include <string.h>

#include "accounts/password.h"
#include "accounts/users.h"
#include "admin/clerk_write.h"
#include "admin/deletion.h"
#include "admin/fields.h"
#include "admin/page.h"
#include "core/timeutil.h"

/*
 * $1 is_staff, $2 is_active, $3..$5 search words (LIKE patterns), each
 * kept when it is in the email, a name or the Clerk id. SQLite asks
 * contains_any (db/sqlite.c), which is LIKE over the four columns in one
 * call and ignores ASCII case as LIKE does. PostgreSQL
 * matches the four joined by a separator that no search word contains,
 * lowercased: the expression of users_search_trgm_idx (migration 0004),
 * one trigram index that finds a rare word without reading the table.
 */
#define USER_WORD_SQLITE(n)                                                  \
	" AND (CAST(" n " AS text) IS NULL OR contains_any(" n ", u.email, " \
	"u.first_name, u.last_name, u.clerk_id))"
#define USER_SEARCH_PG                                                   \
	"lower(coalesce(u.email, '') || E'\\x1f' || "                    \
	"coalesce(u.first_name, '') || E'\\x1f' || "                     \
	"coalesce(u.last_name, '') || E'\\x1f' || coalesce(u.clerk_id, " \
	"''))"
#define USER_WORD_PG(n)                                        \
	" AND (CAST(" n " AS text) IS NULL OR " USER_SEARCH_PG \
	" LIKE lower(" n ") ESCAPE '\\')"
#define USER_COND(W)                                            \
	" WHERE (CAST($1 AS boolean) IS NULL OR "               \
	"u.is_staff = $1) AND (CAST($2 AS boolean) IS NULL OR " \
	"u.is_active = $2)" W("$3") W("$4") W("$5")
#define USER_WHERE(W) " FROM users u" USER_COND(W)
#define USER_COLUMNS                                                    \
	"SELECT u.id, u.email, u.first_name, u.last_name, u.clerk_id, " \
	"u.is_staff, u.is_active, u.date_joined"
/* Sort key $6: +/- column number; NULLs last whichever the backend. */
#define SORT(k, e) ADMIN_SORT("$6", k, e)
#define USER_PAGE(W)                                                      \
	USER_COLUMNS USER_WHERE(W) " ORDER BY " SORT(1, "lower(u.email)") \
	    SORT(2, "u.first_name") SORT(3, "u.last_name")                \
	        SORT(4, "u.clerk_id") SORT(5, "u.is_staff")               \
	            SORT(6, "u.is_active")                                \
	                SORT(7, "u.date_joined") "u.id LIMIT $7 OFFSET $8"

/*
 * The default order (email, NULLs last) down users_email_order_idx
 * (migration 0004): the walk, and the probe over the first $8 users only
 * (struct admin_list).
 */
#define ORDER_SQLITE "u.email IS NULL, lower(u.email), u.id"
#define ORDER_PG     "lower(u.email) ASC NULLS LAST, u.id"
#define USER_WALK(W, ORDER)                                        \
	USER_COLUMNS USER_WHERE(W) " ORDER BY " ORDER " LIMIT $6 " \
	                           "OFFSET $7"
#define USER_PROBE(W, ORDER)                                            \
	USER_COLUMNS " FROM (SELECT id, email, first_name, last_name, " \
	             "clerk_id, is_staff, is_active, date_joined FROM " \
	             "users u ORDER BY " ORDER                          \
	             " LIMIT $8) u" USER_COND(W) " ORDER BY " ORDER     \
	                                         " LIMIT $6 OFFSET $7"

static const struct admin_column user_cols[] = {
    {"email", "Email address", ADMIN_COL_TEXT},
    {"first_name", "First name", ADMIN_COL_TEXT},
    {"last_name", "Last name", ADMIN_COL_TEXT},
    {"clerk_id", "Clerk ID", ADMIN_COL_TEXT},
    {"is_staff", "Staff status", ADMIN_COL_BOOL},
    {"is_active", "Active", ADMIN_COL_BOOL},
    {"date_joined", "Date joined", ADMIN_COL_TIME},
};

static const struct admin_filter user_filters[] = {
    {"is_staff", "staff status", true, false, NULL, NULL},
    {"is_active", "active", true, false, NULL, NULL},
};

/* The search differs by backend (contains_any, the trigram expression). */
static const struct admin_list user_list = {
    .count_sql = {"SELECT count(*)" USER_WHERE(USER_WORD_SQLITE),
        "SELECT count(*)" USER_WHERE(USER_WORD_PG)},
    .page_sql = {USER_PAGE(USER_WORD_SQLITE), USER_PAGE(USER_WORD_PG)},
    .total_sql = "SELECT count(*) FROM users",
    .cols = user_cols,
    .ncols = ARRAY_LEN(user_cols),
    .filters = user_filters,
    .nfilters = ARRAY_LEN(user_filters),
    .default_order = 1,
    .search_help = "Email, name or Clerk ID",
    .walk_sql = {USER_WALK(USER_WORD_SQLITE, ORDER_SQLITE),
        USER_WALK(USER_WORD_PG, ORDER_PG)},
    .probe_sql = {USER_PROBE(USER_WORD_SQLITE, ORDER_SQLITE),
        USER_PROBE(USER_WORD_PG, ORDER_PG)},
};

static const struct admin_field user_fields[] = {
    {"email", "Email address", ADMIN_F_EMAIL, false, 254,
        "Empty for users Clerk knows only by phone number."},
    {"first_name", "First name", ADMIN_F_TEXT, false, 150, NULL},
    {"last_name", "Last name", ADMIN_F_TEXT, false, 150, NULL},
    {"username", "Username", ADMIN_F_TEXT, false, 150, NULL},
    {"image_url", "Image URL", ADMIN_F_URL, false, 2048, NULL},
    {"is_active", "Active", ADMIN_F_BOOL, false, 0,
        "Unselect this instead of deleting accounts."},
    {"is_staff", "Staff status", ADMIN_F_BOOL, false, 0,
        "Designates whether the user can log into this admin site."},
    {"is_superuser", "Superuser status", ADMIN_F_BOOL, false, 0,
        "Designates that this user can change everything in the admin; "
        "other staff can only view."},
};

enum {
	F_EMAIL,
	F_FIRST,
	F_LAST,
	F_USERNAME,
	F_IMAGE,
	F_ACTIVE,
	F_STAFF,
	F_SUPER
};

/*
 * What Clerk holds of a Clerk user (DESIGN section 12.3): read-only here
 * while CLERK_SECRET_KEY is set, so the mirror never drifts from Clerk.
 * The three flags are this database's own.
 */
#define FROM_CLERK                                                  \
	(ADMIN_FIELD_BIT(F_EMAIL) | ADMIN_FIELD_BIT(F_FIRST) |      \
	    ADMIN_FIELD_BIT(F_LAST) | ADMIN_FIELD_BIT(F_USERNAME) | \
	    ADMIN_FIELD_BIT(F_IMAGE))

static const struct admin_field add_fields[] = {
    {"email", "Email address", ADMIN_F_EMAIL, true, 254, NULL},
    {"first_name", "First name", ADMIN_F_TEXT, false, 150, NULL},
    {"last_name", "Last name", ADMIN_F_TEXT, false, 150, NULL},
    {"is_active", "Active", ADMIN_F_BOOL, false, 0, NULL},
    {"is_staff", "Staff status", ADMIN_F_BOOL, false, 0,
        "Designates whether the user can log into this admin site."},
    {"is_superuser", "Superuser status", ADMIN_F_BOOL, false, 0, NULL},
    {"password1", "Password", ADMIN_F_PASSWORD, false, 0,
        "Leave empty for a user who signs in with Clerk only."},
    {"password2", "Password confirmation", ADMIN_F_PASSWORD, false, 0,
        "Enter the same password as before, for verification."},
};

enum {
	A_EMAIL,
	A_FIRST,
	A_LAST,
	A_ACTIVE,
	A_STAFF,
	A_SUPER,
	A_PW1,
	A_PW2
};

static const char *
user_repr(struct admin_ctx *c, const char *id, const char *email,
    const char *clerk_id)
{
	if (email != NULL && *email != '\0')
		return email;
	if (clerk_id != NULL && *clerk_id != '\0')
		return clerk_id;
	return admin_printf(c, "user #%s", id);
}

static int
user_lookup(struct admin_ctx *c, const char *id, struct admin_object *o)
{
	static const char *const sql =
	    "SELECT id, email, clerk_id, created_at FROM users WHERE id = $1";
	struct db_rows *rows;
	int             rc;

	if ((rc = admin_row_by_id(c, sql, id, &rows)) != 1)
		return rc;
	o->id = admin_col(c, rows, 0);
	o->clerk_id = admin_col(c, rows, 2);
	o->created_at = admin_col(c, rows, 3);
	o->repr = user_repr(c, o->id, admin_col(c, rows, 1), o->clerk_id);
	db_rows_free(rows);
	return 1;
}

struct user_row {
	struct admin_values v;
	const char         *clerk_id, *date_joined, *last_login, *updated_at;
	bool                has_password;
};

static int
user_load(struct admin_ctx *c, const char *id, struct user_row *u)
{
	static const char *const sql =
	    "SELECT email, first_name, last_name, username, image_url, "
	    "is_active, is_staff, is_superuser, clerk_id, date_joined, "
	    "last_login, updated_at, password FROM users WHERE id = $1";
	struct db_param p[] = {DB_TEXT(id)};
	struct db_rows *rows;
	int             rc, i;

	memset(u, 0, sizeof(*u));
	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	if ((rc = db_rows_next(rows)) == 1) {
		for (i = 0; i < 5; i++)
			u->v.v[i] = admin_col(c, rows, i);
		for (i = 5; i < 8; i++)
			u->v.v[i] = db_col_bool(rows, i) ? "1" : "0";
		u->clerk_id = admin_col(c, rows, 8);
		u->date_joined = admin_col(c, rows, 9);
		u->last_login = admin_col(c, rows, 10);
		u->updated_at = admin_col(c, rows, 11);
		u->has_password = strncmp(admin_col(c, rows, 12) != NULL
		                          ? admin_col(c, rows, 12)
		                          : "",
		                      "$argon2id$", 10) == 0;
	}
	db_rows_free(rows);
	return rc;
}

/* 1 when another user (not except_id) has this email in any case. */
static int
email_taken(struct admin_ctx *c, const char *email, int64_t except_id)
{
	static const char *const sql =
	    "SELECT count(*) FROM users WHERE email IS NOT NULL AND "
	    "lower(email) = lower($1) AND id <> $2";
	struct db_param p[] = {DB_TEXT(email), DB_INT(except_id)};
	int64_t         n = 0;

	if (db_query_int(c->db, sql, p, ARRAY_LEN(p), &n, NULL) == -1)
		return -1;
	return n > 0;
}

int
admin_user_resolve(struct admin_ctx *c, const char *ref, const char **id,
    const char **label)
{
	static const char *const by_clerk =
	    "SELECT id, COALESCE(email, clerk_id, '') FROM users "
	    "WHERE clerk_id = $1";
	static const char *const by_email =
	    "SELECT id, COALESCE(email, clerk_id, '') FROM users "
	    "WHERE email IS NOT NULL AND lower(email) = lower($1)";

	return admin_resolve(c, strchr(ref, '@') != NULL ? by_email : by_clerk,
	    ref, id, label);
}

int
admin_user_clerk_id(struct admin_ctx *c, const char *id, const char **clerk_id)
{
	return admin_text_by_id(c, "SELECT clerk_id FROM users WHERE id = $1",
	    id, clerk_id);
}

static const char email_taken_msg[] = "A user with this email address already "
                                      "exists.";

static int
memberships_of(struct admin_ctx *c, const char *id)
{
	static const char *const sql =
	    "SELECT o.id, o.name, m.role, m.id FROM organization_memberships m "
	    "JOIN organizations o ON o.id = m.organization_id "
	    "WHERE m.user_id = $1 ORDER BY o.name, o.id LIMIT 200";
	struct db_param p[] = {DB_TEXT(id)};
	struct db_rows *rows;
	int             rc, n = 0;

	html_lit(&c->h, "<h2>Organizations</h2>\n");
	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	while ((rc = db_rows_next(rows)) == 1) {
		if (n++ == 0)
			html_lit(&c->h, "<ul>\n");
		html_lit(&c->h, "<li><a");
		html_url_attr(&c->h, "href",
		    admin_url(c, &admin_orgs_model, admin_col(c, rows, 0),
		        "change"));
		html_lit(&c->h, ">");
		html_text(&c->h, admin_col(c, rows, 1));
		html_lit(&c->h, "</a> <span class=\"muted\">(");
		html_text(&c->h, admin_col(c, rows, 2));
		html_lit(&c->h, ")</span></li>\n");
	}
	db_rows_free(rows);
	if (n > 0)
		html_lit(&c->h, "</ul>\n");
	else
		html_lit(&c->h, "<p class=\"muted\">No memberships.</p>\n");
	return rc;
}

/* The fields of u that only Clerk changes (none unless Clerk's). */
static unsigned
kept(const struct admin_ctx *c, const struct user_row *u)
{
	return u->clerk_id != NULL && admin_clerk_on(c) ? FROM_CLERK : 0;
}

static int
change_page(struct admin_ctx *c, const struct admin_object *o,
    const struct user_row *u, const struct admin_values *v, int status)
{
	bool edit = c->user.is_superuser;

	admin_object_page_begin(c, o->repr, o, NULL);
	if (edit)
		html_lit(&c->h, "<h1>Change user</h1>\n");
	else
		html_lit(&c->h, "<h1>View user</h1>\n");
	html_lit(&c->h, "<h2 class=\"muted\">");
	html_text(&c->h, o->repr);
	html_lit(&c->h, "</h2>\n<p><a class=\"btn btn-secondary\"");
	html_url_attr(&c->h, "href", admin_url(c, c->model, o->id, "history"));
	html_lit(&c->h, ">History</a></p>\n<dl class=\"fields\">\n");
	admin_readonly(c, "ID", o->id);
	admin_readonly(c, "Clerk ID", u->clerk_id);
	admin_readonly(c, "Password",
	    u->has_password ? "argon2id hash set (change it with mysaas "
	                      "changepassword)"
	                    : "No password: signs in with Clerk only");
	html_lit(&c->h, "<dt>Date joined</dt><dd>");
	admin_time(&c->h, u->date_joined);
	html_lit(&c->h, "</dd>\n<dt>Last login</dt><dd>");
	admin_time(&c->h, u->last_login);
	html_lit(&c->h, "</dd>\n<dt>Updated</dt><dd>");
	admin_time(&c->h, u->updated_at);
	html_lit(&c->h, "</dd>\n</dl>\n");
	if (edit && kept(c, u) != 0)
		html_lit(&c->h,
		    "<p class=\"help\" id=\"clerk-help\">Clerk holds this "
		    "user: its email address, names, username and image "
		    "change in Clerk and come here from it. Active, staff "
		    "status and superuser status are this database's "
		    "own.</p>\n");
	else if (edit && u->clerk_id != NULL)
		admin_clerk_local_notice(c, NULL);
	if (edit)
		admin_form_open(c, admin_url(c, c->model, o->id, "change"));
	else
		html_lit(&c->h, "<form>\n");
	admin_fields_render_some(c, user_fields, ARRAY_LEN(user_fields), v,
	    edit ? kept(c, u) : ADMIN_ALL_FIELDS);
	if (edit)
		admin_submit_row(c, admin_url(c, c->model, o->id, "delete"));
	html_lit(&c->h, "</form>\n");
	if (memberships_of(c, o->id) == -1)
		return admin_db_failed(c, "user memberships");
	if (admin_user_sessions(c, o->id) == -1)
		return admin_db_failed(c, "user sessions");
	return admin_page_end(c, status);
}

static int
user_save(struct admin_ctx *c, const struct admin_object *o,
    const struct user_row *u, const struct admin_values *v)
{
	const char *msg = admin_fields_changed(c, user_fields,
	    ARRAY_LEN(user_fields), &u->v, v);
	const char *repr = user_repr(c, o->id, v->v[F_EMAIL], u->clerk_id);
	char        now[ISO_TIME_SIZE];
	struct user_values uv = {.email = admin_field_text(v, F_EMAIL),
	    .first_name = admin_field_text(v, F_FIRST),
	    .last_name = admin_field_text(v, F_LAST),
	    .username = admin_field_text(v, F_USERNAME),
	    .image_url = admin_field_text(v, F_IMAGE),
	    .is_active = admin_field_bool(v, F_ACTIVE),
	    .is_staff = admin_field_bool(v, F_STAFF),
	    .is_superuser = admin_field_bool(v, F_SUPER),
	    .now = now};

	time_iso_from_ms(time_now_ms(), now);
	if (admin_tx_begin(c) == -1)
		return admin_db_failed(c, "user save");
	if (user_update(c->db, admin_id(o->id), &uv) == -1 ||
	    admin_log_write(c, "change", c->model->object_type, o->id, repr,
	        msg) == -1 ||
	    admin_tx_commit(c) == -1) {
		if (db_is_unique_violation(c->db)) {
			(void)!db_rollback(c->db);
			return -2; /* the email was taken meanwhile */
		}
		return admin_db_failed(c, "user save");
	}
	return admin_saved(c, "changed", repr,
	    admin_url(c, c->model, o->id, "change"));
}

static int
user_change(struct admin_ctx *c, const struct admin_object *o)
{
	struct user_row     u;
	struct admin_values v;
	int                 rc, taken = 0;
	int64_t             self;

	if ((rc = user_load(c, o->id, &u)) != 1)
		return rc == -1 ? admin_db_failed(c, "user load")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This user no longer exists.");
	if (!c->is_post)
		return change_page(c, o, &u, &u.v, HTTP_OK);
	/* What Clerk holds keeps its value, whatever the POST says. */
	v = u.v;
	rc = (int)admin_fields_read_some(c, user_fields, ARRAY_LEN(user_fields),
	    &v, kept(c, &u));
	if ((kept(c, &u) & ADMIN_FIELD_BIT(F_EMAIL)) == 0 &&
	    v.v[F_EMAIL] != NULL && v.err[F_EMAIL] == NULL &&
	    str_to_i64(str_from_cstr(o->id), 1, INT64_MAX, &self) == 0) {
		if ((taken = email_taken(c, v.v[F_EMAIL], self)) == -1)
			return admin_db_failed(c, "user email check");
		if (taken == 1) {
			v.err[F_EMAIL] = email_taken_msg;
			rc++;
		}
	}
	if (rc == 0 && (rc = user_save(c, o, &u, &v)) != -2)
		return rc;
	if (rc == -2)
		v.err[F_EMAIL] = email_taken_msg;
	admin_message(c, ADMIN_ERROR, "Please correct the errors below.");
	return change_page(c, o, &u, &v, HTTP_OK);
}

static int
add_page(struct admin_ctx *c, const struct admin_values *v)
{
	admin_object_page_begin(c, "Add user", NULL, "Add user");
	html_lit(&c->h, "<h1>Add user</h1>\n");
	admin_form_open(c, admin_url(c, c->model, NULL, "add"));
	admin_fields_render(c, add_fields, ARRAY_LEN(add_fields), v, false);
	html_lit(&c->h,
	    "<div class=\"form-actions\"><button type=\"submit\" "
	    "name=\"_save\" "
	    "value=\"1\">Save</button><button type=\"submit\" "
	    "class=\"btn-secondary\" name=\"_continue\" value=\"1\">Save and "
	    "continue editing</button></div>\n</form>\n");
	return admin_page_end(c, HTTP_OK);
}

/* Inserts the user (hash may be ""); 1 with *id, 0 email taken, -1. */
static int
insert(struct admin_ctx *c, const struct admin_values *v, const char *hash,
    const char **id)
{
	char               now[ISO_TIME_SIZE];
	struct user_values u = {.email = admin_field_text(v, A_EMAIL),
	    .first_name = admin_field_text(v, A_FIRST),
	    .last_name = admin_field_text(v, A_LAST),
	    .password = hash,
	    .is_active = admin_field_bool(v, A_ACTIVE),
	    .is_staff = admin_field_bool(v, A_STAFF),
	    .is_superuser = admin_field_bool(v, A_SUPER),
	    .clerk_updated_at = DB_NO_INT,
	    .date_joined = now,
	    .now = now};
	int64_t            n = 0;
	int                rc;

	time_iso_from_ms(time_now_ms(), now);
	if ((rc = user_add(c->db, &u, &n)) == 1)
		*id = admin_printf(c, "%lld", (long long)n);
	return rc;
}

static int
user_add_view(struct admin_ctx *c)
{
	struct admin_values v;
	char                hash[PASSWORD_HASH_SIZE] = "";
	const char         *id = NULL;
	int                 rc, taken;
	size_t              errors;

	memset(&v, 0, sizeof(v));
	if (!c->is_post) {
		v.v[A_ACTIVE] = "1";
		return add_page(c, &v);
	}
	errors = admin_fields_read(c, add_fields, ARRAY_LEN(add_fields), &v);
	if (v.v[A_EMAIL] != NULL && v.err[A_EMAIL] == NULL) {
		if ((taken = email_taken(c, v.v[A_EMAIL], 0)) == -1)
			return admin_db_failed(c, "user email check");
		if (taken == 1) {
			v.err[A_EMAIL] = email_taken_msg;
			errors++;
		}
	}
	if ((v.v[A_PW1] != NULL || v.v[A_PW2] != NULL) &&
	    (v.v[A_PW1] == NULL || v.v[A_PW2] == NULL ||
	        strcmp(v.v[A_PW1], v.v[A_PW2]) != 0)) {
		v.err[A_PW2] =
		    "The two password fields didn\xE2\x80\x99t match.";
		errors++;
	}
	if (errors == 0 && v.v[A_PW1] != NULL &&
	    password_hash(v.v[A_PW1], strlen(v.v[A_PW1]), hash) == -1) {
		v.err[A_PW1] = "This password could not be hashed.";
		errors++;
	}
	if (errors > 0) {
		admin_message(c, ADMIN_ERROR,
		    "Please correct the errors below.");
		return add_page(c, &v);
	}
	if (admin_tx_begin(c) == -1)
		return admin_db_failed(c, "user add");
	if ((rc = insert(c, &v, hash, &id)) != 1) {
		(void)!db_rollback(c->db);
		if (rc == -1)
			return admin_db_failed(c, "user add");
		v.err[A_EMAIL] = email_taken_msg;
		admin_message(c, ADMIN_ERROR,
		    "Please correct the errors below.");
		return add_page(c, &v);
	}
	if (admin_log_write(c, "add", c->model->object_type, id, v.v[A_EMAIL],
	        "Added.") == -1 ||
	    admin_tx_commit(c) == -1)
		return admin_db_failed(c, "user add");
	return admin_saved(c, "added", v.v[A_EMAIL],
	    admin_url(c, c->model, id, "change"));
}

static int
user_delete_view(struct admin_ctx *c, const struct admin_object *o)
{
	struct admin_deletion d = {.erase = user_delete,
	    .related_sql =
	        "SELECT m.id, COALESCE(u.email, u.clerk_id, '') || ' in ' || "
	        "o.name || ' (' || m.role || ')' "
	        "FROM organization_memberships m JOIN users u ON u.id = "
	        "m.user_id JOIN organizations o ON o.id = m.organization_id "
	        "WHERE m.user_id = $1 ORDER BY o.name, m.id LIMIT 1000",
	    .note = o->clerk_id != NULL
	        ? "This user is mirrored from Clerk: unless it is deleted in "
	          "Clerk too, the next webhook or sync for it brings it back."
	        : NULL};

	/* A Clerk user is deleted in Clerk (DELETE /v1/users/{id}), and
	 * the rule of user.deleted removes it here. */
	if (o->clerk_id != NULL && admin_clerk_on(c)) {
		d.clerk_path =
		    admin_printf(c, "/v1/users/%s", admin_enc(c, o->clerk_id));
		d.clerk_event = "user.deleted";
		d.clerk_id = o->clerk_id;
	}
	return admin_delete_object(c, o, &d);
}

const struct admin_model admin_users_model = {
    .app = "users",
    .name = "user",
    .object_type = "users.user",
    .verbose = "user",
    .verbose_plural = "users",
    .title_plural = "Users",
    .read_only = false,
    .list = &user_list,
    .lookup = user_lookup,
    .change = user_change,
    .add = user_add_view,
    .del = user_delete_view,
};
