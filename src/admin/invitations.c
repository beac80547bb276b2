/*
 * Organization invitations (/admin/users/organizationinvitation/, DESIGN
 * sections 8 and 12.3): the mirror of Clerk's invitations. The changelist
 * filters by status as read (a pending invitation past its expires_at
 * reads "expired", as the API shows it) and searches emails and
 * organizations. "Add" invites through Clerk (POST
 * /v1/organizations/{org}/invitations; Clerk sends the email) and
 * "Revoke" revokes through Clerk: each answer goes through the rule of its
 * webhook with the admin_log row, in one transaction. Invitations are
 * Clerk's: without CLERK_SECRET_KEY nothing here changes them.
 */
#include "admin/admin.h"

#include <jansson.h>
#include <string.h>

#include "admin/clerk_write.h"
#include "admin/fields.h"
#include "admin/model.h"
#include "admin/page.h"
#include "core/timeutil.h"

/* The status as read: pending past expires_at is expired. */
#define INV_STATUS(NOW)                                                     \
	"(CASE WHEN i.status = 'pending' AND i.expires_at IS NOT NULL AND " \
	"i.expires_at < " NOW " THEN 'expired' ELSE i.status END)"
/* $1 status, $2 organization id, $3..$5 search words. */
#define INV_WORD(n)                                                          \
	" AND (CAST(" n " AS text) IS NULL" ADMIN_LIKE("i.email_address", n) \
	    ADMIN_LIKE("o.name", n) ADMIN_LIKE("i.clerk_id", n) ")"
#define INV_WHERE(NOW)                                                      \
	" FROM organization_invitations i JOIN organizations o ON o.id = "  \
	"i.organization_id WHERE (CAST($1 AS text) IS NULL OR " INV_STATUS( \
	    NOW) " = $1) AND (CAST($2 AS bigint) IS NULL OR "               \
	         "i.organization_id = $2)" INV_WORD("$3") INV_WORD("$4")    \
	             INV_WORD("$5")
#define SORT(k, e) ADMIN_SORT("$6", k, e)
#define INV_PAGE(NOW, MS)                                                        \
	"SELECT i.id, i.email_address, COALESCE(NULLIF(o.name, ''), "            \
	"o.clerk_id), i.role, " INV_STATUS(NOW) ", " MS(                         \
	    "i.expires_at") ", i.created_at" INV_WHERE(NOW) " ORDER BY " SORT(1, \
	    "lower(i.email_address)") SORT(2, "lower(o.name)")                   \
	    SORT(3, "i.role") SORT(4, INV_STATUS(NOW)) SORT(5, "i.expires_at")   \
	        SORT(6, "i.created_at") "i.id DESC LIMIT $7 OFFSET $8"

static const struct admin_column inv_cols[] = {
    {"email", "Email address", ADMIN_COL_TEXT},
    {"organization", "Organization", ADMIN_COL_TEXT},
    {"role", "Role", ADMIN_COL_TEXT},
    {"status", "Status", ADMIN_COL_TEXT},
    {"expires_at", "Expires", ADMIN_COL_TIME},
    {"created_at", "Created", ADMIN_COL_TIME},
};

static const char *const statuses[] = {"pending", "accepted", "revoked",
    "expired", NULL};

static const struct admin_filter inv_filters[] = {
    {"status", "status", false, false, statuses, NULL},
    {"organization", NULL, false, true, NULL, NULL},
};

static const struct admin_list inv_list = {
    .count_sql = {"SELECT count(*)" INV_WHERE(ADMIN_NOW_MS_SQLITE),
        "SELECT count(*)" INV_WHERE(ADMIN_NOW_MS_PG)},
    .page_sql = {INV_PAGE(ADMIN_NOW_MS_SQLITE, ADMIN_MS_SQLITE),
        INV_PAGE(ADMIN_NOW_MS_PG, ADMIN_MS_PG)},
    .total_sql = "SELECT count(*) FROM organization_invitations",
    .cols = inv_cols,
    .ncols = ARRAY_LEN(inv_cols),
    .filters = inv_filters,
    .nfilters = ARRAY_LEN(inv_filters),
    .default_order = -6,
    .search_help = "Email address or organization",
};

static const struct admin_field invite_fields[] = {
    {"organization", "Organization", ADMIN_F_TEXT, true, 256,
        "ID, Clerk ID (org_...) or slug."},
    {"email_address", "Email address", ADMIN_F_EMAIL, true, 254,
        "Clerk sends the invitation to this address."},
    {"role", "Role", ADMIN_F_ROLE, true, 64,
        "A Clerk role key: org:admin, org:member or a custom org:... role."},
};

enum {
	I_ORG,
	I_EMAIL,
	I_ROLE
};

struct invitation {
	const char *clerk_id, *email, *role, *status, *org_id, *org;
	const char *org_clerk_id, *inviter, *user, *created_at, *updated_at;
	int64_t     expires_at, clerk_updated_at; /* ms or DB_NO_INT */
};

static int
invitation_load(struct admin_ctx *c, const char *id, struct invitation *v)
{
	static const char *const sql =
	    "SELECT i.clerk_id, i.email_address, i.role, i.status, o.id, "
	    "COALESCE(NULLIF(o.name, ''), o.clerk_id), o.clerk_id, "
	    "i.inviter_clerk_id, i.user_clerk_id, i.expires_at, "
	    "i.clerk_updated_at, i.created_at, i.updated_at "
	    "FROM organization_invitations i JOIN organizations o "
	    "ON o.id = i.organization_id WHERE i.id = $1";
	struct db_rows *rows;
	int             rc;

	memset(v, 0, sizeof(*v));
	if ((rc = admin_row_by_id(c, sql, id, &rows)) != 1)
		return rc;
	v->clerk_id = admin_col(c, rows, 0);
	v->email = admin_col(c, rows, 1);
	v->role = admin_col(c, rows, 2);
	v->status = admin_col(c, rows, 3);
	v->org_id = admin_col(c, rows, 4);
	v->org = admin_col(c, rows, 5);
	v->org_clerk_id = admin_col(c, rows, 6);
	v->inviter = admin_col(c, rows, 7);
	v->user = admin_col(c, rows, 8);
	v->expires_at = admin_col_ms(rows, 9);
	v->clerk_updated_at = admin_col_ms(rows, 10);
	v->created_at = admin_col(c, rows, 11);
	v->updated_at = admin_col(c, rows, 12);
	db_rows_free(rows);
	/* As the changelist and the API read it (DESIGN section 12.2). */
	if (strcmp(v->status, "pending") == 0 && v->expires_at != DB_NO_INT &&
	    v->expires_at < time_now_ms())
		v->status = "expired";
	return 1;
}

static int
invitation_lookup(struct admin_ctx *c, const char *id, struct admin_object *o)
{
	return admin_object_by_id(c,
	    "SELECT id, email_address, clerk_id, created_at FROM "
	    "organization_invitations WHERE id = $1",
	    id, o);
}

static int
invitation_page(struct admin_ctx *c, const struct admin_object *o, int status)
{
	struct invitation v;
	int               rc;

	if ((rc = invitation_load(c, o->id, &v)) != 1)
		return rc == -1 ? admin_db_failed(c, "invitation load")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This invitation no longer exists.");
	admin_object_head(c, o, "View");
	admin_readonly(c, "Clerk ID", v.clerk_id);
	admin_readonly(c, "Email address", v.email);
	admin_link_field(c, "Organization", &admin_orgs_model, v.org_id, v.org);
	admin_readonly(c, "Role", v.role);
	admin_readonly(c, "Status", v.status);
	admin_readonly(c, "Invited by (Clerk user ID)", v.inviter);
	admin_readonly(c, "Accepted by (Clerk user ID)", v.user);
	admin_ms_field(c, "Expires", v.expires_at);
	admin_mirror_times(c, v.clerk_updated_at, v.created_at, v.updated_at);
	/* A pending invitation past expires_at reads expired: not offered. */
	if (strcmp(v.status, "pending") == 0)
		admin_clerk_revoke_form(c, o, "an invitation",
		    "Asks Clerk to revoke this invitation: its link stops "
		    "working.");
	return admin_page_end(c, status);
}

static int
invitation_view(struct admin_ctx *c, const struct admin_object *o)
{
	if (c->is_post)
		return admin_error(c, HTTP_FORBIDDEN, "Forbidden (403)",
		    "An invitation cannot be changed: revoke it and invite "
		    "again.");
	return invitation_page(c, o, HTTP_OK);
}

int
admin_invitation_revoke(struct req *r)
{
	struct admin_ctx         *c = r->gate_ctx;
	struct admin_object       o;
	struct invitation         v;
	struct admin_clerk_revoke rv = {
	    .event = "organizationInvitation.revoked",
	    .page = invitation_page,
	};
	struct str id = req_param(r, "id");
	bool       made;
	int        found;

	if (c == NULL)
		return HTTP_INTERNAL_ERROR;
	c->model = &admin_invitations_model;
	memset(&o, 0, sizeof(o));
	if ((found = invitation_lookup(c, arena_strndup(r->arena, id.p, id.len),
	         &o)) == 1)
		found = invitation_load(c, o.id, &v);
	if (found != 1)
		return found == -1 ? admin_db_failed(c, "invitation lookup")
		                   : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                         "This invitation no longer exists.");
	if (!admin_clerk_on(c)) {
		admin_message(c, ADMIN_ERROR,
		    "Revoking needs CLERK_SECRET_KEY: the invitation is "
		    "Clerk's, and only Clerk can revoke it. Nothing was "
		    "changed.");
		return invitation_page(c, &o, HTTP_OK);
	}
	rv.path = admin_printf(c, "/v1/organizations/%s/invitations/%s/revoke",
	    admin_enc(c, v.org_clerk_id), admin_enc(c, v.clerk_id));
	rv.clerk_id = v.clerk_id;
	return admin_clerk_revoke(c, &o, &rv, &made);
}

static int
invite_page(struct admin_ctx *c, const struct admin_values *v, int status)
{
	bool on = admin_clerk_on(c);

	admin_object_page_begin(c, "Add organization invitation", NULL,
	    "Add organization invitation");
	html_lit(&c->h, "<h1>Add organization invitation</h1>\n");
	if (!on)
		html_lit(&c->h,
		    "<ul class=\"messages\" id=\"clerk-notice\"><li "
		    "class=\"warning\">Inviting goes through Clerk, which "
		    "holds invitations and sends their emails: set "
		    "CLERK_SECRET_KEY to invite from here.</li></ul>\n");
	else
		admin_clerk_through_help(c);
	admin_form_open(c, admin_url(c, c->model, NULL, "add"));
	html_lit(&c->h,
	    "<datalist id=\"role-choices\"><option value=\"org:admin\">"
	    "<option value=\"org:member\"></datalist>\n");
	admin_fields_render(c, invite_fields, ARRAY_LEN(invite_fields), v, !on);
	if (on)
		html_lit(&c->h,
		    "<div class=\"form-actions\"><button type=\"submit\" "
		    "name=\"_save\" value=\"1\">Invite</button></div>\n");
	html_lit(&c->h, "</form>\n");
	return admin_page_end(c, status);
}

/* What the log row of an invitation made through Clerk needs. */
struct invite {
	const char  *email, *role;
	const char **id; /* out: the local id, or NULL when not mirrored */
};

static int
log_invite(struct admin_ctx *c, const json_t *answer, const void *arg)
{
	static const char *const sql =
	    "SELECT id, email_address FROM organization_invitations WHERE "
	    "clerk_id = $1";
	const struct invite *in = arg;
	const char *clerk_id = json_string_value(json_object_get(answer, "id"));
	const char *label;
	int         rc;

	/* The rule of organizationInvitation.created has made the row,
	 * unless the mirror held something newer: then the Clerk id. */
	if ((rc = admin_resolve(c, sql, clerk_id, in->id, &label)) == -1)
		return -1;
	return admin_log_write(c, "add", c->model->object_type,
	    rc == 1 ? *in->id : clerk_id, in->email,
	    admin_printf(c, "Invited through Clerk, role %s.", in->role));
}

/* Reads and checks the form; the organization's Clerk id into *org. */
static int
invite_read(struct admin_ctx *c, struct admin_values *v, const char **org)
{
	const char *id = NULL, *label = NULL;
	size_t      errors;
	int         rc;

	*org = NULL;
	errors =
	    admin_fields_read(c, invite_fields, ARRAY_LEN(invite_fields), v);
	if (v->v[I_ORG] == NULL || v->err[I_ORG] != NULL)
		return (int)errors;
	if ((rc = admin_org_resolve(c, v->v[I_ORG], &id, &label)) == -1 ||
	    (rc == 1 && (rc = admin_org_clerk_id(c, id, org)) == -1))
		return -1;
	if (rc == 0)
		v->err[I_ORG] =
		    "No organization has this ID, Clerk ID or slug.";
	else if (*org == NULL)
		v->err[I_ORG] = "This organization was made here and Clerk "
		                "does not know it: only Clerk's organizations "
		                "take invitations.";
	return (int)errors + (v->err[I_ORG] != NULL);
}

static int
invite_view(struct admin_ctx *c)
{
	struct admin_values       v;
	const char               *org = NULL, *id = NULL;
	struct invite             in;
	struct admin_clerk_call   call = {.method = "POST",
	      .event = "organizationInvitation.created",
	      .log = log_invite,
	      .arg = &in};
	struct admin_clerk_result res;
	json_t                   *body;
	enum admin_clerk_rc       rc;
	int                       errors;

	memset(&v, 0, sizeof(v));
	if (!c->is_post) {
		v.v[I_ORG] = req_query(c->r, "organization");
		v.v[I_ROLE] = "org:member";
		return invite_page(c, &v, HTTP_OK);
	}
	if (!admin_clerk_on(c)) {
		admin_message(c, ADMIN_ERROR,
		    "Inviting needs CLERK_SECRET_KEY: invitations are "
		    "Clerk's. Nothing was changed.");
		return invite_page(c, &v, HTTP_OK);
	}
	if ((errors = invite_read(c, &v, &org)) == -1)
		return admin_db_failed(c, "invitation organization");
	if (errors > 0) {
		admin_message(c, ADMIN_ERROR,
		    "Please correct the errors below.");
		return invite_page(c, &v, HTTP_OK);
	}
	in = (struct invite){v.v[I_EMAIL], v.v[I_ROLE], &id};
	call.path = admin_printf(c, "/v1/organizations/%s/invitations",
	    admin_enc(c, org));
	/* The admin acts as the instance: no inviter_user_id. */
	if ((body = json_pack("{s:s, s:s}", "email_address", v.v[I_EMAIL],
	         "role", v.v[I_ROLE])) == NULL)
		return admin_error(c, HTTP_BAD_REQUEST, "Bad request",
		    "The form could not be encoded for Clerk.");
	call.body = body;
	rc = admin_clerk_write(c, &call, &res);
	json_decref(body);
	if (rc == ADMIN_CLERK_DB_ERROR)
		return admin_clerk_db_failed(c, "invitation add");
	if (rc == ADMIN_CLERK_REFUSED && res.param != NULL &&
	    (strcmp(res.param, "email_address") == 0 ||
	        strcmp(res.param, "role") == 0)) {
		v.err[strcmp(res.param, "role") == 0 ? I_ROLE : I_EMAIL] =
		    res.error;
		return invite_page(c, &v,
		    admin_clerk_report(c, rc, &res, true, 0));
	}
	if (rc == ADMIN_CLERK_REFUSED || rc == ADMIN_CLERK_UNAVAILABLE)
		return invite_page(c, &v,
		    admin_clerk_report(c, rc, &res, false, 0));
	if (rc == ADMIN_CLERK_UNAPPLIED) {
		/* Made in Clerk: the form must not invite again. */
		admin_flash(c, ADMIN_WARNING,
		    admin_clerk_words(c, rc, &res, false, 0));
		return admin_redirect(c->r, admin_url(c, c->model, NULL, NULL));
	}
	return admin_saved(c, "added", v.v[I_EMAIL],
	    id != NULL ? admin_url(c, c->model, id, "change") : NULL);
}

const struct admin_model admin_invitations_model = {
    .app = "users",
    .name = "organizationinvitation",
    .object_type = "users.organizationinvitation",
    .verbose = "organization invitation",
    .verbose_plural = "organization invitations",
    .title_plural = "Organization invitations",
    .read_only = false,
    .list = &inv_list,
    .lookup = invitation_lookup,
    .change = invitation_view,
    .add = invite_view,
    .del = NULL,
};
