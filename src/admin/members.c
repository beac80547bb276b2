/*
 * The organization membership model (/admin/users/organizationmembership/):
 * changelist (filter by role, and by organization or user from the links
 * of their pages), add (user by email or Clerk id, organization by id,
 * Clerk id or slug), change (the role) and delete. Each save writes
 * admin_log in its transaction. With CLERK_SECRET_KEY set, a membership
 * of Clerk's is added, re-roled and removed through Clerk
 * (admin_member_write, which the organization's page uses too).
 */
#include "admin/model.h"

#include <jansson.h>
#include <string.h>

#include "accounts/memberships.h"
#include "admin/clerk_write.h"
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
	const char *user_clerk_id, *org_clerk_id; /* NULL: made here */
	const char *created_at, *updated_at;
};

static int
member_load(struct admin_ctx *c, const char *id, struct member *m)
{
	static const char *const sql =
	    "SELECT u.id, COALESCE(u.email, u.clerk_id, ''), o.id, o.name, "
	    "m.role, m.clerk_id, m.created_at, m.updated_at, u.clerk_id, "
	    "o.clerk_id FROM organization_memberships m JOIN users u ON "
	    "u.id = m.user_id JOIN organizations o ON o.id = "
	    "m.organization_id WHERE m.id = $1";
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
	m->user_clerk_id = admin_col(c, rows, 8);
	m->org_clerk_id = admin_col(c, rows, 9);
	db_rows_free(rows);
	return 1;
}

/* True when m is Clerk's and changes in Clerk (CLERK_SECRET_KEY set). */
static bool
through_clerk(const struct admin_ctx *c, const struct member *m)
{
	return m->clerk_id != NULL && m->user_clerk_id != NULL &&
	    m->org_clerk_id != NULL && admin_clerk_on(c);
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

/* The admin_log rows of a membership written through Clerk. */
static int
log_write(struct admin_ctx *c, const json_t *answer, const void *arg)
{
	static const char *const by_clerk =
	    "SELECT id, role FROM organization_memberships WHERE clerk_id = $1";
	const struct admin_member_write *w = arg;
	const char *action, *msg, *note, *id = w->id, *role;
	const char *clerk_id = json_string_value(json_object_get(answer, "id"));
	bool        page = w->org_id != NULL; /* the organization's page */

	if (w->id == NULL) {
		/* The rule of organizationMembership.created has made the row,
		 * unless the mirror held something newer: then the Clerk id. */
		switch (admin_resolve(c, by_clerk, clerk_id, &id, &role)) {
		case -1:
			return -1;
		case 0:
			id = clerk_id;
			break;
		default:
			break;
		}
		if (w->new_id != NULL)
			*w->new_id = id;
		action = "add";
		msg = admin_printf(c, "Added%s through Clerk, role %s.",
		    page ? " from the organization's page" : "", w->role);
		note = "Added organization membership";
	} else if (w->role == NULL) {
		action = "delete";
		msg = page ? "Deleted from the organization's page, through "
		             "Clerk."
		           : "Deleted through Clerk.";
		note = "Deleted organization membership";
	} else {
		action = "change";
		msg =
		    admin_printf(c, "Changed Role from %s to %s through Clerk.",
		        w->old_role, w->role);
		note = "Changed Role for organization membership";
	}
	if (admin_log_write(c, action, admin_members_model.object_type, id,
	        w->repr, msg) == -1)
		return -1;
	if (!page)
		return 0;
	return admin_log_write(c, "change", admin_orgs_model.object_type,
	    w->org_id, w->org_repr,
	    admin_printf(c, "%s \xE2\x80\x9C%s\xE2\x80\x9D through Clerk.",
	        note, w->repr));
}

enum admin_clerk_rc
admin_member_write(struct admin_ctx *c, const struct admin_member_write *w,
    struct admin_clerk_result *res)
{
	struct admin_clerk_call call = {.expect_id = w->clerk_id,
	    .log = log_write,
	    .arg = w};
	json_t                 *body = NULL;
	enum admin_clerk_rc     rc;

	/* Clerk's membership paths take the user's id, not the
	 * membership's (reference/clerk.md section 7). */
	if (w->id == NULL) {
		call.method = "POST";
		call.path = admin_printf(c, "/v1/organizations/%s/memberships",
		    admin_enc(c, w->org_clerk_id));
		call.event = "organizationMembership.created";
		body = json_pack("{s:s, s:s}", "user_id", w->user_clerk_id,
		    "role", w->role);
	} else {
		call.method = w->role == NULL ? "DELETE" : "PATCH";
		call.path =
		    admin_printf(c, "/v1/organizations/%s/memberships/%s",
		        admin_enc(c, w->org_clerk_id),
		        admin_enc(c, w->user_clerk_id));
		call.event = w->role == NULL ? "organizationMembership.deleted"
		                             : "organizationMembership.updated";
		call.log_first = w->role == NULL;
		if (w->role != NULL)
			body = json_pack("{s:s}", "role", w->role);
	}
	if (w->role != NULL && body == NULL) {
		/* The form's text is checked UTF-8: not reached. */
		res->error = "The form could not be encoded for Clerk.";
		res->param = NULL;
		return ADMIN_CLERK_REFUSED;
	}
	call.body = body;
	rc = admin_clerk_write(c, &call, res);
	json_decref(body);
	return rc;
}

static int
change_page(struct admin_ctx *c, const struct admin_object *o,
    const struct member *m, const struct admin_values *v, int status)
{
	bool edit = c->user.is_superuser;

	admin_object_head(c, o, edit ? "Change" : "View");
	admin_readonly(c, "ID", o->id);
	admin_readonly(c, "Clerk ID", m->clerk_id);
	admin_link_field(c, "User", &admin_users_model, m->user_id, m->user);
	admin_link_field(c, "Organization", &admin_orgs_model, m->org_id,
	    m->org);
	html_lit(&c->h, "<dt>Created</dt><dd>");
	admin_time(&c->h, m->created_at);
	html_lit(&c->h, "</dd>\n<dt>Updated</dt><dd>");
	admin_time(&c->h, m->updated_at);
	html_lit(&c->h, "</dd>\n</dl>\n");
	if (edit && through_clerk(c, m))
		admin_clerk_through_help(c);
	else if (edit && m->clerk_id != NULL)
		admin_clerk_local_notice(c, NULL);
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
	return admin_page_end(c, status);
}

/* The new role through Clerk; the page that says how it went. */
static int
change_through(struct admin_ctx *c, const struct admin_object *o,
    const struct member *m, struct admin_values *v)
{
	struct admin_member_write w = {.org_clerk_id = m->org_clerk_id,
	    .user_clerk_id = m->user_clerk_id,
	    .id = o->id,
	    .clerk_id = m->clerk_id,
	    .repr = o->repr,
	    .role = v->v[0],
	    .old_role = m->role};
	struct admin_clerk_result res;
	enum admin_clerk_rc       rc = admin_member_write(c, &w, &res);

	if (rc == ADMIN_CLERK_DB_ERROR)
		return admin_clerk_db_failed(c, "membership save");
	if (rc == ADMIN_CLERK_REFUSED)
		v->err[0] = res.error; /* the form's one field */
	if (rc != ADMIN_CLERK_DONE)
		return change_page(c, o, m, v,
		    admin_clerk_report(c, rc, &res, rc == ADMIN_CLERK_REFUSED,
		        0));
	return admin_saved(c, "changed", o->repr,
	    admin_url(c, c->model, o->id, "change"));
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
		return change_page(c, o, &m, &old, HTTP_OK);
	memset(&v, 0, sizeof(v));
	if (admin_fields_read(c, role_field, 1, &v) > 0) {
		admin_message(c, ADMIN_ERROR,
		    "Please correct the error below.");
		return change_page(c, o, &m, &v, HTTP_OK);
	}
	msg = admin_fields_changed(c, role_field, 1, &old, &v);
	if (through_clerk(c, &m) && strcmp(v.v[0], m.role) != 0)
		return change_through(c, o, &m, &v);
	time_iso_from_ms(time_now_ms(), now);
	if (admin_tx_begin(c) == -1)
		return admin_db_failed(c, "membership save");
	/* Unchanged, a membership of Clerk's is only logged, as Django logs
	 * a save that changed nothing. */
	if ((!through_clerk(c, &m) &&
	        membership_set_role(c->db, admin_id(o->id), admin_id(m.org_id),
	            v.v[0], now) == -1) ||
	    admin_log_write(c, "change", c->model->object_type, o->id, o->repr,
	        msg) == -1 ||
	    admin_tx_commit(c) == -1)
		return admin_db_failed(c, "membership save");
	return admin_saved(c, "changed", o->repr,
	    admin_url(c, c->model, o->id, "change"));
}

static int
add_page(struct admin_ctx *c, const struct admin_values *v, int status)
{
	admin_object_page_begin(c, "Add organization membership", NULL,
	    "Add organization membership");
	html_lit(&c->h, "<h1>Add organization membership</h1>\n");
	if (admin_clerk_on(c))
		html_lit(&c->h,
		    "<p class=\"help\" id=\"clerk-help\">A member of an "
		    "organization Clerk holds is added through Clerk, and "
		    "only a user Clerk knows can be one. If Clerk refuses, "
		    "nothing is added.</p>\n");
	else
		admin_clerk_local_notice(c,
		    "CLERK_SECRET_KEY is not set: a membership added here is "
		    "made in this database only, and Clerk is not told. For "
		    "an organization Clerk holds, the next Clerk event or "
		    "sync may remove it.");
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
	return admin_page_end(c, status);
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

/* The parties of a new membership, resolved from the add form. */
struct parties {
	const char *uid, *oid, *ulabel, *olabel;
	const char *user_clerk_id, *org_clerk_id; /* NULL: made here */
};

/* Resolves the form's user and organization into p; the errors, or -1. */
static int
add_read(struct admin_ctx *c, struct admin_values *v, struct parties *p)
{
	int errors, rc;

	memset(p, 0, sizeof(*p));
	errors =
	    (int)admin_fields_read(c, add_fields, ARRAY_LEN(add_fields), v);
	if (v->v[0] != NULL && v->err[0] == NULL) {
		if ((rc = admin_user_resolve(c, v->v[0], &p->uid,
		         &p->ulabel)) == -1 ||
		    (rc == 1 &&
		        admin_user_clerk_id(c, p->uid, &p->user_clerk_id) ==
		            -1))
			return -1;
		if (rc == 0)
			v->err[0] =
			    "No user has this email address or Clerk ID.";
	}
	if (v->v[1] != NULL && v->err[1] == NULL) {
		if ((rc = admin_org_resolve(c, v->v[1], &p->oid, &p->olabel)) ==
		        -1 ||
		    (rc == 1 &&
		        admin_org_clerk_id(c, p->oid, &p->org_clerk_id) == -1))
			return -1;
		if (rc == 0)
			v->err[1] = "No organization has this ID, Clerk ID or "
			            "slug.";
	}
	if (p->org_clerk_id != NULL && admin_clerk_on(c) && p->uid != NULL &&
	    p->user_clerk_id == NULL)
		v->err[0] = "This user was made here and Clerk does not know "
		            "it: only Clerk's users can join an organization "
		            "Clerk holds.";
	return errors + (v->err[0] != NULL && v->v[0] != NULL) +
	    (v->err[1] != NULL && v->v[1] != NULL);
}

/* The membership through Clerk; the page that says how it went. */
static int
add_through(struct admin_ctx *c, struct admin_values *v,
    const struct parties *p, const char *repr)
{
	const char               *id = NULL;
	struct admin_member_write w = {.org_clerk_id = p->org_clerk_id,
	    .user_clerk_id = p->user_clerk_id,
	    .repr = repr,
	    .role = v->v[2],
	    .new_id = &id};
	struct admin_clerk_result res;
	enum admin_clerk_rc       rc = admin_member_write(c, &w, &res);
	bool                      at_field = false;

	if (rc == ADMIN_CLERK_DB_ERROR)
		return admin_clerk_db_failed(c, "membership add");
	if (rc == ADMIN_CLERK_UNAPPLIED) {
		admin_flash(c, ADMIN_WARNING,
		    admin_clerk_words(c, rc, &res, false, 0));
		return admin_redirect(c->r, admin_url(c, c->model, NULL, NULL));
	}
	if (rc == ADMIN_CLERK_REFUSED && res.param != NULL) {
		at_field = strcmp(res.param, "role") == 0 ||
		    strcmp(res.param, "user_id") == 0;
		if (at_field)
			v->err[strcmp(res.param, "role") == 0 ? 2 : 0] =
			    res.error;
	}
	if (rc != ADMIN_CLERK_DONE)
		return add_page(c, v,
		    admin_clerk_report(c, rc, &res, at_field, 0));
	return admin_saved(c, "added", repr,
	    admin_url(c, c->model, id, "change"));
}

static int
member_add(struct admin_ctx *c)
{
	char                now[ISO_TIME_SIZE];
	struct admin_values v;
	struct parties      p;
	const char         *id = NULL, *repr;
	int                 rc;

	memset(&v, 0, sizeof(v));
	if (!c->is_post) {
		v.v[0] = req_query(c->r, "user");
		v.v[1] = req_query(c->r, "organization");
		v.v[2] = "org:member";
		return add_page(c, &v, HTTP_OK);
	}
	if ((rc = add_read(c, &v, &p)) == -1)
		return admin_db_failed(c, "membership parties");
	/* Required fields: an empty one has its error already. */
	if (rc > 0 || p.uid == NULL || p.oid == NULL || v.v[2] == NULL) {
		admin_message(c, ADMIN_ERROR,
		    "Please correct the errors below.");
		return add_page(c, &v, HTTP_OK);
	}
	repr = admin_printf(c, "%s in %s", p.ulabel, p.olabel);
	if (p.org_clerk_id != NULL && admin_clerk_on(c))
		return add_through(c, &v, &p, repr);
	if (admin_tx_begin(c) == -1)
		return admin_db_failed(c, "membership add");
	time_iso_from_ms(time_now_ms(), now);
	if ((rc = admin_member_add(c, p.uid, p.oid, v.v[2], now, &id)) != 1) {
		(void)!db_rollback(c->db);
		if (rc == -1)
			return admin_db_failed(c, "membership add");
		v.err[0] =
		    "This user is already a member of this organization.";
		admin_message(c, ADMIN_ERROR,
		    "Please correct the errors below.");
		return add_page(c, &v, HTTP_OK);
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
	struct admin_deletion d = {.erase = membership_delete,
	    .note = o->clerk_id != NULL
	        ? "This membership is mirrored from Clerk: unless it is "
	          "deleted in Clerk too, the next webhook or sync for it "
	          "brings it back."
	        : NULL};
	struct member         m;
	int                   rc;

	if ((rc = member_load(c, o->id, &m)) != 1)
		return rc == -1 ? admin_db_failed(c, "membership load")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This membership no longer exists.");
	if (through_clerk(c, &m)) {
		d.clerk_path =
		    admin_printf(c, "/v1/organizations/%s/memberships/%s",
		        admin_enc(c, m.org_clerk_id),
		        admin_enc(c, m.user_clerk_id));
		d.clerk_event = "organizationMembership.deleted";
		d.clerk_id = m.clerk_id;
	}
	return admin_delete_object(c, o, &d);
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
