/*
 * The organization model (/admin/users/organization/): changelist, add,
 * delete, and a change page with an inline table of the organization's
 * memberships, saved by the same POST as Django's inline formsets: change a
 * role, tick "Delete" to remove a member, or fill an empty row (email or
 * Clerk user id, role) to add one. The whole save is one transaction with
 * an admin_log row for the organization and one per membership touched.
 * With CLERK_SECRET_KEY set, an organization of Clerk's changes in Clerk
 * first: its name and slug, each membership row and each new member are a
 * call each, applied with their log rows as they come (org_save_through).
 */
#include "admin/model.h"

#include <jansson.h>
#include <string.h>

#include "accounts/memberships.h"
#include "accounts/orgs.h"
#include "admin/clerk_write.h"
#include "admin/deletion.h"
#include "admin/fields.h"
#include "admin/page.h"
#include "core/timeutil.h"

#define INLINE_MAX 200 /* memberships shown inline; more: the changelist */
#define EXTRA_ROWS 3   /* empty rows for new members */
/* A row's "Delete?" checkbox: the name of Django's inline formsets. */
#define REMOVE_FIELD "m-%s-DELETE"

/* No filters; $1..$3 search words, $4 sort key, $5 limit, $6 offset. */
#define ORG_WORD(n)                                                 \
	" AND (CAST(" n " AS text) IS NULL" ADMIN_LIKE("o.name", n) \
	    ADMIN_LIKE("o.slug", n) ADMIN_LIKE("o.clerk_id", n) ")"
#define ORG_WHERE                                                         \
	" FROM organizations o WHERE 1 = 1" ORG_WORD("$1") ORG_WORD("$2") \
	    ORG_WORD("$3")
#define ORG_MEMBERS                                         \
	"(SELECT count(*) FROM organization_memberships m " \
	"WHERE m.organization_id = o.id)"
#define SORT(k, e) ADMIN_SORT("$4", k, e)
#define ORG_PAGE                                                             \
	"SELECT o.id, o.name, o.slug, o.clerk_id, " ORG_MEMBERS "" ORG_WHERE \
	" ORDER BY " SORT(1, "lower(o.name)") SORT(2, "o.slug")              \
	    SORT(3, "o.clerk_id")                                            \
	        SORT(4, ORG_MEMBERS) "o.id LIMIT $5 OFFSET $6"

static const struct admin_column org_cols[] = {
    {"name", "Name", ADMIN_COL_TEXT},
    {"slug", "Slug", ADMIN_COL_TEXT},
    {"clerk_id", "Clerk ID", ADMIN_COL_TEXT},
    {"members", "Members", ADMIN_COL_INT},
};

static const struct admin_list org_list = {
    .count_sql = {"SELECT count(*)" ORG_WHERE},
    .page_sql = {ORG_PAGE},
    .total_sql = "SELECT count(*) FROM organizations",
    .cols = org_cols,
    .ncols = ARRAY_LEN(org_cols),
    .default_order = 1,
    .search_help = "Name, slug or Clerk ID",
};

static const struct admin_field org_fields[] = {
    {"name", "Name", ADMIN_F_TEXT, true, 256, NULL},
    {"slug", "Slug", ADMIN_F_TEXT, false, 256, NULL},
    {"image_url", "Image URL", ADMIN_F_URL, false, 2048, NULL},
};

/* One membership row of the inline table. */
struct inline_row {
	const char *id, *user_id, *user_repr, *role; /* as stored */
	const char *clerk_id, *user_clerk_id;        /* NULL: made here */
	const char *new_role;                        /* as posted */
	bool        del;
	const char *err;
};

/* One empty row for a new member. */
struct new_row {
	const char *user, *role; /* as posted */
	const char *user_id, *user_repr, *user_clerk_id;
	const char *err;
};

struct org_form {
	struct admin_values old, v;
	const char         *clerk_id, *created_at, *updated_at;
	struct inline_row  *rows;
	size_t              nrows;
	int64_t             total; /* memberships, shown or not */
	struct new_row      extra[EXTRA_ROWS];
};

static const char *
org_repr(struct admin_ctx *c, const char *id, const char *name,
    const char *clerk_id)
{
	if (name != NULL && *name != '\0')
		return name;
	if (clerk_id != NULL && *clerk_id != '\0')
		return clerk_id;
	return admin_printf(c, "organization #%s", id);
}

static int
org_lookup(struct admin_ctx *c, const char *id, struct admin_object *o)
{
	static const char *const sql =
	    "SELECT id, name, clerk_id, created_at FROM organizations "
	    "WHERE id = $1";
	struct db_rows *rows;
	int             rc;

	if ((rc = admin_row_by_id(c, sql, id, &rows)) != 1)
		return rc;
	o->id = admin_col(c, rows, 0);
	o->clerk_id = admin_col(c, rows, 2);
	o->created_at = admin_col(c, rows, 3);
	o->repr = org_repr(c, o->id, admin_col(c, rows, 1), o->clerk_id);
	db_rows_free(rows);
	return 1;
}

int
admin_org_resolve(struct admin_ctx *c, const char *ref, const char **id,
    const char **label)
{
	static const char *const by_id =
	    "SELECT id, name FROM organizations WHERE id = $1";
	static const char *const by_ref =
	    "SELECT id, name FROM organizations WHERE clerk_id = $1 OR "
	    "slug = $1 ORDER BY id LIMIT 1";
	int64_t n;

	if (str_to_i64(str_from_cstr(ref), 1, INT64_MAX, &n) == 0)
		return admin_resolve(c, by_id, ref, id, label);
	return admin_resolve(c, by_ref, ref, id, label);
}

int
admin_org_clerk_id(struct admin_ctx *c, const char *id, const char **clerk_id)
{
	return admin_text_by_id(c,
	    "SELECT clerk_id FROM organizations WHERE id = $1", id, clerk_id);
}

static int
org_load(struct admin_ctx *c, const char *id, struct org_form *f)
{
	static const char *const sql =
	    "SELECT name, slug, image_url, clerk_id, created_at, updated_at, "
	    "(SELECT count(*) FROM organization_memberships m "
	    "WHERE m.organization_id = o.id) FROM organizations o WHERE id = "
	    "$1";
	static const char *const members =
	    "SELECT m.id, u.id, COALESCE(u.email, u.clerk_id, ''), m.role, "
	    "m.clerk_id, u.clerk_id FROM organization_memberships m JOIN "
	    "users u ON u.id = m.user_id WHERE m.organization_id = $1 ORDER "
	    "BY m.id LIMIT $2";
	struct db_param p[] = {DB_TEXT(id), DB_INT(INLINE_MAX)};
	struct db_rows *rows;
	int             rc, i;

	memset(f, 0, sizeof(*f));
	if ((rows = db_query(c->db, sql, p, 1)) == NULL)
		return -1;
	if ((rc = db_rows_next(rows)) == 1) {
		for (i = 0; i < 3; i++)
			f->old.v[i] = admin_col(c, rows, i);
		f->clerk_id = admin_col(c, rows, 3);
		f->created_at = admin_col(c, rows, 4);
		f->updated_at = admin_col(c, rows, 5);
		f->total = db_col_int(rows, 6);
	}
	db_rows_free(rows);
	if (rc != 1)
		return rc;
	f->v = f->old;
	f->rows = arena_alloc(c->r->arena, INLINE_MAX * sizeof(*f->rows));
	if ((rows = db_query(c->db, members, p, 2)) == NULL)
		return -1;
	while (f->nrows < INLINE_MAX && (rc = db_rows_next(rows)) == 1) {
		struct inline_row *r = &f->rows[f->nrows++];

		memset(r, 0, sizeof(*r));
		r->id = admin_col(c, rows, 0);
		r->user_id = admin_col(c, rows, 1);
		r->user_repr = admin_col(c, rows, 2);
		r->role = admin_col(c, rows, 3);
		r->clerk_id = admin_col(c, rows, 4);
		r->user_clerk_id = admin_col(c, rows, 5);
		r->new_role = r->role;
	}
	db_rows_free(rows);
	return rc == -1 ? -1 : 1;
}

static void
role_datalist(struct admin_ctx *c)
{
	html_lit(&c->h,
	    "<datalist id=\"role-choices\"><option value=\"org:admin\">"
	    "<option value=\"org:member\"></datalist>\n");
}

static void
inline_input(struct admin_ctx *c, const char *name, const char *value,
    const char *label, bool role, bool disabled, bool invalid)
{
	html_lit(&c->h, "<input type=\"text\"");
	html_attr(&c->h, "name", name);
	html_attr(&c->h, "value", value != NULL ? value : "");
	html_attr(&c->h, "aria-label", label);
	if (role)
		html_lit(&c->h, " list=\"role-choices\" maxlength=\"64\"");
	else
		html_lit(&c->h, " maxlength=\"254\"");
	if (invalid)
		html_lit(&c->h, " aria-invalid=\"true\"");
	if (disabled)
		html_lit(&c->h, " disabled");
	html_lit(&c->h, ">");
}

static void
error_cell(struct admin_ctx *c, const char *err)
{
	if (err == NULL)
		return;
	html_lit(&c->h, "<ul class=\"errorlist\"><li>");
	html_text(&c->h, err);
	html_lit(&c->h, "</li></ul>");
}

static void
inline_table(struct admin_ctx *c, const struct admin_object *o,
    const struct org_form *f, bool edit)
{
	size_t i;

	html_lit(&c->h,
	    "<h2 id=\"memberships\">Organization memberships</h2>\n");
	if (f->total > (int64_t)f->nrows) {
		html_lit(&c->h, "<p class=\"muted\">Showing the first ");
		html_int(&c->h, (int64_t)f->nrows);
		html_lit(&c->h, " of ");
		html_int(&c->h, f->total);
		html_lit(&c->h, ". <a");
		html_url_attr(&c->h, "href",
		    admin_printf(c,
		        "/admin/users/organizationmembership/"
		        "?organization=%s",
		        o->id));
		html_lit(&c->h, ">See them all</a>.</p>\n");
	}
	html_lit(&c->h,
	    "<div class=\"table-wrap\">\n<table id=\"inline-memberships\">\n"
	    "<thead><tr><th scope=\"col\">User</th><th scope=\"col\">"
	    "Role</th><th scope=\"col\">Delete?</th></tr></thead>\n"
	    "<tbody>\n");
	for (i = 0; i < f->nrows; i++) {
		const struct inline_row *r = &f->rows[i];

		html_lit(&c->h, "<tr><td><a");
		html_url_attr(&c->h, "href",
		    admin_url(c, &admin_users_model, r->user_id, "change"));
		html_lit(&c->h, ">");
		html_text(&c->h, r->user_repr);
		html_lit(&c->h, "</a></td><td>");
		inline_input(c, admin_printf(c, "m-%s-role", r->id),
		    r->new_role, admin_printf(c, "Role of %s", r->user_repr),
		    true, !edit, r->err != NULL);
		error_cell(c, r->err);
		html_lit(&c->h,
		    "</td><td><label><input type=\"checkbox\" "
		    "value=\"1\"");
		html_attr(&c->h, "name", admin_printf(c, REMOVE_FIELD, r->id));
		if (r->del)
			html_lit(&c->h, " checked");
		if (!edit)
			html_lit(&c->h, " disabled");
		html_lit(&c->h, ">Delete</label></td></tr>\n");
	}
	for (i = 0; edit && i < EXTRA_ROWS; i++) {
		const struct new_row *n = &f->extra[i];

		html_lit(&c->h, "<tr class=\"new-member\"><td>");
		inline_input(c, admin_printf(c, "new-%zu-user", i), n->user,
		    "New member: email or Clerk user ID", false, false,
		    n->err != NULL);
		error_cell(c, n->err);
		html_lit(&c->h, "</td><td>");
		inline_input(c, admin_printf(c, "new-%zu-role", i),
		    n->role != NULL ? n->role : "org:member",
		    "Role of the new member", true, false, false);
		html_lit(&c->h, "</td><td></td></tr>\n");
	}
	if (f->nrows == 0 && !edit)
		html_lit(&c->h,
		    "<tr><td colspan=\"3\" class=\"muted\">No "
		    "members.</td></tr>\n");
	html_lit(&c->h, "</tbody>\n</table>\n</div>\n");
	if (edit)
		html_lit(&c->h,
		    "<p class=\"help\">Add a member by email address or "
		    "Clerk user ID (user_...).</p>\n");
}

/* True when the organization of f changes in Clerk first. */
static bool
through_clerk(const struct admin_ctx *c, const struct org_form *f)
{
	return f->clerk_id != NULL && admin_clerk_on(c);
}

/* Clerk's PATCH takes no image (Clerk has its own upload): read-only. */
#define FROM_CLERK ADMIN_FIELD_BIT(2)

/* What the page says of where its changes go. */
static void
where_changes_go(struct admin_ctx *c, const struct org_form *f)
{
	if (through_clerk(c, f))
		admin_clerk_through_help(c);
	else if (f->clerk_id != NULL)
		admin_clerk_local_notice(c, NULL);
	else
		html_lit(&c->h,
		    "<p class=\"help\">This organization was made here and "
		    "Clerk does not know it: changes stay in this "
		    "database.</p>\n");
}

static int
change_page(struct admin_ctx *c, const struct admin_object *o,
    const struct org_form *f, int status)
{
	bool edit = c->user.is_superuser;

	admin_object_head(c, o, edit ? "Change" : "View");
	admin_readonly(c, "ID", o->id);
	admin_readonly(c, "Clerk ID", f->clerk_id);
	html_lit(&c->h, "<dt>Created</dt><dd>");
	admin_time(&c->h, f->created_at);
	html_lit(&c->h, "</dd>\n<dt>Updated</dt><dd>");
	admin_time(&c->h, f->updated_at);
	html_lit(&c->h, "</dd>\n</dl>\n");
	if (edit) {
		where_changes_go(c, f);
		admin_form_open(c, admin_url(c, c->model, o->id, "change"));
	} else {
		html_lit(&c->h, "<form>\n");
	}
	role_datalist(c);
	admin_fields_render_some(c, org_fields, ARRAY_LEN(org_fields), &f->v,
	    !edit                     ? ADMIN_ALL_FIELDS
	        : through_clerk(c, f) ? FROM_CLERK
	                              : 0);
	inline_table(c, o, f, edit);
	if (edit)
		admin_submit_row(c, admin_url(c, c->model, o->id, "delete"));
	html_lit(&c->h, "</form>\n");
	return admin_page_end(c, status);
}

/* Reads the inline rows of the POST into f; returns the errors (or -1). */
static int
read_inline(struct admin_ctx *c, struct org_form *f)
{
	size_t i, j;
	int    errors = 0, rc;

	for (i = 0; i < f->nrows; i++) {
		struct inline_row *r = &f->rows[i];
		const char        *role, *del;

		role = admin_form_get(&c->form,
		    admin_printf(c, "m-%s-role", r->id));
		del = admin_form_get(&c->form,
		    admin_printf(c, REMOVE_FIELD, r->id));
		if (role == NULL)
			continue; /* not on the page that was posted */
		r->del = del != NULL && *del != '\0';
		r->new_role = role;
		if (!r->del && !admin_role_ok(role)) {
			r->err = "Enter a role key such as org:admin or "
			         "org:member.";
			errors++;
		}
	}
	for (i = 0; i < EXTRA_ROWS; i++) {
		struct new_row *n = &f->extra[i];
		const char     *role;

		n->user = admin_form_get(&c->form,
		    admin_printf(c, "new-%zu-user", i));
		role = admin_form_get(&c->form,
		    admin_printf(c, "new-%zu-role", i));
		n->role = role;
		if (n->user == NULL || *n->user == '\0') {
			n->user = NULL;
			continue;
		}
		if (role == NULL || *role == '\0')
			n->role = "org:member";
		if (strlen(n->user) > 254 ||
		    !admin_text_ok(n->user, strlen(n->user), false)) {
			n->err = "Enter an email address or a Clerk user ID.";
			errors++;
			continue;
		}
		if (!admin_role_ok(n->role)) {
			n->err = "Enter a role key such as org:admin or "
			         "org:member.";
			errors++;
			continue;
		}
		if ((rc = admin_user_resolve(c, n->user, &n->user_id,
		         &n->user_repr)) == -1)
			return -1;
		if (rc == 0) {
			n->err = "No user has this email address or Clerk ID.";
			errors++;
			continue;
		}
		for (j = 0; j < f->nrows && n->err == NULL; j++) {
			if (strcmp(f->rows[j].user_id, n->user_id) == 0 &&
			    !f->rows[j].del)
				n->err = "This user is already a member.";
		}
		for (j = 0; j < i && n->err == NULL; j++) {
			if (f->extra[j].user_id != NULL &&
			    strcmp(f->extra[j].user_id, n->user_id) == 0)
				n->err = "This user is listed twice.";
		}
		if (n->err == NULL && through_clerk(c, f)) {
			if (admin_user_clerk_id(c, n->user_id,
			        &n->user_clerk_id) == -1)
				return -1;
			if (n->user_clerk_id == NULL)
				n->err =
				    "This user was made here and Clerk does "
				    "not know it: only Clerk's users can "
				    "join an organization Clerk holds.";
		}
		errors += n->err != NULL;
	}
	return errors;
}

/* The organization's columns from the change or add form. */
static struct org_values
org_values_of(const struct admin_values *v, const char *now)
{
	struct org_values o = {.name = admin_field_text(v, 0),
	    .slug = admin_field_text(v, 1),
	    .image_url = admin_field_text(v, 2),
	    .clerk_updated_at = DB_NO_INT,
	    .now = now};

	return o;
}

/* Appends "<what> “<repr>”." to the organization's change message. */
static void
note(struct buf *msg, const char *what, const char *repr)
{
	(void)!buf_appendf(msg, "%s%s \xE2\x80\x9C%s\xE2\x80\x9D.",
	    msg->len > 0 ? " " : "", what, repr);
}

/* A row of the inline table saved here, with its membership's log row;
 * msg gets the organization's note. 0, or -1 on a database error. */
static int
row_local(struct admin_ctx *c, const struct admin_object *o,
    const char *org_repr, const struct inline_row *r, const char *now,
    struct buf *msg)
{
	const char *mt = admin_members_model.object_type;
	const char *repr = admin_printf(c, "%s in %s", r->user_repr, org_repr);
	int64_t     org_id = admin_id(o->id);

	if (r->del) {
		if (membership_delete_in_org(c->db, admin_id(r->id), org_id) ==
		        -1 ||
		    admin_log_write(c, "delete", mt, r->id, repr,
		        "Deleted from the organization's page.") == -1)
			return -1;
		note(msg, "Deleted organization membership", repr);
	} else if (strcmp(r->new_role, r->role) != 0) {
		if (membership_set_role(c->db, admin_id(r->id), org_id,
		        r->new_role, now) == -1 ||
		    admin_log_write(c, "change", mt, r->id, repr,
		        admin_printf(c, "Changed Role from %s to %s.", r->role,
		            r->new_role)) == -1)
			return -1;
		note(msg, "Changed Role for organization membership", repr);
	}
	return 0;
}

/* A new row saved here: 0, -1 on a database error, -2 when the user
 * became a member meanwhile (a webhook). */
static int
add_local(struct admin_ctx *c, const struct admin_object *o,
    const char *org_repr, const struct new_row *n, const char *now,
    struct buf *msg)
{
	const char *id = NULL, *repr;
	int         rc;

	if ((rc = admin_member_add(c, n->user_id, o->id, n->role, now, &id)) !=
	    1)
		return rc == 0 ? -2 : -1;
	repr = admin_printf(c, "%s in %s", n->user_repr, org_repr);
	if (admin_log_write(c, "add", admin_members_model.object_type, id, repr,
	        admin_printf(c, "Added from the organization's page, role %s.",
	            n->role)) == -1)
		return -1;
	note(msg, "Added organization membership", repr);
	return 0;
}

static int
save_members(struct admin_ctx *c, const struct admin_object *o,
    const char *org_repr, struct org_form *f, const char *now, struct buf *msg)
{
	size_t i;
	int    rc;

	for (i = 0; i < f->nrows; i++) {
		if (row_local(c, o, org_repr, &f->rows[i], now, msg) == -1)
			return -1;
	}
	for (i = 0; i < EXTRA_ROWS; i++) {
		if (f->extra[i].user_id != NULL &&
		    (rc = add_local(c, o, org_repr, &f->extra[i], now, msg)) !=
		        0)
			return rc;
	}
	return 0;
}

/* The save in one transaction; -2 when a membership conflicted. */
static int
org_save(struct admin_ctx *c, const struct admin_object *o, struct org_form *f)
{
	const char       *fields = admin_fields_changed(c, org_fields,
	          ARRAY_LEN(org_fields), &f->old, &f->v);
	const char       *repr = org_repr(c, o->id, f->v.v[0], f->clerk_id);
	char              now[ISO_TIME_SIZE];
	struct org_values v = org_values_of(&f->v, now);
	struct buf        msg;
	int               rc = -1, members = 0;

	time_iso_from_ms(time_now_ms(), now);
	buf_init(&msg, 0);
	if (strcmp(fields, "No fields changed.") != 0)
		(void)!buf_append_cstr(&msg, fields);
	if (admin_tx_begin(c) == -1)
		goto out;
	if (org_update(c->db, admin_id(o->id), &v) == -1 ||
	    (members = save_members(c, o, repr, f, now, &msg)) != 0 ||
	    admin_log_write(c, "change", c->model->object_type, o->id, repr,
	        msg.len > 0 ? msg.data : "No fields changed.") == -1 ||
	    admin_tx_commit(c) == -1) {
		rc = members == -2 || db_is_unique_violation(c->db) ? -2 : -1;
		(void)!db_rollback(c->db);
		goto out;
	}
	rc = admin_saved(c, "changed", repr,
	    admin_url(c, c->model, o->id, "change"));
out:
	buf_cleanup(&msg);
	return rc;
}

/*
 * A save of the organization's page through Clerk (DESIGN section 12.3):
 * one call at a time (the name and slug, then each membership row, then
 * each new member), each applied with its log rows in its own
 * transaction; the first that does not go through stops the save, and
 * what Clerk made before it stays made.
 */
struct through {
	struct admin_ctx          *c;
	const struct admin_object *o;
	struct org_form           *f;
	const char                *repr; /* the organization's, as saved */
	size_t                     done; /* the calls Clerk made */
	struct admin_clerk_result  res;
	const char               **err;    /* the field or row Clerk named */
	const char                *fields; /* "Changed Name." */
};

static int
log_org(struct admin_ctx *c, const json_t *answer, const void *arg)
{
	const struct through *t = arg;

	(void)answer;
	return admin_log_write(c, "change", admin_orgs_model.object_type,
	    t->o->id, t->repr, admin_clerk_through(c, t->fields));
}

/* The name and slug, when changed: PATCH /v1/organizations/{id}. */
static enum admin_clerk_rc
patch_org(struct through *t)
{
	struct org_form        *f = t->f;
	struct admin_clerk_call call = {.method = "PATCH",
	    .path = admin_printf(t->c, "/v1/organizations/%s",
	        admin_enc(t->c, f->clerk_id)),
	    .event = "organization.updated",
	    .expect_id = f->clerk_id,
	    .log = log_org,
	    .arg = t};
	json_t                 *body = json_object();
	enum admin_clerk_rc     rc = ADMIN_CLERK_DONE;

	if (!admin_fields_same(f->old.v[0], f->v.v[0]))
		(void)json_object_set_new(body, "name", json_string(f->v.v[0]));
	if (!admin_fields_same(f->old.v[1], f->v.v[1]))
		(void)json_object_set_new(body, "slug",
		    f->v.v[1] != NULL ? json_string(f->v.v[1]) : json_null());
	if (body != NULL && json_object_size(body) > 0) {
		call.body = body;
		if ((rc = admin_clerk_write(t->c, &call, &t->res)) ==
		        ADMIN_CLERK_REFUSED &&
		    t->res.param != NULL) {
			if (strcmp(t->res.param, "name") == 0)
				t->err = &f->v.err[0];
			else if (strcmp(t->res.param, "slug") == 0)
				t->err = &f->v.err[1];
		}
		t->done += rc == ADMIN_CLERK_DONE;
	}
	json_decref(body);
	return rc;
}

/* A row without Clerk's ids (a membership made here) saved here, in its
 * own transaction. */
static enum admin_clerk_rc
row_here(struct through *t, const struct inline_row *r)
{
	struct admin_ctx *c = t->c;
	char              now[ISO_TIME_SIZE];
	struct buf        msg;
	int               rc = -1;

	time_iso_from_ms(time_now_ms(), now);
	buf_init(&msg, 0);
	if (admin_tx_begin(c) == 0 &&
	    row_local(c, t->o, t->repr, r, now, &msg) == 0 &&
	    admin_log_write(c, "change", admin_orgs_model.object_type, t->o->id,
	        t->repr, msg.data != NULL ? msg.data : "") == 0)
		rc = admin_tx_commit(c);
	buf_cleanup(&msg);
	if (rc == -1) {
		(void)!db_rollback(c->db);
		return ADMIN_CLERK_DB_ERROR;
	}
	t->done++;
	return ADMIN_CLERK_DONE;
}

/* A membership row removed or re-roled through Clerk. */
static enum admin_clerk_rc
row_through(struct through *t, struct inline_row *r)
{
	struct admin_member_write w = {.org_clerk_id = t->f->clerk_id,
	    .user_clerk_id = r->user_clerk_id,
	    .id = r->id,
	    .clerk_id = r->clerk_id,
	    .repr = admin_printf(t->c, "%s in %s", r->user_repr, t->repr),
	    .role = r->del ? NULL : r->new_role,
	    .old_role = r->role,
	    .org_id = t->o->id,
	    .org_repr = t->repr};
	enum admin_clerk_rc       rc;

	if (!r->del && strcmp(r->new_role, r->role) == 0)
		return ADMIN_CLERK_DONE;
	if (r->clerk_id == NULL || r->user_clerk_id == NULL)
		return row_here(t, r);
	if ((rc = admin_member_write(t->c, &w, &t->res)) == ADMIN_CLERK_DONE)
		t->done++;
	else
		t->err = &r->err;
	return rc;
}

/* A new member added through Clerk. */
static enum admin_clerk_rc
add_through(struct through *t, struct new_row *n)
{
	struct admin_member_write w = {.org_clerk_id = t->f->clerk_id,
	    .user_clerk_id = n->user_clerk_id,
	    .repr = admin_printf(t->c, "%s in %s", n->user_repr, t->repr),
	    .role = n->role,
	    .org_id = t->o->id,
	    .org_repr = t->repr};
	enum admin_clerk_rc       rc;

	if ((rc = admin_member_write(t->c, &w, &t->res)) == ADMIN_CLERK_DONE)
		t->done++;
	else
		t->err = &n->err;
	return rc;
}

/* The page after a call that did not go through. */
static int
through_failed(struct through *t, enum admin_clerk_rc rc)
{
	struct admin_ctx *c = t->c;
	bool              at = rc == ADMIN_CLERK_REFUSED && t->err != NULL;
	int               status;

	if (rc == ADMIN_CLERK_DB_ERROR)
		return admin_clerk_db_failed(c, "organization save");
	if (t->done == 0 && rc != ADMIN_CLERK_UNAPPLIED) {
		/* Nothing changed: the form as it was posted. */
		if (at)
			*t->err = t->res.error;
		status = admin_clerk_report(c, rc, &t->res, at, 0);
		return change_page(c, t->o, t->f, status);
	}
	/* What Clerk made stays made: the organization as it is now. */
	status = admin_clerk_report(c, rc, &t->res, false, t->done);
	if (org_load(c, t->o->id, t->f) != 1)
		return admin_db_failed(c, "organization load");
	return change_page(c, t->o, t->f, status);
}

static int
org_save_through(struct admin_ctx *c, const struct admin_object *o,
    struct org_form *f)
{
	struct through      t = {.c = c,
	         .o = o,
	         .f = f,
	         .repr = org_repr(c, o->id, f->v.v[0], f->clerk_id),
	         .fields = admin_fields_changed(c, org_fields, ARRAY_LEN(org_fields),
	             &f->old, &f->v)};
	enum admin_clerk_rc rc = patch_org(&t);
	size_t              i;

	for (i = 0; rc == ADMIN_CLERK_DONE && i < f->nrows; i++)
		rc = row_through(&t, &f->rows[i]);
	for (i = 0; rc == ADMIN_CLERK_DONE && i < EXTRA_ROWS; i++) {
		if (f->extra[i].user_id != NULL)
			rc = add_through(&t, &f->extra[i]);
	}
	if (rc != ADMIN_CLERK_DONE)
		return through_failed(&t, rc);
	/* Nothing to ask Clerk: logged, as Django logs such a save. */
	if (t.done == 0 &&
	    (admin_tx_begin(c) == -1 ||
	        admin_log_write(c, "change", c->model->object_type, o->id,
	            t.repr, "No fields changed.") == -1 ||
	        admin_tx_commit(c) == -1))
		return admin_db_failed(c, "organization save");
	return admin_saved(c, "changed", t.repr,
	    admin_url(c, c->model, o->id, "change"));
}

static int
org_change(struct admin_ctx *c, const struct admin_object *o)
{
	struct org_form f;
	int             rc, errors;

	if ((rc = org_load(c, o->id, &f)) != 1)
		return rc == -1 ? admin_db_failed(c, "organization load")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This organization no longer exists.");
	if (!c->is_post)
		return change_page(c, o, &f, HTTP_OK);
	errors = (int)admin_fields_read_some(c, org_fields,
	    ARRAY_LEN(org_fields), &f.v, through_clerk(c, &f) ? FROM_CLERK : 0);
	if ((rc = read_inline(c, &f)) == -1)
		return admin_db_failed(c, "membership lookup");
	errors += rc;
	if (errors == 0 && through_clerk(c, &f))
		return org_save_through(c, o, &f);
	if (errors == 0) {
		if ((rc = org_save(c, o, &f)) >= 0)
			return rc;
		if (rc == -1)
			return admin_db_failed(c, "organization save");
		admin_message(c, ADMIN_ERROR,
		    "A membership changed while you were editing (a webhook "
		    "may have added it). Review the table and save again.");
		if (org_load(c, o->id, &f) != 1)
			return admin_db_failed(c, "organization load");
		return change_page(c, o, &f, HTTP_OK);
	}
	admin_message(c, ADMIN_ERROR, "Please correct the errors below.");
	return change_page(c, o, &f, HTTP_OK);
}

static int
add_page(struct admin_ctx *c, const struct admin_values *v)
{
	admin_object_page_begin(c, "Add organization", NULL,
	    "Add organization");
	html_lit(&c->h,
	    "<h1>Add organization</h1>\n<p class=\"help\">An "
	    "organization added here is this database's own: Clerk does not "
	    "know it, and its changes stay here.</p>\n");
	admin_form_open(c, admin_url(c, c->model, NULL, "add"));
	admin_fields_render(c, org_fields, ARRAY_LEN(org_fields), v, false);
	html_lit(&c->h,
	    "<p class=\"help\">Members can be added on the next page.</p>\n"
	    "<div class=\"form-actions\"><button type=\"submit\" "
	    "name=\"_save\" "
	    "value=\"1\">Save</button><button type=\"submit\" "
	    "class=\"btn-secondary\" name=\"_continue\" value=\"1\">Save and "
	    "continue editing</button></div>\n</form>\n");
	return admin_page_end(c, HTTP_OK);
}

static int
org_add_view(struct admin_ctx *c)
{
	struct admin_values v;
	struct org_values   o;
	char                now[ISO_TIME_SIZE];
	int64_t             id = 0;

	memset(&v, 0, sizeof(v));
	if (!c->is_post)
		return add_page(c, &v);
	if (admin_fields_read(c, org_fields, ARRAY_LEN(org_fields), &v) > 0) {
		admin_message(c, ADMIN_ERROR,
		    "Please correct the errors below.");
		return add_page(c, &v);
	}
	time_iso_from_ms(time_now_ms(), now);
	o = org_values_of(&v, now);
	if (admin_tx_begin(c) == -1)
		return admin_db_failed(c, "organization add");
	/* Without a clerk_id nothing can conflict: 1 or an error. */
	if (org_add(c->db, &o, &id) != 1)
		return admin_db_failed(c, "organization add");
	const char *ids = admin_printf(c, "%lld", (long long)id);

	if (admin_log_write(c, "add", c->model->object_type, ids, v.v[0],
	        "Added.") == -1 ||
	    admin_tx_commit(c) == -1)
		return admin_db_failed(c, "organization add");
	return admin_saved(c, "added", v.v[0],
	    admin_url(c, c->model, ids, "change"));
}

static int
org_delete_view(struct admin_ctx *c, const struct admin_object *o)
{
	struct admin_deletion d = {.erase = org_delete,
	    .related_sql =
	        "SELECT m.id, COALESCE(u.email, u.clerk_id, '') || ' in ' || "
	        "o.name || ' (' || m.role || ')' FROM "
	        "organization_memberships m "
	        "JOIN users u ON u.id = m.user_id JOIN organizations o ON "
	        "o.id = m.organization_id WHERE m.organization_id = $1 "
	        "ORDER BY m.id LIMIT 1000",
	    .note = o->clerk_id != NULL
	        ? "This organization is mirrored from Clerk: unless it is "
	          "deleted in Clerk too, the next webhook or sync for it "
	          "brings it back."
	        : NULL};

	/* Clerk deletes its memberships and invitations with it; the rule
	 * of organization.deleted removes it here, and they follow. */
	if (o->clerk_id != NULL && admin_clerk_on(c)) {
		d.clerk_path = admin_printf(c, "/v1/organizations/%s",
		    admin_enc(c, o->clerk_id));
		d.clerk_event = "organization.deleted";
		d.clerk_id = o->clerk_id;
	}
	return admin_delete_object(c, o, &d);
}

const struct admin_model admin_orgs_model = {
    .app = "users",
    .name = "organization",
    .object_type = "users.organization",
    .verbose = "organization",
    .verbose_plural = "organizations",
    .title_plural = "Organizations",
    .read_only = false,
    .list = &org_list,
    .lookup = org_lookup,
    .change = org_change,
    .add = org_add_view,
    .del = org_delete_view,
};
