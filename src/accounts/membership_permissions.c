/*
 * A member's permissions, read on the caller's connection with bound
 * parameters only; the results are copied into the caller's arena before
 * each statement is released. Thread-safe (no state).
 */
#include "accounts/membership_permissions.h"

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "accounts/directory.h"
#include "clerk/has.h"

/* A role key both ways Clerk writes it: "org:editor" and "editor". */
struct role_names {
	const char *prefixed;
	const char *bare;
};

static void
role_names(struct arena *a, const char *role, struct role_names *out)
{
	const char *bare = role;

	while (strncmp(bare, "org:", 4) == 0)
		bare += 4;
	out->bare = bare;
	out->prefixed = arena_printf(a, "org:%s", bare);
}

/* The membership: 1 with its organization, role and permissions text. */
static int
read_membership(struct db_conn *c, int64_t user_id, const char *org_ref,
    struct arena *a, struct membership_permissions *out, const char **perms)
{
	static const struct directory_org_sql sql = {
	    .by_clerk =
	        "SELECT o.id, m.role, m.permissions FROM organizations o "
	        "JOIN organization_memberships m "
	        "ON m.organization_id = o.id AND m.user_id = $1 "
	        "WHERE o.clerk_id = $2",
	    .by_id = "SELECT o.id, m.role, m.permissions FROM organizations o "
	             "JOIN organization_memberships m "
	             "ON m.organization_id = o.id AND m.user_id = $1 "
	             "WHERE o.id = $2",
	};
	struct db_param p[2] = {DB_INT(user_id), DB_NULLP};
	struct db_rows *r;
	const char     *text;
	size_t          len;
	bool            unknown;
	int             rc;

	if ((r = directory_org_query(c, &sql, org_ref, p, 2, &unknown)) == NULL)
		return unknown ? 0 : -1;
	if ((rc = db_rows_next(r)) == 1) {
		out->org_id = db_col_int(r, 0);
		text = db_col_text(r, 1, &len);
		out->role = arena_strndup(a, text, len);
		*perms = NULL;
		if (!db_col_is_null(r, 2)) {
			text = db_col_text(r, 2, &len);
			*perms = arena_strndup(a, text, len);
		}
	}
	db_rows_free(r);
	return rc;
}

/* The strings of a JSON array's text; anything else grants nothing. */
static void
keys_from_json(struct arena *a, const char *text,
    struct membership_permissions *out)
{
	json_t      *arr = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	const char **keys;
	size_t       i;

	out->keys = NULL;
	out->n = 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		json_decref(arr);
		return;
	}
	keys = arena_alloc(a, json_array_size(arr) * sizeof(*keys));
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *v = json_array_get(arr, i);

		if (json_is_string(v))
			keys[out->n++] = arena_strndup(a, json_string_value(v),
			    json_string_length(v));
	}
	out->keys = keys;
	json_decref(arr);
}

/* Appends a key to a list that grows in the arena. */
static void
push_key(struct arena *a, const char ***keys, size_t *n, size_t *cap,
    const char *p, size_t len)
{
	if (*n == *cap) {
		const char **more;

		*cap = *cap == 0 ? 8 : *cap * 2;
		more = arena_alloc(a, *cap * sizeof(*more));
		if (*n > 0)
			memcpy(more, *keys, *n * sizeof(*more));
		*keys = more;
	}
	(*keys)[(*n)++] = arena_strndup(a, p, len);
}

/*
 * The role's permissions in the catalog: 1 when the catalog holds the
 * role (under either spelling; the prefixed one wins), 0 when not.
 */
static int
read_role(struct db_conn *c, const struct role_names *names, struct arena *a,
    struct membership_permissions *out)
{
	static const char *const sql =
	    "SELECT r.id, p.key FROM roles r "
	    "LEFT JOIN role_permissions rp ON rp.role_id = r.id "
	    "LEFT JOIN permissions p ON p.id = rp.permission_id "
	    "WHERE r.key = $1 OR r.key = $2 "
	    "ORDER BY CASE WHEN r.key = $1 THEN 0 ELSE 1 END, r.id, p.key";
	struct db_param p[] = {DB_TEXT(names->prefixed), DB_TEXT(names->bare)};
	struct db_rows *r;
	const char    **keys = NULL;
	size_t          n = 0, cap = 0, len;
	int64_t         role_id = 0;
	int             rc, found = 0;

	if ((r = db_query(c, sql, p, 2)) == NULL)
		return -1;
	while ((rc = db_rows_next(r)) == 1) {
		const char *key;

		if (found && db_col_int(r, 0) != role_id)
			break; /* the other spelling's role */
		found = 1;
		role_id = db_col_int(r, 0);
		if (db_col_is_null(r, 1))
			continue; /* a role without permissions */
		key = db_col_text(r, 1, &len);
		push_key(a, &keys, &n, &cap, key, len);
	}
	db_rows_free(r);
	if (rc == -1)
		return -1;
	out->keys = keys;
	out->n = n;
	return found;
}

/* 1 when the role catalog is empty (never synced), 0 when not. */
static int
catalog_is_empty(struct db_conn *c)
{
	static const char *const sql =
	    "SELECT count(*) FROM (SELECT 1 FROM roles LIMIT 1) AS t";
	int64_t n = 0;

	if (db_query_int(c, sql, NULL, 0, &n, NULL) == -1)
		return -1;
	return n == 0 ? 1 : 0;
}

/* What Clerk's default role holds of the system permissions. */
static void
default_keys(struct arena *a, const char *role,
    struct membership_permissions *out)
{
	const char **keys = arena_alloc(a, sizeof(has_system_permissions));
	size_t       i;

	out->n = 0;
	for (i = 0; i < HAS_SYSTEM_PERMISSIONS; i++) {
		if (has_default_role_grants(role, has_system_permissions[i]))
			keys[out->n++] = has_system_permissions[i];
	}
	out->keys = keys;
}

int
membership_permissions_of(struct db_conn *c, int64_t user_id,
    const char *org_ref, struct arena *a, struct membership_permissions *out)
{
	struct role_names names;
	const char       *perms = NULL;
	int               rc;

	memset(out, 0, sizeof(*out));
	if ((rc = read_membership(c, user_id, org_ref, a, out, &perms)) != 1)
		return rc;
	if (perms != NULL) {
		out->source = MEMBERSHIP_PERMS_OWN;
		keys_from_json(a, perms, out);
		return 1;
	}
	out->source = MEMBERSHIP_PERMS_ROLE;
	role_names(a, out->role, &names);
	if ((rc = read_role(c, &names, a, out)) != 0)
		return rc;
	if ((rc = catalog_is_empty(c)) == 1) {
		out->source = MEMBERSHIP_PERMS_DEFAULTS;
		default_keys(a, out->role, out);
	}
	return rc == -1 ? -1 : 1;
}
