/*
 * API read queries. Bound parameters only; results are copied into jansson
 * values before the statement is released. Ordering is stable (by name,
 * then id) so pagination never skips or repeats a row.
 */
#include "accounts/directory.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "accounts/api_list.h"
#include "accounts/membership_permissions.h"
#include "accounts/tombstones.h"
#include "core/str.h"

static int
one_int(struct db_conn *c, const char *sql, const struct db_param *p, size_t n,
    int64_t *out)
{
	struct db_rows *r = db_query(c, sql, p, n);
	int             rc;

	if (r == NULL)
		return -1;
	if ((rc = db_rows_next(r)) == 1)
		*out = db_col_int(r, 0);
	db_rows_free(r);
	return rc;
}

int
directory_user_id(struct db_conn *c, const char *clerk_user_id,
    int64_t *user_id)
{
	static const char *const sql =
	    "SELECT id FROM users WHERE clerk_id = $1 AND is_active = $2";
	struct db_param p[] = {DB_TEXT(clerk_user_id), DB_INT(1)};

	return one_int(c, sql, p, 2, user_id);
}

int
directory_is_tombstoned(struct db_conn *c, const char *clerk_id)
{
	int64_t t;

	return tombstone_get(c, clerk_id, &t);
}

/* Appends {id, clerk_id, name, slug, [image_url,] role} rows to arr. */
static int
org_rows(struct db_rows *r, json_t *arr, bool with_image)
{
	int rc;

	while ((rc = db_rows_next(r)) == 1) {
		json_t *o = json_object();

		json_object_set_new(o, "id", json_integer(db_col_int(r, 0)));
		json_object_set_new(o, "clerk_id", api_list_text(r, 1));
		json_object_set_new(o, "name", api_list_text(r, 2));
		json_object_set_new(o, "slug", api_list_text(r, 3));
		if (with_image)
			json_object_set_new(o, "image_url",
			    api_list_text(r, 4));
		json_object_set_new(o, "role", api_list_text(r, 5));
		json_array_append_new(arr, o);
	}
	return rc;
}

static const char *const orgs_of_user =
    "SELECT o.id, o.clerk_id, o.name, o.slug, o.image_url, m.role "
    "FROM organization_memberships m "
    "JOIN organizations o ON o.id = m.organization_id "
    "WHERE m.user_id = $1 ORDER BY o.name, o.id LIMIT $2 OFFSET $3";

/*
 * The profile from the rows of a profile statement: one statement for the
 * user and their organizations (a LEFT JOIN: the user's columns repeat on
 * each organization row), so a request reads the database once.
 */
#define PROFILE_SELECT                                                       \
	"SELECT u.id, u.clerk_id, u.email, u.first_name, u.last_name, "      \
	"u.username, u.image_url, o.id, o.clerk_id, o.name, o.slug, m.role " \
	"FROM users u "                                                      \
	"LEFT JOIN organization_memberships m ON m.user_id = u.id "          \
	"LEFT JOIN organizations o ON o.id = m.organization_id "

static int
profile_rows(struct db_rows *r, json_t **out)
{
	json_t *u = NULL, *orgs = NULL;
	int     rc;

	while ((rc = db_rows_next(r)) == 1) {
		json_t *o;

		if (u == NULL) {
			u = json_object();
			json_object_set_new(u, "id",
			    json_integer(db_col_int(r, 0)));
			json_object_set_new(u, "clerk_id", api_list_text(r, 1));
			json_object_set_new(u, "email", api_list_text(r, 2));
			json_object_set_new(u, "first_name",
			    api_list_text(r, 3));
			json_object_set_new(u, "last_name",
			    api_list_text(r, 4));
			json_object_set_new(u, "username", api_list_text(r, 5));
			json_object_set_new(u, "image_url",
			    api_list_text(r, 6));
			orgs = json_array();
			json_object_set_new(u, "organizations", orgs);
		}
		if (db_col_is_null(r, 7))
			continue; /* no membership */
		o = json_object();
		json_object_set_new(o, "id", json_integer(db_col_int(r, 7)));
		json_object_set_new(o, "clerk_id", api_list_text(r, 8));
		json_object_set_new(o, "name", api_list_text(r, 9));
		json_object_set_new(o, "slug", api_list_text(r, 10));
		json_object_set_new(o, "role", api_list_text(r, 11));
		json_array_append_new(orgs, o);
	}
	db_rows_free(r);
	if (rc == -1 || u == NULL) {
		json_decref(u);
		return rc == -1 ? -1 : 0;
	}
	*out = u;
	return 1;
}

int
directory_user_me(struct db_conn *c, int64_t user_id, json_t **out)
{
	static const char *const sql =
	    PROFILE_SELECT "WHERE u.id = $1 ORDER BY o.name, o.id";
	struct db_param p[] = {DB_INT(user_id)};
	struct db_rows *r;

	*out = NULL;
	if ((r = db_query(c, sql, p, 1)) == NULL)
		return -1;
	return profile_rows(r, out);
}

/*
 * users/me's body rendered by the database (its JSON functions do the
 * quoting): the same keys, order and values as directory_user_me plus
 * active_organization and the session's fields, without building and encoding a
 * tree per request. The organizations are ordered by name, then id, in a
 * subquery: SQLite 3.40 has no ORDER BY inside an aggregate, and its
 * json_group_array keeps the order of its input. PostgreSQL's json_build_object
 * writes " : " and ", " between items.
 */
static const struct db_sql user_me_text_sql = {
    .sqlite = "SELECT u.id, json_object('id', u.id, 'clerk_id', u.clerk_id, "
              "'email', u.email, 'first_name', u.first_name, "
              "'last_name', u.last_name, 'username', u.username, "
              "'image_url', u.image_url, 'organizations', "
              "(SELECT json_group_array(json_object('id', id, 'clerk_id', "
              "clerk_id, 'name', name, 'slug', slug, 'role', role)) "
              "FROM (SELECT o.id, o.clerk_id, o.name, o.slug, m.role "
              "FROM organization_memberships m "
              "JOIN organizations o ON o.id = m.organization_id "
              "WHERE m.user_id = u.id ORDER BY o.name, o.id)), "
              "'active_organization', CASE WHEN $2 IS NULL THEN NULL ELSE "
              "json_object('clerk_id', $2, 'role', $3, 'slug', $4, "
              "'permissions', json($5)) END, 'session_id', $7, "
              "'actor', $8, 'features', json($9), 'plans', json($10)) "
              "FROM users u WHERE u.clerk_id = $1 AND u.is_active = $6",
    .pg = "SELECT u.id, json_build_object('id', u.id, 'clerk_id', u.clerk_id, "
          "'email', u.email, 'first_name', u.first_name, "
          "'last_name', u.last_name, 'username', u.username, "
          "'image_url', u.image_url, 'organizations', "
          "COALESCE((SELECT json_agg(json_build_object('id', o.id, "
          "'clerk_id', o.clerk_id, 'name', o.name, 'slug', o.slug, "
          "'role', m.role) ORDER BY o.name, o.id) "
          "FROM organization_memberships m "
          "JOIN organizations o ON o.id = m.organization_id "
          "WHERE m.user_id = u.id), '[]'::json), "
          "'active_organization', CASE WHEN $2::text IS NULL THEN NULL ELSE "
          "json_build_object('clerk_id', $2::text, 'role', $3::text, "
          "'slug', $4::text, 'permissions', $5::json) END, "
          "'session_id', $7::text, 'actor', $8::text, "
          "'features', $9::json, 'plans', $10::json)::text "
          "FROM users u WHERE u.clerk_id = $1 AND u.is_active = $6",
};

int
directory_user_me_text(struct db_conn *c, const char *clerk_user_id,
    const struct directory_me_claims *m, struct arena *arena, int64_t *user_id,
    const char **text, size_t *len)
{
	const struct directory_active_org *a = &m->org;
	struct db_param                    p[] = {DB_TEXT(clerk_user_id),
	                       db_text_or_null(a->org_id), db_text_or_null(a->role),
	                       db_text_or_null(a->slug),
	                       db_text_or_null(a->org_id != NULL ? a->permissions_json : NULL),
	                       DB_INT(1), db_text_or_null(m->session_id),
	                       db_text_or_null(m->actor), DB_TEXT(m->features_json),
	                       DB_TEXT(m->plans_json)};
	struct db_rows                    *r;
	const char                        *body;
	int                                rc;

	*text = NULL;
	*len = 0;
	if ((r = db_query_sql(c, &user_me_text_sql, p, 10)) == NULL)
		return -1;
	if ((rc = db_rows_next(r)) == 1) {
		*user_id = db_col_int(r, 0);
		body = db_col_text(r, 1, len);
		/* Bytes that are not UTF-8 would make the text invalid JSON:
		 * directory_user_me turns such strings into null. */
		if (str_is_utf8(body, *len))
			*text = arena_strndup(arena, body, *len);
		else
			*len = 0;
	}
	db_rows_free(r);
	return rc;
}

int
directory_user_orgs(struct db_conn *c, int64_t user_id, int64_t limit,
    int64_t offset, json_t **out)
{
	static const char *const count =
	    "SELECT count(*) FROM organization_memberships WHERE user_id = $1";
	struct db_param p[] = {DB_INT(user_id), DB_INT(limit), DB_INT(offset)};
	struct db_rows *r;
	json_t         *data;
	int64_t         total = 0;

	*out = NULL;
	if (one_int(c, count, p, 1, &total) == -1)
		return -1;
	if ((r = db_query(c, orgs_of_user, p, 3)) == NULL)
		return -1;
	data = json_array();
	if (org_rows(r, data, true) == -1) {
		db_rows_free(r);
		json_decref(data);
		return -1;
	}
	db_rows_free(r);
	*out = json_object();
	json_object_set_new(*out, "data", data);
	json_object_set_new(*out, "total_count", json_integer(total));
	return 1;
}

struct db_rows *
directory_org_query(struct db_conn *c, const struct directory_org_sql *sql,
    const char *ref, struct db_param *params, size_t n, bool *unknown)
{
	int64_t local;

	*unknown = false;
	if (strncmp(ref, "org_", 4) == 0) {
		params[n - 1] = DB_TEXT(ref);
		return db_query(c, sql->by_clerk, params, n);
	}
	if (str_to_i64(str_from_cstr(ref), 1, INT64_MAX, &local) == 0) {
		params[n - 1] = DB_INT(local);
		return db_query(c, sql->by_id, params, n);
	}
	*unknown = true;
	return NULL;
}

/* The one organization of a query of directory_org_query's, as
 * directory_org_for_member answers. */
static int
org_one(struct db_conn *c, const struct directory_org_sql *sql, const char *ref,
    struct db_param *p, size_t n, json_t **out, int64_t *org_id)
{
	struct db_rows *r;
	json_t         *arr;
	bool            unknown;
	int             rc;

	*out = NULL;
	if ((r = directory_org_query(c, sql, ref, p, n, &unknown)) == NULL)
		return unknown ? 0 : -1;
	arr = json_array();
	rc = org_rows(r, arr, true);
	db_rows_free(r);
	if (rc == -1 || json_array_size(arr) == 0) {
		json_decref(arr);
		return rc;
	}
	*out = json_incref(json_array_get(arr, 0));
	*org_id = json_integer_value(json_object_get(*out, "id"));
	json_decref(arr);
	return 1;
}

int
directory_org_for_member(struct db_conn *c, int64_t user_id, const char *ref,
    json_t **out, int64_t *org_id)
{
	static const struct directory_org_sql sql = {
	    .by_clerk =
	        "SELECT o.id, o.clerk_id, o.name, o.slug, o.image_url, m.role "
	        "FROM organizations o JOIN organization_memberships m "
	        "ON m.organization_id = o.id AND m.user_id = $1 "
	        "WHERE o.clerk_id = $2",
	    .by_id =
	        "SELECT o.id, o.clerk_id, o.name, o.slug, o.image_url, m.role "
	        "FROM organizations o JOIN organization_memberships m "
	        "ON m.organization_id = o.id AND m.user_id = $1 "
	        "WHERE o.id = $2",
	};
	struct db_param p[2] = {DB_INT(user_id), DB_NULLP};

	return org_one(c, &sql, ref, p, 2, out, org_id);
}

int
directory_org_as_itself(struct db_conn *c, const char *clerk_org_id,
    const char *ref, json_t **out, int64_t *org_id)
{
	static const struct directory_org_sql sql = {
	    .by_clerk = "SELECT o.id, o.clerk_id, o.name, o.slug, o.image_url, "
	                "CAST(NULL AS TEXT) FROM organizations o "
	                "WHERE o.clerk_id = $1 AND o.clerk_id = $2",
	    .by_id = "SELECT o.id, o.clerk_id, o.name, o.slug, o.image_url, "
	             "CAST(NULL AS TEXT) FROM organizations o "
	             "WHERE o.clerk_id = $1 AND o.id = $2",
	};
	struct db_param p[2] = {DB_TEXT(clerk_org_id), DB_NULLP};

	return org_one(c, &sql, ref, p, 2, out, org_id);
}

/*
 * A membership's permission keys: its own (the column's JSON array), else
 * as the gate resolves them (membership_permissions.h: its role's in the
 * catalog, or Clerk's defaults), read by statements of their own while
 * the member's row is current (each backend allows it).
 */
static json_t *
member_permissions(struct db_conn *c, struct db_rows *r, int64_t org_id)
{
	struct membership_permissions m;
	struct arena                 *a;
	char                          ref[24];
	json_t                       *keys;
	size_t                        len, i;
	const char                   *text;

	if (!db_col_is_null(r, 7)) {
		text = db_col_text(r, 7, &len);
		keys = json_loadb(text, len, 0, NULL);
		if (json_is_array(keys))
			return keys;
		json_decref(keys);
		return json_array(); /* unreadable: grants nothing */
	}
	keys = json_array();
	a = arena_new();
	(void)snprintf(ref, sizeof(ref), "%lld", (long long)org_id);
	if (membership_permissions_of(c, db_col_int(r, 0), ref, a, &m) == 1) {
		for (i = 0; i < m.n; i++)
			json_array_append_new(keys, json_string(m.keys[i]));
	}
	arena_free(a);
	return keys;
}

/* Every row of MEMBER_SELECT: {"user": {...}, "role", "permissions"}. */
#define MEMBER_SELECT                                                         \
	"SELECT u.id, u.clerk_id, u.email, u.first_name, u.last_name, "       \
	"u.image_url, m.role, m.permissions FROM organization_memberships m " \
	"JOIN users u ON u.id = m.user_id "

static int
member_rows(struct db_conn *c, struct db_rows *r, int64_t org_id, json_t *data)
{
	int rc;

	while ((rc = db_rows_next(r)) == 1) {
		json_t *u = json_object(), *m = json_object();

		json_object_set_new(u, "id", json_integer(db_col_int(r, 0)));
		json_object_set_new(u, "clerk_id", api_list_text(r, 1));
		json_object_set_new(u, "email", api_list_text(r, 2));
		json_object_set_new(u, "first_name", api_list_text(r, 3));
		json_object_set_new(u, "last_name", api_list_text(r, 4));
		json_object_set_new(u, "image_url", api_list_text(r, 5));
		json_object_set_new(m, "user", u);
		json_object_set_new(m, "role", api_list_text(r, 6));
		json_object_set_new(m, "permissions",
		    member_permissions(c, r, org_id));
		json_array_append_new(data, m);
	}
	db_rows_free(r);
	return rc;
}

int
directory_org_members(struct db_conn *c, int64_t org_id, int64_t limit,
    int64_t offset, json_t **out)
{
	static const char *const count =
	    "SELECT count(*) FROM organization_memberships "
	    "WHERE organization_id = $1";
	static const char *const sql =
	    MEMBER_SELECT "WHERE m.organization_id = $1 "
	                  "ORDER BY m.id LIMIT $2 OFFSET $3";
	struct db_param p[] = {DB_INT(org_id), DB_INT(limit), DB_INT(offset)};
	struct db_rows *r;
	json_t         *data;
	int64_t         total = 0;

	*out = NULL;
	if (one_int(c, count, p, 1, &total) == -1)
		return -1;
	if ((r = db_query(c, sql, p, 3)) == NULL)
		return -1;
	data = json_array();
	if (member_rows(c, r, org_id, data) == -1) {
		json_decref(data);
		return -1;
	}
	*out = json_object();
	json_object_set_new(*out, "data", data);
	json_object_set_new(*out, "total_count", json_integer(total));
	return 1;
}

int
directory_org_member(struct db_conn *c, int64_t org_id,
    const char *clerk_user_id, json_t **out)
{
	static const char *const sql =
	    MEMBER_SELECT "WHERE m.organization_id = $1 AND u.clerk_id = $2";
	struct db_param p[] = {DB_INT(org_id), DB_TEXT(clerk_user_id)};
	struct db_rows *r;
	json_t         *data = json_array();

	*out = NULL;
	if ((r = db_query(c, sql, p, 2)) == NULL ||
	    member_rows(c, r, org_id, data) == -1) {
		json_decref(data);
		return -1;
	}
	if (json_array_size(data) == 0) {
		json_decref(data);
		return 0;
	}
	*out = json_incref(json_array_get(data, 0));
	json_decref(data);
	return 1;
}
