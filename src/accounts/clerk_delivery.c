/*
 * Delivery bookkeeping. The event row is inserted first ("insert or
 * nothing" on svix_id, optimistically as "applied"): on PostgreSQL a
 * concurrent delivery of the same id by another instance waits on that row
 * until we commit, then sees it and answers as a duplicate. A payload that
 * cannot be applied is refused before any write, so only its "failed" row
 * is left behind.
 */
#include "accounts/clerk_delivery.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/timeutil.h"

static int
db_error(struct db_conn *c, struct delivery *d)
{
	(void)snprintf(d->error, sizeof(d->error), "database: %s",
	    db_errmsg(c));
	return -1;
}

/* 1 new row, 0 a failed one to retry, 2 already done; -1 on error. */
static int
record(struct db_conn *c, struct delivery *d)
{
	static const char *const ins =
	    "INSERT INTO webhook_events (svix_id, type, status, error, "
	    "payload, "
	    "received_at, attempts) VALUES ($1, $2, 'applied', NULL, $3, "
	    "$4, 1) ON CONFLICT (svix_id) DO NOTHING";
	static const char *const retry =
	    "UPDATE webhook_events SET attempts = attempts + 1, type = $2, "
	    "payload = $3, received_at = $4 WHERE svix_id = $1 AND "
	    "status = 'failed'";
	char    now[ISO_TIME_SIZE];
	int64_t changed = 0;

	time_iso_from_ms(d->received_ms, now);
	struct db_param p[] = {DB_TEXT(d->svix_id), DB_TEXT(d->type),
	    DB_TEXTN(d->payload, d->payload_len), DB_TEXT(now)};

	if (db_exec(c, ins, p, 4, &changed) == -1)
		return -1;
	if (changed == 1)
		return 1;
	if (db_exec(c, retry, p, 4, &changed) == -1)
		return -1;
	return changed == 1 ? 0 : 2;
}

static int
finish(struct db_conn *c, struct delivery *d, const char *status,
    const char *error)
{
	static const char *const sql =
	    "UPDATE webhook_events SET status = $2, error = $3 "
	    "WHERE svix_id = $1";
	struct db_param p[] = {DB_TEXT(d->svix_id), DB_TEXT(status),
	    error != NULL && *error != '\0' ? DB_TEXT(error) : DB_NULLP};

	return db_exec(c, sql, p, 3, NULL);
}

int
clerk_delivery_process(struct db_conn *c, struct delivery *d)
{
	struct sync_result res;
	int                rc;

	d->error[0] = '\0';
	if ((rc = record(c, d)) == -1)
		return db_error(c, d);
	if (rc == 2) {
		d->outcome = DELIVERY_DUPLICATE;
		return 0;
	}
	/* On SYNC_FAILED clerk_sync_apply() has written nothing. */
	switch (clerk_sync_apply(c, d->event, d->received_ms, &res)) {
	case SYNC_APPLIED:
		d->outcome = DELIVERY_APPLIED;
		break;
	case SYNC_IGNORED:
		d->outcome = DELIVERY_IGNORED;
		break;
	case SYNC_FAILED:
		d->outcome = DELIVERY_FAILED;
		break;
	default:
		(void)snprintf(d->error, sizeof(d->error), "%s", res.error);
		return -1;
	}
	(void)snprintf(d->error, sizeof(d->error), "%s", res.error);
	/* A new row was written as "applied": most need no second write. */
	if (rc == 1 && d->outcome == DELIVERY_APPLIED)
		return 0;
	if (finish(c, d, delivery_outcome_str(d->outcome), d->error) == -1)
		return db_error(c, d);
	return 0;
}

/* FNV-1a, 64 bits: two ids on one key only make their writers wait. */
static int64_t
key_of(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (int64_t)h;
}

static void
add_key(const json_t *v, int64_t *keys, size_t max, size_t *n)
{
	const char *s = json_string_value(v);

	if (s != NULL && *s != '\0' && *n < max)
		keys[(*n)++] = key_of(s);
}

size_t
clerk_delivery_lock_keys(const struct delivery *d, int64_t *keys, size_t max)
{
	const json_t *data = json_object_get(d->event, "data");
	size_t        n = 0;

	if (d->svix_id != NULL && max > 0)
		keys[n++] = key_of(d->svix_id);
	add_key(json_object_get(data, "id"), keys, max, &n);
	/* A membership names its organization and user (and may create
	 * either); invitations and domains their organization; a session
	 * its user. */
	add_key(json_object_get(json_object_get(data, "organization"), "id"),
	    keys, max, &n);
	add_key(json_object_get(json_object_get(data, "public_user_data"),
	            "user_id"),
	    keys, max, &n);
	add_key(json_object_get(data, "organization_id"), keys, max, &n);
	add_key(json_object_get(data, "user_id"), keys, max, &n);
	return n;
}

const char *
delivery_outcome_str(enum delivery_outcome o)
{
	switch (o) {
	case DELIVERY_APPLIED:
		return "applied";
	case DELIVERY_IGNORED:
		return "ignored";
	case DELIVERY_DUPLICATE:
		return "duplicate";
	case DELIVERY_FAILED:
		return "failed";
	}
	return "unknown";
}
