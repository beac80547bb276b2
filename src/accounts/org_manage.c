/*
 * The mirror reads of the organization-management routes (see
 * org_manage.h). Bound parameters only; results are copied into the
 * caller's arena or into jansson values before each statement is
 * released. Stateless and thread-safe.
 */
#include "accounts/org_manage.h"

#include <string.h>

#include "accounts/api_list.h"
#include "accounts/directory.h"
#include "core/str.h"

int
org_manage_org(struct db_conn *c, const char *ref, struct arena *a,
    int64_t *org_id, const char **clerk_id)
{
	static const struct directory_org_sql sql = {
	    .by_clerk = "SELECT id, clerk_id FROM organizations "
	                "WHERE clerk_id = $1",
	    .by_id = "SELECT id, clerk_id FROM organizations WHERE id = $1",
	};
	struct db_param p[1] = {DB_NULLP};
	struct db_rows *r;
	const char     *id;
	size_t          len;
	bool            unknown;
	int             rc;

	if ((r = directory_org_query(c, &sql, ref, p, 1, &unknown)) == NULL)
		return unknown ? 0 : -1;
	if ((rc = db_rows_next(r)) == 1) {
		*org_id = db_col_int(r, 0);
		id = db_col_text(r, 1, &len);
		*clerk_id = arena_strndup(a, id, len);
	}
	db_rows_free(r);
	return rc;
}

/* Copies column i (NULL stays NULL) into a. */
static const char *
col_dup(struct db_rows *r, int i, struct arena *a)
{
	const char *p;
	size_t      len;

	if (db_col_is_null(r, i))
		return NULL;
	p = db_col_text(r, i, &len);
	return arena_strndup(a, p, len);
}

int
org_manage_member(struct db_conn *c, int64_t org_id, const char *ref,
    struct arena *a, struct org_member *m)
{
	static const char *const by_clerk =
	    "SELECT u.id, u.clerk_id, m.role FROM users u "
	    "LEFT JOIN organization_memberships m ON m.user_id = u.id "
	    "AND m.organization_id = $1 WHERE u.clerk_id = $2";
	static const char *const by_id =
	    "SELECT u.id, u.clerk_id, m.role FROM users u "
	    "LEFT JOIN organization_memberships m ON m.user_id = u.id "
	    "AND m.organization_id = $1 WHERE u.id = $2 "
	    "AND u.clerk_id IS NOT NULL";
	struct db_param p[2] = {DB_INT(org_id), DB_NULLP};
	struct db_rows *r;
	bool            is_clerk = strncmp(ref, "user_", 5) == 0;
	int64_t         local;
	int             rc;

	memset(m, 0, sizeof(*m));
	if (is_clerk) {
		p[1] = DB_TEXT(ref);
	} else if (str_to_i64(str_from_cstr(ref), 1, INT64_MAX, &local) == 0) {
		p[1] = DB_INT(local);
	} else {
		return 0;
	}
	if ((r = db_query(c, is_clerk ? by_clerk : by_id, p, 2)) == NULL)
		return -1;
	if ((rc = db_rows_next(r)) == 1) {
		m->user_id = db_col_int(r, 0);
		m->clerk_id = col_dup(r, 1, a);
		m->role = col_dup(r, 2, a);
	}
	db_rows_free(r);
	if (rc == 0 && is_clerk) {
		/* Not mirrored (yet): Clerk may still know them. */
		m->clerk_id = ref;
		rc = 1;
	}
	return rc;
}

bool
org_manage_is_admin(const char *role)
{
	return role != NULL &&
	    (strcmp(role, ORG_MANAGE_ADMIN_ROLE) == 0 ||
	        strcmp(role, "admin") == 0);
}

int
org_manage_lock_admins(struct db_conn *c, int64_t org_id, int64_t user_id,
    int64_t *others)
{
	/* NO KEY UPDATE: a second admin change of the organization waits,
	 * while memberships (foreign keys: KEY SHARE) are not held up. */
	static const struct db_sql lock = {
	    .sqlite = "SELECT id FROM organizations WHERE id = $1",
	    .pg = "SELECT id FROM organizations WHERE id = $1 "
	          "FOR NO KEY UPDATE",
	};
	static const char *const count =
	    "SELECT count(*) FROM organization_memberships "
	    "WHERE organization_id = $1 AND role IN ('" ORG_MANAGE_ADMIN_ROLE
	    "', 'admin') AND user_id <> $2";
	struct db_param p[] = {DB_INT(org_id), DB_INT(user_id)};
	struct db_rows *r;
	int             rc;

	if ((r = db_query_sql(c, &lock, p, 1)) == NULL)
		return -1;
	while ((rc = db_rows_next(r)) == 1)
		;
	db_rows_free(r);
	if (rc == -1)
		return -1;
	/* Counted after the lock: what a change that held it before this
	 * one has made is seen (a new statement on PostgreSQL, the whole
	 * database on SQLite). */
	*others = 0;
	return db_query_int(c, count, p, 2, others, NULL) == -1 ? -1 : 0;
}

/*
 * The status as read: a pending invitation past its expires_at (NOW, the
 * placeholder of now in ms) is expired (Clerk sends no event for it,
 * reference/clerk.md 8.2).
 */
#define STATUS_READ(NOW)                                               \
	"CASE WHEN status = 'pending' AND expires_at IS NOT NULL AND " \
	"expires_at <= " NOW " THEN 'expired' ELSE status END"

/* created_at in Unix ms: SQLite's text ("...T20:10:27.123Z") or
 * PostgreSQL's timestamptz. */
#define SQLITE_CREATED_MS                                       \
	"CAST(strftime('%s', created_at) AS INTEGER) * 1000 + " \
	"CAST(substr(created_at, 21, 3) AS INTEGER)"
#define PG_CREATED_MS "(extract(epoch FROM created_at) * 1000)::bigint"

#define ITEM_SELECT(CREATED_MS, NOW)                          \
	"SELECT clerk_id, email_address, role, " STATUS_READ( \
	    NOW) ", "                                         \
	         "expires_at, " CREATED_MS " FROM organization_invitations "

/* $1 org, $2 the status wanted or NULL, $3 now, $4 limit, $5 offset. */
#define LIST(CREATED_MS)                                                    \
	ITEM_SELECT(CREATED_MS, "$3")                                       \
	"WHERE organization_id = $1 AND (CAST($2 AS TEXT) IS NULL "         \
	"OR " STATUS_READ("$3") " = $2) ORDER BY created_at DESC, id DESC " \
	                        "LIMIT $4 OFFSET $5"

/* $1 the Clerk id, $2 now. */
#define ONE(CREATED_MS) ITEM_SELECT(CREATED_MS, "$2") "WHERE clerk_id = $1"

/* One item from the columns of ITEM_SELECT. */
static json_t *
item_of(struct db_rows *r, const void *arg)
{
	(void)arg;
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "clerk_id",
	    api_list_text(r, 0), "email_address", api_list_text(r, 1), "role",
	    api_list_text(r, 2), "status", api_list_text(r, 3), "expires_at",
	    api_list_int(r, 4), "created_at", api_list_int(r, 5));
}

int
org_manage_invitations(struct db_conn *c, int64_t org_id, const char *status,
    int64_t now_ms, int64_t limit, int64_t offset, json_t **out)
{
	static const struct db_sql list = {
	    .sqlite = LIST(SQLITE_CREATED_MS),
	    .pg = LIST(PG_CREATED_MS),
	};
	static const char *const count =
	    "SELECT count(*) FROM organization_invitations "
	    "WHERE organization_id = $1 AND (CAST($2 AS TEXT) IS NULL "
	    "OR " STATUS_READ("$3") " = $2)";
	struct db_param p[] = {DB_INT(org_id), db_text_or_null(status),
	    DB_INT(now_ms), DB_INT(limit), DB_INT(offset)};

	return api_list_page(c, count, 3, &list, p, ARRAY_LEN(p), item_of, NULL,
	    out);
}

int
org_manage_invitation(struct db_conn *c, const char *clerk_id, int64_t now_ms,
    json_t **out)
{
	static const struct db_sql one = {
	    .sqlite = ONE(SQLITE_CREATED_MS),
	    .pg = ONE(PG_CREATED_MS),
	};
	struct db_param p[] = {DB_TEXT(clerk_id), DB_INT(now_ms)};
	struct db_rows *r;
	int             rc;

	*out = NULL;
	if ((r = db_query_sql(c, &one, p, ARRAY_LEN(p))) == NULL)
		return -1;
	if ((rc = db_rows_next(r)) == 1)
		*out = item_of(r, NULL);
	db_rows_free(r);
	return rc;
}

/* A member of Clerk's object, copied, or null. */
static json_t *
copied(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return v != NULL ? json_deep_copy(v) : json_null();
}

json_t *
org_manage_invitation_from_clerk(const json_t *inv, int64_t now_ms)
{
	const char *status = json_string_value(json_object_get(inv, "status"));
	json_t     *expires = json_object_get(inv, "expires_at");

	if (status != NULL && strcmp(status, "pending") == 0 &&
	    json_is_integer(expires) && json_integer_value(expires) <= now_ms)
		status = "expired";
	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "clerk_id",
	    copied(inv, "id"), "email_address", copied(inv, "email_address"),
	    "role", copied(inv, "role"), "status",
	    status != NULL ? json_string(status) : json_null(), "expires_at",
	    copied(inv, "expires_at"), "created_at", copied(inv, "created_at"));
}
