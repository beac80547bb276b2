/*
 * The organizations table's writes (see orgs.h). Bound parameters only,
 * one text for both backends.
 */
#include "accounts/orgs.h"

#include <string.h>

/* The parameters of org_add and org_mirror_update: $1..$6 are clerk_id,
 * name, slug, image_url, clerk_updated_at and now. */
#define ORG_PARAMS 6

static void
org_params(const struct org_values *o, struct db_param p[ORG_PARAMS])
{
	p[0] = db_text_or_null(o->clerk_id);
	p[1] = DB_TEXT(o->name);
	p[2] = db_text_or_null(o->slug);
	p[3] = db_text_or_null(o->image_url);
	p[4] = db_int_or_null(o->clerk_updated_at);
	p[5] = DB_TEXT(o->now);
}

int
org_add(struct db_conn *c, const struct org_values *o, int64_t *id)
{
	static const char *const sql =
	    "INSERT INTO organizations (clerk_id, name, slug, image_url, "
	    "clerk_updated_at, created_at, updated_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $6) "
	    "ON CONFLICT (clerk_id) DO NOTHING RETURNING id";
	struct db_param p[ORG_PARAMS];

	org_params(o, p);
	return db_query_int(c, sql, p, ORG_PARAMS, id, NULL);
}

int
org_update(struct db_conn *c, int64_t id, const struct org_values *o)
{
	static const char *const sql =
	    "UPDATE organizations SET name = $1, slug = $2, image_url = $3, "
	    "updated_at = $4 WHERE id = $5";
	struct db_param p[] = {DB_TEXT(o->name), db_text_or_null(o->slug),
	    db_text_or_null(o->image_url), DB_TEXT(o->now), DB_INT(id)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

int
org_mirror_update(struct db_conn *c, const struct org_values *o,
    int64_t *changed)
{
	static const char *const sql =
	    "UPDATE organizations SET name = $2, slug = $3, image_url = $4, "
	    "clerk_updated_at = $5, updated_at = $6 WHERE clerk_id = $1 AND "
	    "(clerk_updated_at IS NULL OR clerk_updated_at < $5 OR "
	    "(clerk_updated_at = $5 AND NOT (name = $2 AND "
	    "COALESCE(slug = $3, slug IS NULL AND $3 IS NULL) AND "
	    "COALESCE(image_url = $4, image_url IS NULL AND $4 IS NULL))))";
	struct db_param p[ORG_PARAMS];

	org_params(o, p);
	return db_exec(c, sql, p, ORG_PARAMS, changed);
}

int
org_delete(struct db_conn *c, int64_t id)
{
	return db_exec_one(c, "DELETE FROM organizations WHERE id = $1",
	    DB_INT(id), NULL);
}

int
org_delete_by_clerk(struct db_conn *c, const char *clerk_id)
{
	return db_exec_one(c, "DELETE FROM organizations WHERE clerk_id = $1",
	    DB_TEXT(clerk_id), NULL);
}
