/*
 * The shared part of the Clerk event rules (see rule.h). Every function
 * runs on the event's connection inside its transaction.
 */
#include "accounts/rule.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "accounts/tombstones.h"

enum sync_outcome
rule_outcome(struct rule_ctx *x, enum sync_outcome o, const char *error)
{
	x->res->outcome = o;
	x->res->changed = o == SYNC_APPLIED;
	if (error != NULL)
		(void)snprintf(x->res->error, sizeof(x->res->error), "%s",
		    error);
	return o;
}

enum sync_outcome
rule_db_failed(struct rule_ctx *x)
{
	x->res->outcome = SYNC_DB_ERROR;
	(void)snprintf(x->res->error, sizeof(x->res->error), "database: %s",
	    db_errmsg(x->c));
	return SYNC_DB_ERROR;
}

enum sync_outcome
rule_written(struct rule_ctx *x, enum rule_write w)
{
	if (w == RULE_STALE)
		return rule_outcome(x, SYNC_IGNORED, "stale");
	rule_outcome(x, SYNC_APPLIED, NULL);
	x->res->changed = w == RULE_WROTE;
	return SYNC_APPLIED;
}

bool
rule_one_of(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(s, list[i]) == 0)
			return true;
	}
	return false;
}

const char *
rule_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int
rule_time(const json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);

	*out = DB_NO_INT;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return -1;
	*out = (int64_t)json_integer_value(v);
	return 0;
}

int
rule_times(const json_t *o, int64_t *updated_at, int64_t *created_at)
{
	if (rule_time(o, "updated_at", updated_at) == -1 ||
	    rule_time(o, "created_at", created_at) == -1)
		return -1;
	if (*updated_at == DB_NO_INT)
		*updated_at = *created_at != DB_NO_INT ? *created_at : 0;
	return 0;
}

int
rule_tombstoned(struct rule_ctx *x, const char *clerk_id, int64_t t)
{
	int64_t deleted_at;
	int     rc = tombstone_get(x->c, clerk_id, &deleted_at);

	if (rc != 1)
		return rc;
	return (t == DB_NO_INT || t <= deleted_at) ? 1 : 0;
}

void
rule_time_or_now(const struct rule_ctx *x, int64_t ms, char out[ISO_TIME_SIZE])
{
	if (ms != DB_NO_INT)
		time_iso_from_ms(ms, out);
	else
		memcpy(out, x->now, ISO_TIME_SIZE);
}

enum sync_outcome
rule_not_deleted(struct rule_ctx *x, const char *a, int64_t ta, const char *b,
    int64_t tb)
{
	int rc;

	if ((rc = rule_tombstoned(x, a, ta)) == 0)
		rc = rule_tombstoned(x, b, tb);
	if (rc != 0)
		return rc == -1 ? rule_db_failed(x)
		                : rule_outcome(x, SYNC_IGNORED, "stale");
	return SYNC_APPLIED;
}

int
rule_unwritten(struct rule_ctx *x, const char *sql, const struct db_param *p,
    int64_t updated_at, enum rule_write *w)
{
	int64_t stored = 0;
	bool    is_null = true;
	int     rc;

	if ((rc = db_query_int(x->c, sql, p, 1, &stored, &is_null)) == -1)
		return -1;
	*w = rc == 1 && !is_null && stored == updated_at ? RULE_SAME
	                                                 : RULE_STALE;
	return 0;
}

int
rule_upserted(struct rule_ctx *x, int64_t changed, const char *sql,
    const char *clerk_id, int64_t updated_at, enum rule_write *w)
{
	struct db_param p[] = {DB_TEXT(clerk_id)};

	*w = RULE_WROTE;
	return changed > 0 ? 0 : rule_unwritten(x, sql, p, updated_at, w);
}

enum sync_outcome
rule_delete(struct rule_ctx *x, const json_t *data, const char *kind,
    int (*del)(struct db_conn *c, const char *clerk_id))
{
	const char *clerk_id = rule_str(data, "id");

	if (clerk_id == NULL || *clerk_id == '\0')
		return rule_outcome(x, SYNC_FAILED,
		    "data.id: expected a string");
	if (del(x->c, clerk_id) == -1 ||
	    tombstone_set(x->c, clerk_id, kind, x->deleted_at) == -1)
		return rule_db_failed(x);
	return rule_outcome(x, SYNC_APPLIED, NULL);
}
