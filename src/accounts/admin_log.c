/*
 * admin_log's writer (see admin_log.h): bound parameters only, one text
 * for both backends.
 */
#include "accounts/admin_log.h"

#include <string.h>

#include "core/timeutil.h"

int
admin_log_add(struct db_conn *c, const struct admin_log_entry *e)
{
	static const char *const sql =
	    "INSERT INTO admin_log (user_id, action, object_type, object_id, "
	    "object_repr, message, created_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7)";
	char now[ISO_TIME_SIZE];

	time_iso_from_ms(time_now_ms(), now);
	struct db_param p[] = {DB_INT(e->user_id), DB_TEXT(e->action),
	    DB_TEXT(e->object_type), DB_TEXT(e->object_id),
	    DB_TEXTN(e->repr, e->repr_len),
	    DB_TEXT(e->message != NULL ? e->message : ""), DB_TEXT(now)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}
