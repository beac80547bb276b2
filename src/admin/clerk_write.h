/*
 * Edits of what Clerk holds (DESIGN sections 8 and 12.3). With
 * CLERK_SECRET_KEY set, an edit is a call to Clerk's Backend API first, as
 * the instance (no acting user); Clerk's answer is then applied to the
 * mirror by the rule of the webhook that follows it
 * (clerk_sync_apply_object), with the edit's admin_log rows, in one
 * transaction, so that webhook changes nothing. When Clerk refuses or does
 * not answer, nothing changes here. Without the key the forms edit this
 * database only, and say that Clerk may overwrite what they change.
 */
#ifndef ADMIN_CLERK_WRITE_H
#define ADMIN_CLERK_WRITE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "admin/ctx.h"

struct admin_object;

/* How a call through Clerk ended. */
enum admin_clerk_rc {
	ADMIN_CLERK_DONE = 0,    /* made; the answer applied and logged */
	ADMIN_CLERK_REFUSED,     /* Clerk refused: nothing changed */
	ADMIN_CLERK_UNAVAILABLE, /* no answer, 429 or 5xx: nothing changed */
	ADMIN_CLERK_UNAPPLIED,   /* made, but the answer did not apply */
	ADMIN_CLERK_DB_ERROR,    /* made, but the database failed */
};

/*
 * Writes a call's admin_log rows inside its transaction, given Clerk's
 * answer (borrowed). 0, or -1 on a database error.
 */
typedef int (*admin_clerk_log_fn)(struct admin_ctx *c, const json_t *answer,
    const void *arg);

/* One call to Clerk's Backend API and how its answer reaches the mirror. */
struct admin_clerk_call {
	const char   *method; /* "POST", "PATCH", "DELETE" */
	const char   *path;   /* "/v1/...", ids encoded with admin_enc() */
	const json_t *body;   /* NULL: none */
	const char   *event;  /* whose rule applies the answer */
	/* The answer must name this object ("id"); NULL: any. */
	const char *expect_id;
	/* A deletion logs first: admin_log.user_id must still exist when an
	 * admin deletes their own account. */
	bool               log_first;
	admin_clerk_log_fn log;
	const void        *arg;
};

/* What became of a call that did not end ADMIN_CLERK_DONE. */
struct admin_clerk_result {
	const char *error; /* Clerk's long_message, or why it did not apply */
	const char *param; /* Clerk's meta.param_name; NULL when none */
};

/* One admin_log row on an object, as a call's log (arg of
 * admin_clerk_log_note). */
struct admin_clerk_note {
	const struct admin_object *o;
	const char                *action;  /* "change", "delete" */
	const char                *message; /* "Revoked through Clerk." */
};

/* A call's log (admin_clerk_log_fn) whose arg is a struct
 * admin_clerk_note: its row, on the model of the URL. */
int admin_clerk_log_note(struct admin_ctx *c, const json_t *answer,
    const void *arg) MUST_CHECK;

/* True when CLERK_SECRET_KEY is set: Clerk's objects change in Clerk. */
bool admin_clerk_on(const struct admin_ctx *c) MUST_CHECK;
/*
 * Makes call and applies Clerk's answer (see above); res (strings in the
 * arena) says why when the call did not end ADMIN_CLERK_DONE. Never
 * retried: a write that timed out may have happened.
 */
enum admin_clerk_rc admin_clerk_write(struct admin_ctx *c,
    const struct admin_clerk_call                      *call,
    struct admin_clerk_result                          *res) MUST_CHECK;
/*
 * After a call that ended rc (not DONE, not DB_ERROR): queues the page's
 * message and returns the status of the page that shows it (503 when
 * Clerk is unavailable, else 200). at_field: Clerk's words are shown next
 * to a field already. done: the calls of the same save Clerk made before
 * this one (they stay made).
 */
int admin_clerk_report(struct admin_ctx *c, enum admin_clerk_rc rc,
    const struct admin_clerk_result *res, bool at_field, size_t done);
/* The words of that message (its level: warning for UNAPPLIED, else
 * error), for a page that flashes it instead. */
const char *admin_clerk_words(struct admin_ctx *c, enum admin_clerk_rc rc,
    const struct admin_clerk_result *res, bool at_field, size_t done);
/* The error page after ADMIN_CLERK_DB_ERROR (logged): Clerk made the
 * change, and the webhook that follows will record it. */
int admin_clerk_db_failed(struct admin_ctx *c, const char *what);
/*
 * The notice of a form that edits an object Clerk holds while
 * CLERK_SECRET_KEY is not set: this database only, and the next Clerk
 * event or sync may overwrite it (text: other words; NULL: those).
 */
void admin_clerk_local_notice(struct admin_ctx *c, const char *text);
/* "Changed Name." as "Changed Name through Clerk." (in the arena). */
const char *admin_clerk_through(struct admin_ctx *c, const char *message);
/* The help line of a form whose saves go through Clerk. */
void admin_clerk_through_help(struct admin_ctx *c);

/* A page of one object, answered with status. */
typedef int (*admin_object_page_fn)(struct admin_ctx *c,
    const struct admin_object *o, int status);

/* A revoke through Clerk: what admin_clerk_revoke() asks. */
struct admin_clerk_revoke {
	const char          *path;     /* POST, ids encoded */
	const char          *event;    /* whose rule applies the answer */
	const char          *clerk_id; /* the object the answer must name */
	admin_object_page_fn page;     /* the object's page */
};

/*
 * Revokes o, which Clerk holds, through Clerk, with the admin_log row
 * "Revoked through Clerk.": then a flash and a redirect to o's page, or,
 * when it did not go through, rv->page with why. *made is true when Clerk
 * revoked it, whatever the mirror could record.
 */
int admin_clerk_revoke(struct admin_ctx *c, const struct admin_object *o,
    const struct admin_clerk_revoke *rv, bool *made);
/*
 * The Revoke button of o (a form to its .../revoke/ URL) with effect
 * under it, or, without CLERK_SECRET_KEY, why there is none (what: "a
 * session"). Only for superusers; the caller decides whether o is live.
 */
void admin_clerk_revoke_form(struct admin_ctx *c, const struct admin_object *o,
    const char *what, const char *effect);

#endif
