/*
 * The organization_invitations table's writes (see invitations.h). Bound
 * parameters only, one text for both backends.
 */
#include "accounts/invitations.h"

#include <string.h>

#include "accounts/mirror_sql.h"

/*
 * $1 clerk_id, $2 organization_id, $3 email_address, $4 role, $5 status,
 * $6 inviter_clerk_id, $7 user_clerk_id, $8 expires_at, $9
 * clerk_updated_at, $10 created_at, $11 now. A row as new as the event is
 * written only when a column differs, so a duplicate writes nothing.
 * Only the accepted event names the user (Clerk's lists do not): a
 * payload without one keeps the one stored, so a backfill of an accepted
 * invitation neither loses it nor counts as a change.
 */
#define SAME(col)   DB_SAME("organization_invitations." col, "excluded." col)
#define STORED_USER "organization_invitations.user_clerk_id"
#define USER_CLERK  "COALESCE(excluded.user_clerk_id, " STORED_USER ")"
#define UNCHANGED                                                                   \
	SAME("organization_id")                                                     \
	" AND " SAME("email_address") " AND " SAME("role") " AND " SAME(            \
	    "status") " AND " SAME("inviter_clerk_id") " AND " DB_SAME(STORED_USER, \
	    USER_CLERK) " AND " SAME("expires_at")

static const char *const upsert_sql =
    "INSERT INTO organization_invitations (clerk_id, organization_id, "
    "email_address, role, status, inviter_clerk_id, user_clerk_id, "
    "expires_at, clerk_updated_at, created_at, updated_at) VALUES ($1, $2, "
    "$3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (clerk_id) DO "
    "UPDATE SET organization_id = excluded.organization_id, "
    "email_address = excluded.email_address, role = excluded.role, "
    "status = excluded.status, "
    "inviter_clerk_id = excluded.inviter_clerk_id, "
    "user_clerk_id = " USER_CLERK ", expires_at = excluded.expires_at, "
    "clerk_updated_at = excluded.clerk_updated_at, "
    "updated_at = excluded.updated_at WHERE " MIRROR_NEWER(
        "organization_invitations", UNCHANGED);

int
invitation_mirror_upsert(struct db_conn *c, const struct invitation_values *v,
    int64_t *changed)
{
	struct db_param p[] = {DB_TEXT(v->clerk_id), DB_INT(v->organization_id),
	    DB_TEXT(v->email_address), DB_TEXT(v->role), DB_TEXT(v->status),
	    db_text_or_null(v->inviter_clerk_id),
	    db_text_or_null(v->user_clerk_id), db_int_or_null(v->expires_at),
	    DB_INT(v->clerk_updated_at), DB_TEXT(v->created_at),
	    DB_TEXT(v->now)};

	return db_exec(c, upsert_sql, p, ARRAY_LEN(p), changed);
}
