/*
 * The instance's role and permission catalog, read-only
 * (/admin/clerk/role/, /admin/clerk/permission/; DESIGN sections 8 and
 * 12.3): Clerk holds it, and role.* and permission.* webhooks and "mysaas
 * clerk sync" keep the mirror. A role's page lists its permissions; a
 * permission's page lists the roles that hold it.
 */
#include "admin/model.h"

#include <string.h>

#include "admin/fields.h"
#include "admin/page.h"

#define LINKED_MAX 500 /* permissions or roles listed on one page */

/* Roles: $1..$3 search words, $4 sort key, $5 limit, $6 offset. */
#define ROLE_WORD(n)                                               \
	" AND (CAST(" n " AS text) IS NULL" ADMIN_LIKE("r.key", n) \
	    ADMIN_LIKE("r.name", n) ADMIN_LIKE("r.clerk_id", n) ")"
#define ROLE_WHERE                                                  \
	" FROM roles r WHERE 1 = 1" ROLE_WORD("$1") ROLE_WORD("$2") \
	    ROLE_WORD("$3")
#define ROLE_PERMS                                   \
	"(SELECT count(*) FROM role_permissions rp " \
	"WHERE rp.role_id = r.id)"
#define ROLE_PAGE                                                             \
	"SELECT r.id, r.key, r.name, " ROLE_PERMS ", r.updated_at" ROLE_WHERE \
	" ORDER BY " ADMIN_SORT("$4", 1, "r.key")                             \
	    ADMIN_SORT("$4", 2, "lower(r.name)")                              \
	        ADMIN_SORT("$4", 3, ROLE_PERMS)                               \
	            ADMIN_SORT("$4", 4, "r.updated_at") "r.id LIMIT $5 "      \
	                                                "OFFSET $6"

static const struct admin_column role_cols[] = {
    {"key", "Key", ADMIN_COL_TEXT},
    {"name", "Name", ADMIN_COL_TEXT},
    {"permissions", "Permissions", ADMIN_COL_INT},
    {"updated_at", "Updated", ADMIN_COL_TIME},
};

static const struct admin_list role_list = {
    .count_sql = {"SELECT count(*)" ROLE_WHERE},
    .page_sql = {ROLE_PAGE},
    .total_sql = "SELECT count(*) FROM roles",
    .cols = role_cols,
    .ncols = ARRAY_LEN(role_cols),
    .default_order = 1,
    .search_help = "Key, name or Clerk ID",
};

/* Permissions: $1 type, $2..$4 search words, $5 sort, $6 limit, $7 offset. */
#define PERM_WORD(n)                                               \
	" AND (CAST(" n " AS text) IS NULL" ADMIN_LIKE("p.key", n) \
	    ADMIN_LIKE("p.name", n) ADMIN_LIKE("p.clerk_id", n) ")"
#define PERM_WHERE                                                \
	" FROM permissions p WHERE (CAST($1 AS text) IS NULL OR " \
	"p.type = $1)" PERM_WORD("$2") PERM_WORD("$3") PERM_WORD("$4")
#define PERM_ROLES                                   \
	"(SELECT count(*) FROM role_permissions rp " \
	"WHERE rp.permission_id = p.id)"
#define PERM_PAGE                                                              \
	"SELECT p.id, p.key, p.name, p.type, " PERM_ROLES                      \
	", p.updated_at" PERM_WHERE " ORDER BY " ADMIN_SORT("$5", 1, "p.key")  \
	    ADMIN_SORT("$5", 2, "lower(p.name)") ADMIN_SORT("$5", 3, "p.type") \
	        ADMIN_SORT("$5", 4, PERM_ROLES)                                \
	            ADMIN_SORT("$5", 5, "p.updated_at") "p.id "                \
	                                                "LIMIT $6 "            \
	                                                "OFFSET $7"

static const struct admin_column perm_cols[] = {
    {"key", "Key", ADMIN_COL_TEXT},
    {"name", "Name", ADMIN_COL_TEXT},
    {"type", "Type", ADMIN_COL_TEXT},
    {"roles", "Roles", ADMIN_COL_INT},
    {"updated_at", "Updated", ADMIN_COL_TIME},
};

static const struct admin_filter perm_filters[] = {
    {"type", "type", false, false, NULL,
        "SELECT DISTINCT type FROM permissions WHERE type IS NOT NULL "
        "ORDER BY type LIMIT 50"},
};

static const struct admin_list perm_list = {
    .count_sql = {"SELECT count(*)" PERM_WHERE},
    .page_sql = {PERM_PAGE},
    .total_sql = "SELECT count(*) FROM permissions",
    .cols = perm_cols,
    .ncols = ARRAY_LEN(perm_cols),
    .filters = perm_filters,
    .nfilters = ARRAY_LEN(perm_filters),
    .default_order = 1,
    .search_help = "Key, name or Clerk ID",
};

/* What a role's or a permission's page shows. */
struct entry {
	const char *clerk_id, *key, *name, *description, *type;
	const char *created_at, *updated_at;
	int64_t     clerk_updated_at;
};

/* One statement per table: the columns of struct entry, in order. */
static const char *const load_sql[] = {
    "SELECT clerk_id, key, name, description, NULL, created_at, "
    "updated_at, clerk_updated_at FROM roles WHERE id = $1",
    "SELECT clerk_id, key, name, description, type, created_at, "
    "updated_at, clerk_updated_at FROM permissions WHERE id = $1",
};

static const char *const lookup_sql[] = {
    "SELECT id, key, clerk_id, created_at FROM roles WHERE id = $1",
    "SELECT id, key, clerk_id, created_at FROM permissions WHERE id = $1",
};

/* The roles of a permission, or the permissions of a role: id, key, name. */
static const char *const linked_sql[] = {
    "SELECT p.id, p.key, p.name FROM role_permissions rp JOIN permissions p "
    "ON p.id = rp.permission_id WHERE rp.role_id = $1 ORDER BY p.key "
    "LIMIT $2",
    "SELECT r.id, r.key, r.name FROM role_permissions rp JOIN roles r "
    "ON r.id = rp.role_id WHERE rp.permission_id = $1 ORDER BY r.key "
    "LIMIT $2",
};

static const char *const linked_titles[] = {"Key", "Name"};

/* 0 for roles, 1 for permissions: the index of the tables above. */
static int
kind_of(const struct admin_ctx *c)
{
	return c->model == &admin_roles_model ? 0 : 1;
}

static int
entry_lookup(struct admin_ctx *c, const char *id, struct admin_object *o)
{
	return admin_object_by_id(c, lookup_sql[kind_of(c)], id, o);
}

static int
entry_load(struct admin_ctx *c, const char *id, struct entry *e)
{
	struct db_rows *rows;
	int             rc;

	memset(e, 0, sizeof(*e));
	if ((rc = admin_row_by_id(c, load_sql[kind_of(c)], id, &rows)) != 1)
		return rc;
	e->clerk_id = admin_col(c, rows, 0);
	e->key = admin_col(c, rows, 1);
	e->name = admin_col(c, rows, 2);
	e->description = admin_col(c, rows, 3);
	e->type = admin_col(c, rows, 4);
	e->created_at = admin_col(c, rows, 5);
	e->updated_at = admin_col(c, rows, 6);
	e->clerk_updated_at = admin_col_ms(rows, 7);
	db_rows_free(rows);
	return 1;
}

/* The permissions of a role, or the roles of a permission, as links. */
static int
linked(struct admin_ctx *c, const char *id)
{
	int                       k = kind_of(c);
	const struct admin_model *other =
	    k == 0 ? &admin_permissions_model : &admin_roles_model;
	struct db_param p[] = {DB_INT(admin_id(id)), DB_INT(LINKED_MAX)};
	struct db_rows *rows;
	int             rc, n = 0;

	html_lit(&c->h, "<h2>");
	html_text(&c->h, other->title_plural);
	html_lit(&c->h, "</h2>\n");
	if ((rows = db_query(c->db, linked_sql[k], p, ARRAY_LEN(p))) == NULL)
		return -1;
	while ((rc = db_rows_next(rows)) == 1) {
		if (n++ == 0)
			admin_table_begin(c,
			    k == 0 ? "role-permissions" : "permission-roles",
			    linked_titles, ARRAY_LEN(linked_titles));
		html_lit(&c->h, "<tr><td><a");
		html_url_attr(&c->h, "href",
		    admin_url(c, other, admin_col(c, rows, 0), "change"));
		html_lit(&c->h, ">");
		html_text(&c->h, admin_col(c, rows, 1));
		html_lit(&c->h, "</a></td><td>");
		html_text(&c->h, admin_col(c, rows, 2));
		html_lit(&c->h, "</td></tr>\n");
	}
	db_rows_free(rows);
	if (n > 0)
		admin_table_end(c);
	else
		html_lit(&c->h, "<p class=\"muted\">None.</p>\n");
	return rc;
}

static int
entry_view(struct admin_ctx *c, const struct admin_object *o)
{
	struct entry e;
	int          rc;

	if ((rc = entry_load(c, o->id, &e)) != 1)
		return rc == -1 ? admin_db_failed(c, "catalog load")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This entry no longer exists.");
	admin_object_head(c, o, "View");
	admin_readonly(c, "Clerk ID", e.clerk_id);
	admin_readonly(c, "Key", e.key);
	admin_readonly(c, "Name", e.name);
	admin_readonly(c, "Description", e.description);
	if (kind_of(c) == 1)
		admin_readonly(c, "Type", e.type);
	admin_mirror_times(c, e.clerk_updated_at, e.created_at, e.updated_at);
	html_lit(&c->h,
	    "<p class=\"help\">Clerk holds the catalog: "
	    "change it in Clerk's dashboard, and its webhooks bring the "
	    "change here.</p>\n");
	if (linked(c, o->id) == -1)
		return admin_db_failed(c, "catalog links");
	return admin_page_end(c, HTTP_OK);
}

const struct admin_model admin_roles_model = {
    .app = "clerk",
    .name = "role",
    /* The kind "mysaas clerk sync" records its changes under. */
    .object_type = "users.role",
    .verbose = "role",
    .verbose_plural = "roles",
    .title_plural = "Roles",
    .read_only = true,
    .list = &role_list,
    .lookup = entry_lookup,
    .change = entry_view,
    .add = NULL,
    .del = NULL,
};

const struct admin_model admin_permissions_model = {
    .app = "clerk",
    .name = "permission",
    .object_type = "users.permission",
    .verbose = "permission",
    .verbose_plural = "permissions",
    .title_plural = "Permissions",
    .read_only = true,
    .list = &perm_list,
    .lookup = entry_lookup,
    .change = entry_view,
    .add = NULL,
    .del = NULL,
};
