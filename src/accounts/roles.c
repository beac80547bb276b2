/*
 * The catalog's writes (see roles.h). Bound parameters only, one text for
 * both backends; the two tables share their shape, so each statement is
 * written once as a macro over the table's name and picked from a table
 * of texts by enum catalog_kind (never built at run time).
 */
#include "accounts/roles.h"

/*
 * $1 clerk_id, $2 key, $3 name, $4 description, $5 clerk_updated_at, $6
 * now, and for permissions $7 type. A row as new as the event is written
 * only when a column differs, so a duplicate writes nothing.
 */
#define SAME(t, col) DB_SAME(t "." col, "excluded." col)
#define UPSERT(t, TYPE_COL, TYPE_VAL, TYPE_SET, TYPE_SAME)                   \
	"INSERT INTO " t " (clerk_id, key, name, description, "              \
	"clerk_updated_at, created_at, updated_at" TYPE_COL ") VALUES ($1, " \
	"$2, $3, $4, $5, $6, $6" TYPE_VAL ") ON CONFLICT (clerk_id) DO "     \
	"UPDATE SET key = excluded.key, name = excluded.name, "              \
	"description = excluded.description, "                               \
	"clerk_updated_at = excluded.clerk_updated_at, "                     \
	"updated_at = excluded.updated_at" TYPE_SET " WHERE " t              \
	".clerk_updated_at IS NULL OR " t ".clerk_updated_at < "             \
	"excluded.clerk_updated_at OR (" t ".clerk_updated_at = "            \
	"excluded.clerk_updated_at AND NOT (" SAME(t, "key") " AND " SAME(t, \
	    "name") " AND " SAME(t, "description") TYPE_SAME "))"

static const char *const upsert_sql[] = {
    [CATALOG_ROLE] = UPSERT("roles", "", "", "", ""),
    [CATALOG_PERMISSION] = UPSERT("permissions", ", type", ", $7",
        ", type = excluded.type", " AND " SAME("permissions", "type")),
};

static const char *const find_sql[] = {
    [CATALOG_ROLE] = "SELECT id, clerk_updated_at FROM roles "
                     "WHERE clerk_id = $1",
    [CATALOG_PERMISSION] = "SELECT id, clerk_updated_at FROM permissions "
                           "WHERE clerk_id = $1",
};

static const char *const holder_sql[] = {
    [CATALOG_ROLE] = "SELECT id, clerk_updated_at FROM roles "
                     "WHERE key = $1 AND clerk_id <> $2",
    [CATALOG_PERMISSION] = "SELECT id, clerk_updated_at FROM permissions "
                           "WHERE key = $1 AND clerk_id <> $2",
};

static const char *const delete_sql[] = {
    [CATALOG_ROLE] = "DELETE FROM roles WHERE id = $1",
    [CATALOG_PERMISSION] = "DELETE FROM permissions WHERE id = $1",
};

int
catalog_mirror_upsert(struct db_conn *c, enum catalog_kind k,
    const struct catalog_values *v, int64_t *changed)
{
	struct db_param p[] = {DB_TEXT(v->clerk_id), DB_TEXT(v->key),
	    DB_TEXT(v->name), db_text_or_null(v->description),
	    DB_INT(v->clerk_updated_at), DB_TEXT(v->now),
	    db_text_or_null(v->type)};

	/* PostgreSQL must see every parameter it is sent: roles take 6. */
	return db_exec(c, upsert_sql[k], p,
	    k == CATALOG_ROLE ? ARRAY_LEN(p) - 1 : ARRAY_LEN(p), changed);
}

/* Runs sql (its parameters p) for one row (id, clerk_updated_at). */
static int
id_and_time(struct db_conn *c, const char *sql, const struct db_param *p,
    size_t n, int64_t *id, int64_t *updated_at)
{
	struct db_rows *r = db_query(c, sql, p, n);
	int             rc;

	if (r == NULL)
		return -1;
	if ((rc = db_rows_next(r)) == 1) {
		*id = db_col_int(r, 0);
		*updated_at =
		    db_col_is_null(r, 1) ? DB_NO_INT : db_col_int(r, 1);
	}
	db_rows_free(r);
	return rc;
}

int
catalog_find(struct db_conn *c, enum catalog_kind k, const char *clerk_id,
    int64_t *id, int64_t *updated_at)
{
	struct db_param p[] = {DB_TEXT(clerk_id)};

	return id_and_time(c, find_sql[k], p, ARRAY_LEN(p), id, updated_at);
}

int
catalog_key_holder(struct db_conn *c, enum catalog_kind k, const char *key,
    const char *clerk_id, int64_t *id, int64_t *updated_at)
{
	struct db_param p[] = {DB_TEXT(key), DB_TEXT(clerk_id)};

	return id_and_time(c, holder_sql[k], p, ARRAY_LEN(p), id, updated_at);
}

int
catalog_delete(struct db_conn *c, enum catalog_kind k, int64_t id)
{
	return db_exec_one(c, delete_sql[k], DB_INT(id), NULL);
}

int
role_delete_by_clerk(struct db_conn *c, const char *clerk_id)
{
	return db_exec_one(c, "DELETE FROM roles WHERE clerk_id = $1",
	    DB_TEXT(clerk_id), NULL);
}

int
permission_delete_by_clerk(struct db_conn *c, const char *clerk_id)
{
	return db_exec_one(c, "DELETE FROM permissions WHERE clerk_id = $1",
	    DB_TEXT(clerk_id), NULL);
}

int
role_permissions_clear(struct db_conn *c, int64_t role_id)
{
	return db_exec_one(c, "DELETE FROM role_permissions WHERE role_id = $1",
	    DB_INT(role_id), NULL);
}

int
role_permissions_add(struct db_conn *c, int64_t role_id, const char *key)
{
	static const char *const sql =
	    "INSERT INTO role_permissions (role_id, permission_id) "
	    "SELECT CAST($1 AS bigint), id FROM permissions WHERE key = $2 "
	    "ON CONFLICT DO NOTHING";
	struct db_param p[] = {DB_INT(role_id), DB_TEXT(key)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}
