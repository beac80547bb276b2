/*
 * The session.* rules (DESIGN section 11.3, reference/clerk.md section
 * 8.1), with the ordering of section 5: a session is upserted by its
 * Clerk id unless the mirror holds a newer state (updated_at against
 * clerk_updated_at), so a revoked session stays revoked whatever arrives
 * late. A session of a user the mirror does not hold creates that user
 * from the User the payload embeds, through the user rule (a full User,
 * better than the stub a membership leaves); without one the event fails,
 * so that Svix tries again once the user is there. A deleted user's
 * sessions are not brought back. The writes are accounts/sessions.c's.
 */
#include "accounts/rule.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/sessions.h"
#include "accounts/users.h"

/* The session actions Clerk sends; any other is acknowledged, unused. */
static const char *const actions[] = {
    "session.created",
    "session.pending",
    "session.ended",
    "session.removed",
    "session.revoked",
};

/* A session payload, read and checked before anything is written. */
struct clerk_session {
	struct session_values v;
	const char           *user_clerk_id;
	int64_t               created_at; /* ms, or DB_NO_INT */
	const json_t         *user;       /* the embedded User, or NULL */
	char                 *actor;      /* owned: the text of data.actor */
};

/* NULL when s is usable, else why not. */
static const char *
parse_session(const json_t *data, struct clerk_session *s)
{
	const json_t *actor = json_object_get(data, "actor");
	const json_t *user = json_object_get(data, "user");

	memset(s, 0, sizeof(*s));
	s->v.clerk_id = rule_str(data, "id");
	s->user_clerk_id = rule_str(data, "user_id");
	s->v.status = rule_str(data, "status");
	if (s->v.clerk_id == NULL || *s->v.clerk_id == '\0' ||
	    s->user_clerk_id == NULL || *s->user_clerk_id == '\0' ||
	    s->v.status == NULL)
		return "data.id, data.user_id and data.status: expected "
		       "strings";
	if (rule_times(data, &s->v.clerk_updated_at, &s->created_at) == -1 ||
	    rule_time(data, "last_active_at", &s->v.last_active_at) == -1 ||
	    rule_time(data, "expire_at", &s->v.expire_at) == -1 ||
	    rule_time(data, "abandon_at", &s->v.abandon_at) == -1)
		return "data.*_at: expected integers (ms) or null";
	if (actor != NULL && !json_is_null(actor) && !json_is_object(actor))
		return "data.actor: expected an object or null";
	if (user != NULL && !json_is_null(user)) {
		const char *id = rule_str(user, "id");

		if (!json_is_object(user) || id == NULL ||
		    strcmp(id, s->user_clerk_id) != 0)
			return "data.user: expected the User of data.user_id";
		s->user = user;
	}
	s->v.client_id = rule_str(data, "client_id");
	s->v.last_active_organization_id =
	    rule_str(data, "last_active_organization_id");
	if (json_is_object(actor))
		s->actor = json_dumps(actor, JSON_COMPACT | JSON_SORT_KEYS);
	s->v.actor = s->actor;
	return NULL;
}

/* The local id of the user clerk_id names: 1, 0 when none, -1. */
static int
user_of(struct rule_ctx *x, const char *clerk_id, int64_t *id)
{
	static const char *const sql =
	    "SELECT id FROM users WHERE clerk_id = $1";
	struct db_param p[] = {DB_TEXT(clerk_id)};

	return db_query_int(x->c, sql, p, 1, id, NULL);
}

/*
 * The session's user: found, else made from the embedded User by the user
 * rule. SYNC_APPLIED with *id, or the outcome that ends the event.
 */
static enum sync_outcome
session_user(struct rule_ctx *x, const struct clerk_session *s, int64_t *id)
{
	int rc;

	/* A deleted user's sessions stay out of the mirror. */
	if ((rc = rule_tombstoned(x, s->user_clerk_id, DB_NO_INT)) != 0)
		return rc == -1 ? rule_db_failed(x)
		                : rule_outcome(x, SYNC_IGNORED, "stale");
	if ((rc = user_of(x, s->user_clerk_id, id)) == -1)
		return rule_db_failed(x);
	if (rc == 1)
		return SYNC_APPLIED;
	if (s->user == NULL)
		return rule_outcome(x, SYNC_FAILED,
		    "data.user_id: the user is not mirrored and the payload "
		    "embeds no user");
	return rule_user(x, s->user, id);
}

/* Writes s; *w says whether it did, or why not. */
static int
session_write(struct rule_ctx *x, const struct clerk_session *s,
    enum rule_write *w)
{
	int64_t changed = 0, stored = DB_NO_INT;
	int     rc;

	if (session_mirror_upsert(x->c, &s->v, &changed) == -1)
		return -1;
	*w = RULE_WROTE;
	if (changed > 0)
		return 0;
	if ((rc = session_clerk_updated_at(x->c, s->v.clerk_id, &stored)) == -1)
		return -1;
	*w =
	    rc == 1 && stored == s->v.clerk_updated_at ? RULE_SAME : RULE_STALE;
	return 0;
}

/* session.created: the user signed in at the session's start. */
static int
note_login(struct rule_ctx *x, const struct clerk_session *s)
{
	int64_t at =
	    s->created_at != DB_NO_INT ? s->created_at : s->v.last_active_at;
	char iso[ISO_TIME_SIZE];

	if (at == DB_NO_INT)
		return 0;
	time_iso_from_ms(at, iso);
	return user_note_login(x->c, s->v.user_id, iso);
}

static enum sync_outcome
apply(struct rule_ctx *x, const char *type, struct clerk_session *s)
{
	enum sync_outcome o;
	enum rule_write   w;

	if ((o = session_user(x, s, &s->v.user_id)) != SYNC_APPLIED)
		return o;
	if (session_write(x, s, &w) == -1)
		return rule_db_failed(x);
	if (w == RULE_WROTE && strcmp(type, "session.created") == 0 &&
	    note_login(x, s) == -1)
		return rule_db_failed(x);
	return rule_written(x, w);
}

enum sync_outcome
rule_session(struct rule_ctx *x, const char *type, const json_t *data)
{
	struct clerk_session s;
	const char          *why;
	enum sync_outcome    o;

	if (!rule_one_of(type, actions, ARRAY_LEN(actions)))
		return rule_outcome(x, SYNC_IGNORED, NULL);
	if ((why = parse_session(data, &s)) != NULL)
		o = rule_outcome(x, SYNC_FAILED, why);
	else
		o = apply(x, type, &s);
	free(s.actor);
	return o;
}
