/*
 * What the Clerk event rules share (clerk_sync.c: users, organizations,
 * memberships; clerk_sessions.c: sessions; clerk_catalog.c: roles and
 * permissions; clerk_invitations.c, clerk_domains.c: an organization's
 * invitations and domains): the context of one event, its outcome, the readers
 * of payload members, and the ordering checks. Internal to accounts/: only
 * those files include it; the rest of the program calls clerk_sync_apply.
 */
#ifndef ACCOUNTS_RULE_H
#define ACCOUNTS_RULE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/clerk_sync.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "db/db.h"

/* The event being applied, on the caller's connection and transaction. */
struct rule_ctx {
	struct db_conn     *c;
	struct sync_result *res;
	char                now[ISO_TIME_SIZE]; /* the receipt time */
	int64_t             deleted_at;         /* a deletion's time (ms) */
};

/* What an upsert did to the stored row. */
enum rule_write {
	RULE_WROTE = 0, /* inserted or changed */
	RULE_SAME,      /* already held exactly this: nothing written */
	RULE_STALE,     /* the stored row is newer: nothing written */
};

/* Sets the outcome (error may be NULL) and returns it. */
enum sync_outcome rule_outcome(struct rule_ctx *x, enum sync_outcome o,
    const char *error);
/* SYNC_DB_ERROR with the connection's message. */
enum sync_outcome rule_db_failed(struct rule_ctx *x);
/* The outcome of an upsert that did w (RULE_STALE: ignored, "stale"). */
enum sync_outcome rule_written(struct rule_ctx *x, enum rule_write w);
/* True when s is one of the n strings of list. */
bool rule_one_of(const char *s, const char *const *list, size_t n) MUST_CHECK;
/* A string member, or NULL when absent, null or not a string. */
const char *rule_str(const json_t *o, const char *key) MUST_CHECK;
/* 0 with *out set (DB_NO_INT when absent or null); -1 when of another
 * type. */
int rule_time(const json_t *o, const char *key, int64_t *out) MUST_CHECK;
/*
 * Reads updated_at and created_at of o; a missing updated_at becomes
 * created_at, else 0. -1 when either is of another type.
 */
int rule_times(const json_t *o, int64_t *updated_at,
    int64_t *created_at) MUST_CHECK;
/* The time ms (DB_NO_INT: unknown) as ISO-8601 text, or the receipt time
 * when unknown. */
void rule_time_or_now(const struct rule_ctx *x, int64_t ms,
    char out[ISO_TIME_SIZE]);
/*
 * SYNC_APPLIED when neither a (at or after ta) nor b (at or after tb) is
 * tombstoned (see rule_tombstoned); else ignored ("stale"), or the
 * database error.
 */
enum sync_outcome rule_not_deleted(struct rule_ctx *x, const char *a,
    int64_t ta, const char *b, int64_t tb);
/* 1 when clerk_id is tombstoned at or after t (t DB_NO_INT: at all), 0
 * when not, -1 on a database error. */
int rule_tombstoned(struct rule_ctx *x, const char *clerk_id,
    int64_t t) MUST_CHECK;
/*
 * An update that wrote nothing: *w = RULE_SAME when the row's stored
 * clerk_updated_at (sql, one parameter p) equals updated_at, else
 * RULE_STALE (the stored row is newer). 0, or -1 on a database error.
 */
int rule_unwritten(struct rule_ctx *x, const char *sql,
    const struct db_param *p, int64_t updated_at,
    enum rule_write *w) MUST_CHECK;
/*
 * After an upsert of the row clerk_id that wrote changed rows: *w is
 * RULE_WROTE when it wrote, else as rule_unwritten with sql (one
 * parameter, clerk_id). 0, or -1 on a database error.
 */
int rule_upserted(struct rule_ctx *x, int64_t changed, const char *sql,
    const char *clerk_id, int64_t updated_at, enum rule_write *w) MUST_CHECK;
/* Deletes the mirror of data.id with del and tombstones it as kind at
 * x->deleted_at. */
enum sync_outcome rule_delete(struct rule_ctx *x, const json_t *data,
    const char *kind, int (*del)(struct db_conn *c, const char *clerk_id));

/*
 * The user rule of user.created / user.updated (clerk_sync.c) on a full
 * Clerk User: *id gets the local id when the outcome is SYNC_APPLIED.
 */
enum sync_outcome rule_user(struct rule_ctx *x, const json_t *data,
    int64_t *id);
/*
 * Before an invitation or a domain (clerk_id, at updated_at, described by
 * data) is written: ignored ("stale") when it is tombstoned at or after
 * updated_at, or when its organization (data.organization_id) was
 * deleted; else SYNC_APPLIED with *org_id, that organization's local id:
 * the mirrored one, else a stub made from data.public_organization_data
 * when that describes it, else from its id alone, which the
 * organization's own event fills in (clerk_sync.c). SYNC_FAILED without
 * an organization id, before anything is written.
 */
enum sync_outcome rule_org_of(struct rule_ctx *x, const json_t *data,
    const char *clerk_id, int64_t updated_at, int64_t *org_id);
/* The session.* events (clerk_sessions.c); other actions are ignored. */
enum sync_outcome rule_session(struct rule_ctx *x, const char *type,
    const json_t *data);
/* The role.* and permission.* events (clerk_catalog.c). */
enum sync_outcome rule_catalog(struct rule_ctx *x, const char *type,
    const json_t *data);
/* The organizationInvitation.* events (clerk_invitations.c). */
enum sync_outcome rule_invitation(struct rule_ctx *x, const char *type,
    const json_t *data);
/* The organizationDomain.* events (clerk_domains.c). */
enum sync_outcome rule_domain(struct rule_ctx *x, const char *type,
    const json_t *data);

#endif
