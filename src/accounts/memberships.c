/*
 * The organization_memberships table's writes (see memberships.h). Bound
 * parameters only, one text for both backends. The unique (user_id,
 * organization_id) and clerk_id settle races between writers: an insert
 * that would break one inserts nothing (ON CONFLICT DO NOTHING).
 */
#include "accounts/memberships.h"

#include <string.h>

/*
 * The parameters of membership_add and the mirror updates: $1..$7 are
 * clerk_id, role, clerk_updated_at, now, permissions, user_id and
 * organization_id (membership_mirror_update uses the first 5).
 */
#define MEMBERSHIP_PARAMS 7

static void
membership_params(const struct membership_values *m,
    struct db_param                               p[MEMBERSHIP_PARAMS])
{
	p[0] = db_text_or_null(m->clerk_id);
	p[1] = DB_TEXT(m->role);
	p[2] = db_int_or_null(m->clerk_updated_at);
	p[3] = DB_TEXT(m->now);
	p[4] = db_text_or_null(m->permissions);
	p[5] = DB_INT(m->user_id);
	p[6] = DB_INT(m->org_id);
}

/* The guard of the mirror updates: the row is older, or as old with
 * another role or other permissions (null-safe: SQLite 3.39 would be
 * needed for IS NOT DISTINCT FROM). */
#define MIRROR_NEWER                                              \
	"(clerk_updated_at IS NULL OR clerk_updated_at < $3 OR "  \
	"(clerk_updated_at = $3 AND (role <> $2 OR NOT COALESCE(" \
	"permissions = $5, permissions IS NULL AND $5 IS NULL)"

int
membership_add(struct db_conn *c, const struct membership_values *m,
    int64_t *id)
{
	static const char *const sql =
	    "INSERT INTO organization_memberships (clerk_id, role, "
	    "clerk_updated_at, created_at, updated_at, permissions, user_id, "
	    "organization_id) VALUES ($1, $2, $3, $4, $4, $5, $6, $7) "
	    "ON CONFLICT DO NOTHING RETURNING id";
	struct db_param p[MEMBERSHIP_PARAMS];
	int64_t         got = 0;
	int             rc;

	membership_params(m, p);
	rc = db_query_int(c, sql, p, MEMBERSHIP_PARAMS, &got, NULL);
	if (rc == 1 && id != NULL)
		*id = got;
	return rc;
}

int
membership_set_role(struct db_conn *c, int64_t id, int64_t org_id,
    const char *role, const char *now)
{
	static const char *const sql =
	    "UPDATE organization_memberships SET role = $1, updated_at = $2, "
	    "permissions = NULL WHERE id = $3 AND organization_id = $4";
	struct db_param p[] = {DB_TEXT(role), DB_TEXT(now), DB_INT(id),
	    DB_INT(org_id)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
membership_mirror_update(struct db_conn *c, const struct membership_values *m,
    int64_t *changed)
{
	static const char *const sql =
	    "UPDATE organization_memberships SET role = $2, "
	    "clerk_updated_at = $3, updated_at = $4, permissions = $5 "
	    "WHERE clerk_id = $1 AND " MIRROR_NEWER ")))";
	struct db_param p[MEMBERSHIP_PARAMS];

	/* PostgreSQL must see every parameter it is sent: $1..$5 only. */
	membership_params(m, p);
	return db_exec(c, sql, p, 5, changed);
}

int
membership_mirror_update_pair(struct db_conn *c,
    const struct membership_values *m, int64_t *changed)
{
	static const char *const sql =
	    "UPDATE organization_memberships SET clerk_id = $1, role = $2, "
	    "clerk_updated_at = $3, updated_at = $4, permissions = $5 "
	    "WHERE user_id = $6 AND organization_id = $7 AND " MIRROR_NEWER
	    " OR clerk_id IS NULL OR clerk_id <> $1)))";
	struct db_param p[MEMBERSHIP_PARAMS];

	membership_params(m, p);
	return db_exec(c, sql, p, MEMBERSHIP_PARAMS, changed);
}

int
membership_delete(struct db_conn *c, int64_t id)
{
	return db_exec_one(c,
	    "DELETE FROM organization_memberships WHERE id = $1", DB_INT(id),
	    NULL);
}

int
membership_delete_in_org(struct db_conn *c, int64_t id, int64_t org_id)
{
	static const char *const sql =
	    "DELETE FROM organization_memberships WHERE id = $1 AND "
	    "organization_id = $2";
	struct db_param p[] = {DB_INT(id), DB_INT(org_id)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
membership_delete_by_clerk(struct db_conn *c, const char *clerk_id,
    int64_t *changed)
{
	return db_exec_one(c,
	    "DELETE FROM organization_memberships WHERE clerk_id = $1",
	    DB_TEXT(clerk_id), changed);
}

int
membership_delete_by_parties(struct db_conn *c, const char *user_clerk_id,
    const char *org_clerk_id)
{
	static const char *const sql =
	    "DELETE FROM organization_memberships WHERE user_id = "
	    "(SELECT id FROM users WHERE clerk_id = $1) AND organization_id = "
	    "(SELECT id FROM organizations WHERE clerk_id = $2)";
	struct db_param p[] = {DB_TEXT(user_clerk_id), DB_TEXT(org_clerk_id)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}
