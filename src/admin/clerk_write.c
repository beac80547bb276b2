/*
 * Edits through Clerk (see clerk_write.h): the call, Clerk's answer
 * applied by the webhook rules with the admin_log rows in one
 * transaction, and the words the page shows when it did not go through.
 * Everything the result holds lives on the request's arena.
 */
#include "admin/clerk_write.h"

#include <string.h>

#include "accounts/clerk_sync.h"
#include "admin/model.h"
#include "admin/page.h"
#include "app.h"
#include "clerk/backend_api.h"
#include "core/log.h"
#include "core/timeutil.h"

#define LOG_CODE_MAX 80 /* bytes of Clerk's error code in a log line */

bool
admin_clerk_on(const struct admin_ctx *c)
{
	return c->r->app->cfg->clerk_secret_key != NULL;
}

/* True when the answer names the object the call was about. */
static bool
names_object(const struct admin_clerk_call *call, const json_t *answer)
{
	const char *id = json_string_value(json_object_get(answer, "id"));

	if (call->expect_id == NULL)
		return id != NULL;
	return id != NULL && strcmp(id, call->expect_id) == 0;
}

/* Clerk's refusal in res: its first error's long_message and param. */
static void
refused(struct admin_ctx *c, const struct clerk_api_answer *a,
    struct admin_clerk_result *res)
{
	struct clerk_api_error e;
	char                   code[LOG_CODE_MAX * 4 + 1] = "";

	if (a->status >= 200 && a->status <= 299) {
		res->error = "Clerk answered without the object it was asked "
		             "to change.";
	} else if (clerk_api_first_error(a, &e) && *e.long_message != '\0') {
		res->error = admin_printf(c, "%s", e.long_message);
		if (*e.param_name != '\0')
			res->param = admin_printf(c, "%s", e.param_name);
		(void)log_escape(code, sizeof(code), e.code, LOG_CODE_MAX);
	} else {
		res->error =
		    admin_printf(c, "Clerk answered HTTP %ld.", a->status);
	}
	log_info("req=%s component=admin msg=\"Clerk refused\" status=%ld "
	         "code=\"%s\"",
	    c->r->id, a->status, code);
}

/* The answer applied with the log rows, in one transaction. */
static enum admin_clerk_rc
apply(struct admin_ctx *c, const struct admin_clerk_call *call, json_t *answer,
    struct admin_clerk_result *res)
{
	struct sync_result s;

	if (admin_tx_begin(c) == -1)
		return ADMIN_CLERK_DB_ERROR;
	if (call->log_first && call->log(c, answer, call->arg) == -1)
		goto failed;
	switch (clerk_sync_apply_object(c->db, call->event, answer,
	    time_now_ms(), &s)) {
	case SYNC_DB_ERROR:
		goto failed;
	case SYNC_FAILED:
		(void)!db_rollback(c->db);
		res->error = admin_printf(c, "%s", s.error);
		return ADMIN_CLERK_UNAPPLIED;
	default:
		/* SYNC_IGNORED: the mirror held something newer already. */
		break;
	}
	if (!call->log_first && call->log(c, answer, call->arg) == -1)
		goto failed;
	if (admin_tx_commit(c) == -1)
		return ADMIN_CLERK_DB_ERROR;
	return ADMIN_CLERK_DONE;
failed:
	(void)!db_rollback(c->db);
	return ADMIN_CLERK_DB_ERROR;
}

enum admin_clerk_rc
admin_clerk_write(struct admin_ctx *c, const struct admin_clerk_call *call,
    struct admin_clerk_result *res)
{
	const struct config    *cfg = c->r->app->cfg;
	struct clerk_api_answer a;
	enum admin_clerk_rc     rc;

	res->error = NULL;
	res->param = NULL;
	if (clerk_api_call(call->method, cfg->clerk_api_url,
	        cfg->clerk_secret_key, call->path, call->body, &a) == -1) {
		rc = ADMIN_CLERK_UNAVAILABLE; /* logged by the call */
		goto out;
	}
	if (a.status == HTTP_TOO_MANY_REQUESTS || a.status >= 500) {
		log_warn("req=%s component=admin msg=\"Clerk unavailable\" "
		         "status=%ld",
		    c->r->id, a.status);
		rc = ADMIN_CLERK_UNAVAILABLE;
		goto out;
	}
	if (a.status < 200 || a.status > 299 || !json_is_object(a.json) ||
	    !names_object(call, a.json)) {
		refused(c, &a, res);
		rc = ADMIN_CLERK_REFUSED;
		goto out;
	}
	rc = apply(c, call, a.json, res);
out:
	clerk_api_answer_cleanup(&a);
	return rc;
}

/* " The 2 changes before it were made." when done > 0, else "". */
static const char *
made_before(struct admin_ctx *c, size_t done)
{
	if (done == 0)
		return "";
	if (done == 1)
		return " The change before it was made, in Clerk and here.";
	return admin_printf(c,
	    " The %zu changes before it were made, in Clerk and here.", done);
}

const char *
admin_clerk_words(struct admin_ctx *c, enum admin_clerk_rc rc,
    const struct admin_clerk_result *res, bool at_field, size_t done)
{
	const char *last =
	    done > 0 ? "This change was not made." : "Nothing was changed.";
	size_t len = res->error != NULL ? strlen(res->error) : 0;

	if (rc == ADMIN_CLERK_UNAVAILABLE)
		return admin_printf(c,
		    "Clerk is unavailable; %s%s Try again in a moment.",
		    done > 0 ? "this change was not made."
		             : "nothing was changed.",
		    made_before(c, done));
	if (rc == ADMIN_CLERK_UNAPPLIED)
		return admin_printf(c,
		    "Clerk made the change, but its answer could not be "
		    "recorded here (%s); the webhook that follows will "
		    "record it.",
		    res->error);
	if (at_field)
		return admin_printf(c, "Clerk refused the change. %s%s", last,
		    made_before(c, done));
	return admin_printf(c, "Clerk refused: %s%s %s%s", res->error,
	    len > 0 && res->error[len - 1] == '.' ? "" : ".", last,
	    made_before(c, done));
}

int
admin_clerk_report(struct admin_ctx *c, enum admin_clerk_rc rc,
    const struct admin_clerk_result *res, bool at_field, size_t done)
{
	admin_message(c,
	    rc == ADMIN_CLERK_UNAPPLIED ? ADMIN_WARNING : ADMIN_ERROR,
	    admin_clerk_words(c, rc, res, at_field, done));
	return rc == ADMIN_CLERK_UNAVAILABLE ? HTTP_SERVICE_UNAVAILABLE
	                                     : HTTP_OK;
}

int
admin_clerk_db_failed(struct admin_ctx *c, const char *what)
{
	log_error("req=%s component=admin msg=\"%s: Clerk's answer not "
	          "recorded\" error=\"%s\"",
	    c->r->id, what, db_errmsg(c->db));
	(void)!db_rollback(c->db); /* when inside a transaction */
	return admin_error(c, HTTP_SERVICE_UNAVAILABLE, "Service unavailable",
	    "Clerk made the change, but the database did not answer; the "
	    "webhook that follows will record it here.");
}

void
admin_clerk_local_notice(struct admin_ctx *c, const char *text)
{
	html_lit(&c->h,
	    "<ul class=\"messages\" id=\"clerk-notice\"><li "
	    "class=\"warning\">");
	if (text != NULL)
		html_text(&c->h, text);
	else
		html_lit(&c->h,
		    "CLERK_SECRET_KEY is not set: what is changed here is "
		    "changed in this database only, and Clerk, which holds "
		    "it, is not told. The next Clerk event or sync may "
		    "overwrite it.");
	html_lit(&c->h, "</li></ul>\n");
}

const char *
admin_clerk_through(struct admin_ctx *c, const char *message)
{
	size_t len = strlen(message);

	if (len > 0 && message[len - 1] == '.')
		len--;
	return admin_printf(c, "%.*s through Clerk.", (int)len, message);
}

void
admin_clerk_through_help(struct admin_ctx *c)
{
	html_lit(&c->h,
	    "<p class=\"help\" id=\"clerk-help\">Clerk holds this: a save "
	    "asks Clerk first and records its answer here. If Clerk refuses, "
	    "nothing is changed.</p>\n");
}

int
admin_clerk_log_note(struct admin_ctx *c, const json_t *answer, const void *arg)
{
	const struct admin_clerk_note *n = arg;

	(void)answer;
	return admin_log_write(c, n->action, c->model->object_type, n->o->id,
	    n->o->repr, n->message);
}

int
admin_clerk_revoke(struct admin_ctx *c, const struct admin_object *o,
    const struct admin_clerk_revoke *rv, bool *made)
{
	struct admin_clerk_note note = {o, "change", "Revoked through Clerk."};
	struct admin_clerk_call call = {.method = "POST",
	    .path = rv->path,
	    .event = rv->event,
	    .expect_id = rv->clerk_id,
	    .log = admin_clerk_log_note,
	    .arg = &note};
	struct admin_clerk_result res;
	enum admin_clerk_rc       rc = admin_clerk_write(c, &call, &res);

	*made = rc == ADMIN_CLERK_DONE || rc == ADMIN_CLERK_UNAPPLIED ||
	    rc == ADMIN_CLERK_DB_ERROR;
	if (rc == ADMIN_CLERK_DB_ERROR)
		return admin_clerk_db_failed(c,
		    admin_printf(c, "%s revoke", c->model->verbose));
	if (rc != ADMIN_CLERK_DONE)
		return rv->page(c, o,
		    admin_clerk_report(c, rc, &res, false, 0));
	admin_flash(c, ADMIN_SUCCESS,
	    admin_printf(c, "The %s \xE2\x80\x9C%s\xE2\x80\x9D was revoked.",
	        c->model->verbose, o->repr));
	return admin_redirect(c->r, admin_url(c, c->model, o->id, "change"));
}

void
admin_clerk_revoke_form(struct admin_ctx *c, const struct admin_object *o,
    const char *what, const char *effect)
{
	if (!c->user.is_superuser)
		return;
	if (!admin_clerk_on(c)) {
		html_lit(&c->h, "<p class=\"help\">");
		html_text(&c->h,
		    admin_printf(c,
		        "Revoking %s goes through Clerk, which holds it: set "
		        "CLERK_SECRET_KEY to revoke it from here.",
		        what));
		html_lit(&c->h, "</p>\n");
		return;
	}
	admin_form_open(c, admin_url(c, c->model, o->id, "revoke"));
	html_lit(&c->h,
	    "<div class=\"form-actions\"><button type=\"submit\" "
	    "class=\"btn-danger\">Revoke</button></div>\n<p class=\"help\">");
	html_text(&c->h, effect);
	html_lit(&c->h, "</p>\n</form>\n");
}
