/*
 * The organization_domains table's writes (see domains.h). Bound
 * parameters only, one text for both backends.
 */
#include "accounts/domains.h"

#include <string.h>

#include "accounts/mirror_sql.h"

/*
 * $1 clerk_id, $2 organization_id, $3 name, $4 enrollment_mode, $5
 * verified (0 or 1), $6 affiliation_email_address, $7 clerk_updated_at,
 * $8 created_at, $9 now. A row as new as the event is written only when a
 * column differs, so a duplicate writes nothing.
 */
#define SAME(col) DB_SAME("organization_domains." col, "excluded." col)
#define UNCHANGED                                                          \
	SAME("organization_id")                                            \
	" AND " SAME("name") " AND " SAME("enrollment_mode") " AND " SAME( \
	    "verified") " AND " SAME("affiliation_email_address")

static const char *const upsert_sql =
    "INSERT INTO organization_domains (clerk_id, organization_id, name, "
    "enrollment_mode, verified, affiliation_email_address, "
    "clerk_updated_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
    "$6, $7, $8, $9) ON CONFLICT (clerk_id) DO UPDATE SET "
    "organization_id = excluded.organization_id, name = excluded.name, "
    "enrollment_mode = excluded.enrollment_mode, "
    "verified = excluded.verified, "
    "affiliation_email_address = excluded.affiliation_email_address, "
    "clerk_updated_at = excluded.clerk_updated_at, "
    "updated_at = excluded.updated_at WHERE " MIRROR_NEWER(
        "organization_domains", UNCHANGED);

int
domain_mirror_upsert(struct db_conn *c, const struct domain_values *v,
    int64_t *changed)
{
	struct db_param p[] = {DB_TEXT(v->clerk_id), DB_INT(v->organization_id),
	    DB_TEXT(v->name), db_text_or_null(v->enrollment_mode),
	    DB_INT(v->verified ? 1 : 0),
	    db_text_or_null(v->affiliation_email_address),
	    DB_INT(v->clerk_updated_at), DB_TEXT(v->created_at),
	    DB_TEXT(v->now)};

	return db_exec(c, upsert_sql, p, ARRAY_LEN(p), changed);
}

int
domain_delete_by_clerk(struct db_conn *c, const char *clerk_id)
{
	return db_exec_one(c,
	    "DELETE FROM organization_domains WHERE clerk_id = $1",
	    DB_TEXT(clerk_id), NULL);
}
