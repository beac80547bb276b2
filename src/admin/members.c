/*
 * The organization membership model (/admin/users/organizationmembership/):
 * changelist (filter by role, and by organization or user from the links
 * of their pages), add (user by email or Clerk id, organization by id,
 * Clerk id or slug), change (the role) and delete. Each save writes
 * admin_log in its transaction.
 */
#include "admin/model.h"

#include <string.h>

#include "accounts/memberships.h"
#include "admin/deletion.h"
#include "admin/fields.h"
#include "admin/page.h"
#include "core/timeutil.h"

/* $1 role, $2 organization id, $3 user id, $4..$6 search words. */
#define MEM_WORD(n)                                                  \
	" AND (CAST(" n " AS text) IS NULL" ADMIN_LIKE("u.email", n) \
	    ADMIN_LIKE("o.name", n) ADMIN_LIKE("u.clerk_id", n) ")"
#define MEM_WHERE                                                       \
	" FROM organization_memberships m JOIN users u ON u.id = "      \
	"m.user_id JOIN organizations o ON o.id = m.organization_id "   \
	"WHERE (CAST($1 AS text) IS NULL OR m.role = $1) AND "          \
	"(CAST($2 AS bigint) IS NULL OR m.organization_id = $2) AND "   \
	"(CAST($3 AS bigint) IS NULL OR m.user_id = $3)" MEM_WORD("$4") \
	    MEM_WORD("$5") MEM_WORD("$6")
#define SORT(k, e) ADMIN_SORT("$7", k, e)
#define MEM_PAGE                                                        \
	"SELECT m.id, COALESCE(u.email, u.clerk_id), o.name, m.role, "  \
	"m.created_at" MEM_WHERE " ORDER BY " SORT(1, "lower(u.email)") \
	    SORT(2, "lower(o.name)") SORT(3, "m.role")                  \
	        SORT(4, "m.created_at") "m.id LIMIT $8 OFFSET $9"

static const struct admin_column mem_cols[] = {
    {"user", "User", ADMIN_COL_TEXT},
    {"organization", "Organization", ADMIN_COL_TEXT},
    {"role", "Role", ADMIN_COL_TEXT},
    {"created_at", "Created", ADMIN_COL_TIME},
};

static const struct admin_filter mem_filters[] = {
    {"role", "role", false, false, NULL,
        "SELECT DISTINCT role FROM organization_memberships ORDER BY role "
        "LIMIT 50"},
    {"organization", NULL, false, true, NULL, NULL},
    {"user", NULL, false, true, NULL, NULL},
};

static const struct admin_list mem_list = {
    .count_sql = {"SELECT count(*)" MEM_WHERE},
    .page_sql = {MEM_PAGE},
    .total_sql = "SELECT count(*) FROM organization_memberships",
    .cols = mem_cols,
    .ncols = ARRAY_LEN(mem_cols),
    .filters = mem_filters,
    .nfilters = ARRAY_LEN(mem_filters),
    .default_order = 2,
    .search_help = "User email or Clerk ID, organization name",
};

static const struct admin_field role_field[] = {
    {"role", "Role", ADMIN_F_ROLE, true, 64,
        "A Clerk role key: org:admin, org:member or a custom org:... role."},
};

static const struct admin_field add_fields[] = {
    {"user", "User", ADMIN_F_TEXT, true, 254,
        "Email address or Clerk user ID (user_...)."},
    {"organization", "Organization", ADMIN_F_TEXT, true, 256,
        "ID, Clerk ID (org_...) or slug."},
    {"role", "Role", ADMIN_F_ROLE, true, 64, NULL},
};

struct member {
	const char *user_id, *user, *org_id, *org, *role, *clerk_id;
	const char *created_at, *updated_at;
};

static int
member_load(struct admin_ctx *c, const char *id, struct member *m)
{
	static const char *const sql =
	    "SELECT u.id, COALESCE(u.email, u.clerk_id, ''), o.id, o.name, "
	    "m.role, m.clerk_id, m.created_at, m.updated_at "
	    "FROM organization_memberships m JOIN users u ON u.id = m.user_id "
	    "JOIN organizations o ON o.id = m.organization_id WHERE m.id = $1";
	struct db_rows *rows;
	int             rc;

	if ((rc = admin_row_by_id(c, sql, id, &rows)) != 1)
		return rc;
	m->user_id = admin_col(c, rows, 0);
	m->user = admin_col(c, rows, 1);
	m->org_id = admin_col(c, rows, 2);
	m->org = admin_col(c, rows, 3);
	m->role = admin_col(c, rows, 4);
	m->clerk_id = admin_col(c, rows, 5);
	m->created_at = admin_col(c, rows, 6);
	m->updated_at = admin_col(c, rows, 7);
	db_rows_free(rows);
	return 1;
}

static int
member_lookup(struct admin_ctx *c, const char *id, struct admin_object *o)
{
	struct member m;
	int           rc;

	if ((rc = member_load(c, id, &m)) != 1)
		return rc;
	o->id = arena_strndup(c->r->arena, id, strlen(id));
	o->repr = admin_printf(c, "%s in %s", m.user, m.org);
	o->clerk_id = m.clerk_id;
	o->created_at = m.created_at;
	return 1;
}

static void
link_dd(struct admin_ctx *c, const char *label, const struct admin_model *m,
    const char *id, const char *text)
{
	html_lit(&c->h, "<dt>");
	html_text(&c->h, label);
	html_lit(&c->h, "</dt><dd><a");
	html_url_attr(&c->h, "href", admin_url(c, m, id, "change"));
	html_lit(&c->h, ">");
	html_text(&c->h, text);
	html_lit(&c->h, "</a></dd>\n");
}

static int
change_page(struct admin_ctx *c, const struct admin_object *o,
    const struct member *m, const struct admin_values *v)
{
	bool edit = c->user.is_superuser;

	admin_object_page_begin(c, o->repr, o, NULL);
	if (edit)
		html_lit(&c->h, "<h1>Change organization membership</h1>\n");
	else
		html_lit(&c->h, "<h1>View organization membership</h1>\n");
	html_lit(&c->h, "<h2 class=\"muted\">");
	html_text(&c->h, o->repr);
	html_lit(&c->h, "</h2>\n<p><a class=\"btn btn-secondary\"");
	html_url_attr(&c->h, "href", admin_url(c, c->model, o->id, "history"));
	html_lit(&c->h, ">History</a></p>\n<dl class=\"fields\">\n");
	admin_readonly(c, "ID", o->id);
	admin_readonly(c, "Clerk ID", m->clerk_id);
	link_dd(c, "User", &admin_users_model, m->user_id, m->user);
	link_dd(c, "Organization", &admin_orgs_model, m->org_id, m->org);
	html_lit(&c->h, "<dt>Created</dt><dd>");
	admin_time(&c->h, m->created_at);
	html_lit(&c->h, "</dd>\n<dt>Updated</dt><dd>");
	admin_time(&c->h, m->updated_at);
	html_lit(&c->h, "</dd>\n</dl>\n");
	if (edit)
		admin_form_open(c, admin_url(c, c->model, o->id, "change"));
	else
		html_lit(&c->h, "<form>\n");
	html_lit(&c->h,
	    "<datalist id=\"role-choices\"><option value=\"org:admin\">"
	    "<option value=\"org:member\"></datalist>\n");
	admin_fields_render(c, role_field, 1, v, !edit);
	if (edit)
		admin_submit_row(c, admin_url(c, c->model, o->id, "delete"));
	html_lit(&c->h, "</form>\n");
	return admin_page_end(c, HTTP_OK);
}

static int
member_change(struct admin_ctx *c, const struct admin_object *o)
{
	struct member       m;
	struct admin_values old, v;
	char                now[ISO_TIME_SIZE];
	const char         *msg;
	int                 rc;

	if ((rc = member_load(c, o->id, &m)) != 1)
		return rc == -1 ? admin_db_failed(c, "membership load")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This membership no longer exists.");
	memset(&old, 0, sizeof(old));
	old.v[0] = m.role;
	if (!c->is_post)
		return change_page(c, o, &m, &old);
	memset(&v, 0, sizeof(v));
	if (admin_fields_read(c, role_field, 1, &v) > 0) {
		admin_message(c, ADMIN_ERROR,
		    "Please correct the error below.");
		return change_page(c, o, &m, &v);
	}
	msg = admin_fields_changed(c, role_field, 1, &old, &v);
	time_iso_from_ms(time_now_ms(), now);
	if (admin_tx_begin(c) == -1)
		return admin_db_failed(c, "membership save");
	if (membership_set_role(c->db, admin_id(o->id), admin_id(m.org_id),
	        v.v[0], now) == -1 ||
	    admin_log_write(c, "change", c->model->object_type, o->id, o->repr,
	        msg) == -1 ||
	    admin_tx_commit(c) == -1)
		return admin_db_failed(c, "membership save");
	return admin_saved(c, "changed", o->repr,
	    admin_url(c, c->model, o->id, "change"));
}

static int
add_page(struct admin_ctx *c, const struct admin_values *v)
{
	admin_object_page_begin(c, "Add organization membership", NULL,
	    "Add organization membership");
	html_lit(&c->h, "<h1>Add organization membership</h1>\n");
	admin_form_open(c, admin_url(c, c->model, NULL, "add"));
	html_lit(&c->h,
	    "<datalist id=\"role-choices\"><option value=\"org:admin\">"
	    "<option value=\"org:member\"></datalist>\n");
	admin_fields_render(c, add_fields, ARRAY_LEN(add_fields), v, false);
	html_lit(&c->h,
	    "<div class=\"form-actions\"><button type=\"submit\" "
	    "name=\"_save\" "
	    "value=\"1\">Save</button><button type=\"submit\" "
	    "class=\"btn-secondary\" name=\"_continue\" value=\"1\">Save and "
	    "continue editing</button></div>\n</form>\n");
	return admin_page_end(c, HTTP_OK);
}

int
admin_member_add(struct admin_ctx *c, const char *uid, const char *oid,
    const char *role, const char *now, const char **id)
{
	struct membership_values m = {.user_id = admin_id(uid),
	    .org_id = admin_id(oid),
	    .role = role,
	    .clerk_updated_at = DB_NO_INT,
	    .now = now};
	int64_t                  n = 0;
	int                      rc;

	if ((rc = membership_add(c->db, &m, &n)) == 1)
		*id = admin_printf(c, "%lld", (long long)n);
	return rc;
}

static int
member_add(struct admin_ctx *c)
{
	char                now[ISO_TIME_SIZE];
	struct admin_values v;
	const char         *uid = NULL, *oid = NULL, *ulabel = "", *olabel = "";
	const char         *id = NULL, *repr;
	size_t              errors;
	int                 rc;

	memset(&v, 0, sizeof(v));
	if (!c->is_post) {
		v.v[0] = req_query(c->r, "user");
		v.v[1] = req_query(c->r, "organization");
		v.v[2] = "org:member";
		return add_page(c, &v);
	}
	errors = admin_fields_read(c, add_fields, ARRAY_LEN(add_fields), &v);
	if (v.v[0] != NULL && v.err[0] == NULL) {
		if ((rc = admin_user_resolve(c, v.v[0], &uid, &ulabel)) == -1)
			return admin_db_failed(c, "membership user");
		if (rc == 0) {
			v.err[0] =
			    "No user has this email address or Clerk ID.";
			errors++;
		}
	}
	if (v.v[1] != NULL && v.err[1] == NULL) {
		if ((rc = admin_org_resolve(c, v.v[1], &oid, &olabel)) == -1)
			return admin_db_failed(c, "membership organization");
		if (rc == 0) {
			v.err[1] = "No organization has this ID, Clerk ID or "
			           "slug.";
			errors++;
		}
	}
	/* Required fields: an empty one has its error already. */
	if (errors > 0 || uid == NULL || oid == NULL || v.v[2] == NULL) {
		admin_message(c, ADMIN_ERROR,
		    "Please correct the errors below.");
		return add_page(c, &v);
	}
	repr = admin_printf(c, "%s in %s", ulabel, olabel);
	if (admin_tx_begin(c) == -1)
		return admin_db_failed(c, "membership add");
	time_iso_from_ms(time_now_ms(), now);
	if ((rc = admin_member_add(c, uid, oid, v.v[2], now, &id)) != 1) {
		(void)!db_rollback(c->db);
		if (rc == -1)
			return admin_db_failed(c, "membership add");
		v.err[0] =
		    "This user is already a member of this organization.";
		admin_message(c, ADMIN_ERROR,
		    "Please correct the errors below.");
		return add_page(c, &v);
	}
	if (admin_log_write(c, "add", c->model->object_type, id, repr,
	        "Added.") == -1 ||
	    admin_tx_commit(c) == -1)
		return admin_db_failed(c, "membership add");
	return admin_saved(c, "added", repr,
	    admin_url(c, c->model, id, "change"));
}

static int
member_delete(struct admin_ctx *c, const struct admin_object *o)
{
	return admin_delete_object(c, o, membership_delete, NULL,
	    o->clerk_id != NULL ? "This membership is mirrored from Clerk: "
	                          "unless it is deleted in Clerk too, the next "
	                          "webhook or sync for it brings it back."
	                        : NULL);
}

const struct admin_model admin_members_model = {
    .app = "users",
    .name = "organizationmembership",
    .object_type = "users.organizationmembership",
    .verbose = "organization membership",
    .verbose_plural = "organization memberships",
    .title_plural = "Organization memberships",
    .read_only = false,
    .list = &mem_list,
    .lookup = member_lookup,
    .change = member_change,
    .add = member_add,
    .del = member_delete,
};
