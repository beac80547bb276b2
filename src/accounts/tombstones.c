/*
 * clerk_tombstones (see tombstones.h): bound parameters only, one text for
 * both backends.
 */
#include "accounts/tombstones.h"

#include <string.h>

int
tombstone_get(struct db_conn *c, const char *clerk_id, int64_t *deleted_at)
{
	static const char *const sql =
	    "SELECT deleted_at FROM clerk_tombstones WHERE clerk_id = $1";
	struct db_param p[] = {DB_TEXT(clerk_id)};

	return db_query_int(c, sql, p, ARRAY_LEN(p), deleted_at, NULL);
}

int
tombstone_set(struct db_conn *c, const char *clerk_id, const char *kind,
    int64_t deleted_at)
{
	static const char *const sql =
	    "INSERT INTO clerk_tombstones (clerk_id, kind, deleted_at) "
	    "VALUES ($1, $2, $3) ON CONFLICT (clerk_id) DO UPDATE SET "
	    "deleted_at = CASE WHEN excluded.deleted_at > "
	    "clerk_tombstones.deleted_at THEN excluded.deleted_at "
	    "ELSE clerk_tombstones.deleted_at END";
	struct db_param p[] = {DB_TEXT(clerk_id), DB_TEXT(kind),
	    DB_INT(deleted_at)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}
