/*
 * Webhook events (/admin/clerk/webhookevent/): a read-only changelist and
 * detail page with the stored payload pretty-printed (as escaped text),
 * and "Retry" for failed events, which applies the stored payload again
 * through clerk_delivery_process(), the code path of a delivery, in one
 * transaction with its admin_log row.
 */
#include "admin/admin.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/clerk_delivery.h"
#include "admin/fields.h"
#include "admin/model.h"
#include "admin/page.h"
#include "core/log.h"
#include "core/timeutil.h"

/* $1 type, $2 status, $3..$5 search words. */
#define EV_WORD(n)                                                     \
	" AND (CAST(" n " AS text) IS NULL" ADMIN_LIKE("e.svix_id", n) \
	    ADMIN_LIKE("e.type", n) ")"
#define EV_COND                                                     \
	" WHERE (CAST($1 AS text) IS NULL OR "                      \
	"e.type = $1) AND (CAST($2 AS text) IS NULL OR e.status = " \
	"$2)" EV_WORD("$3") EV_WORD("$4") EV_WORD("$5")
#define EV_WHERE   " FROM webhook_events e" EV_COND
#define SORT(k, e) ADMIN_SORT("$6", k, e)
#define EV_COLUMNS                                                    \
	"SELECT e.svix_id, e.svix_id, e.type, e.status, e.attempts, " \
	"e.received_at"
#define EV_PAGE                                                         \
	EV_COLUMNS EV_WHERE " ORDER BY " SORT(1, "e.svix_id")           \
	    SORT(2, "e.type") SORT(3, "e.status") SORT(4, "e.attempts") \
	        SORT(5, "e.received_at") "e.svix_id LIMIT $7 OFFSET $8"

/*
 * The default order, newest first, down webhook_events_received_idx: the
 * walk, and the probe over the newest $8 events only (struct admin_list).
 */
#define EV_ORDER "e.received_at DESC, e.svix_id"
#define EV_WALK  EV_COLUMNS EV_WHERE " ORDER BY " EV_ORDER " LIMIT $6 OFFSET $7"
#define EV_PROBE                                                          \
	EV_COLUMNS " FROM (SELECT svix_id, type, status, attempts, "      \
	           "received_at FROM webhook_events e ORDER BY " EV_ORDER \
	           " LIMIT $8) e" EV_COND " ORDER BY " EV_ORDER           \
	           " LIMIT $6 OFFSET $7"

static const struct admin_column ev_cols[] = {
    {"svix_id", "Svix ID", ADMIN_COL_TEXT},
    {"type", "Type", ADMIN_COL_TEXT},
    {"status", "Status", ADMIN_COL_TEXT},
    {"attempts", "Attempts", ADMIN_COL_INT},
    {"received_at", "Received", ADMIN_COL_TIME},
};

static const char *const statuses[] = {"applied", "ignored", "failed", NULL};

static const struct admin_filter ev_filters[] = {
    {"type", "type", false, false, NULL,
        "SELECT DISTINCT type FROM webhook_events ORDER BY type LIMIT 50"},
    {"status", "status", false, false, statuses, NULL},
};

static const struct admin_list ev_list = {
    .count_sql = {"SELECT count(*)" EV_WHERE},
    .page_sql = {EV_PAGE},
    .total_sql = "SELECT count(*) FROM webhook_events",
    .cols = ev_cols,
    .ncols = ARRAY_LEN(ev_cols),
    .filters = ev_filters,
    .nfilters = ARRAY_LEN(ev_filters),
    .default_order = -5,
    .search_help = "Svix ID or type",
    .walk_sql = {EV_WALK},
    .probe_sql = {EV_PROBE},
};

struct event {
	const char *svix_id, *type, *status, *error, *payload, *received_at;
	size_t      payload_len;
	int64_t     attempts;
};

static int
event_load(struct admin_ctx *c, const char *id, struct event *e)
{
	static const char *const sql =
	    "SELECT svix_id, type, status, error, payload, received_at, "
	    "attempts FROM webhook_events WHERE svix_id = $1";
	struct db_param p[] = {DB_TEXT(id)};
	struct db_rows *rows;
	int             rc;

	memset(e, 0, sizeof(*e));
	if (strlen(id) > 256)
		return 0;
	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	if ((rc = db_rows_next(rows)) == 1) {
		const char *s;

		e->svix_id = admin_col(c, rows, 0);
		e->type = admin_col(c, rows, 1);
		e->status = admin_col(c, rows, 2);
		e->error = admin_col(c, rows, 3);
		s = db_col_text(rows, 4, &e->payload_len);
		e->payload = arena_strndup(c->r->arena, s, e->payload_len);
		e->received_at = admin_col(c, rows, 5);
		e->attempts = db_col_int(rows, 6);
	}
	db_rows_free(rows);
	return rc;
}

static int
event_lookup(struct admin_ctx *c, const char *id, struct admin_object *o)
{
	static const char *const sql =
	    "SELECT svix_id FROM webhook_events WHERE svix_id = $1";
	struct db_param p[] = {DB_TEXT(id)};
	struct db_rows *rows;
	int             rc;

	if (strlen(id) > 256)
		return 0;
	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	if ((rc = db_rows_next(rows)) == 1) {
		o->id = admin_col(c, rows, 0);
		o->repr = o->id;
		o->clerk_id = NULL;
	}
	db_rows_free(rows);
	return rc;
}

/* The payload indented when it parses as JSON, else as stored. */
static void
payload(struct admin_ctx *c, const struct event *e)
{
	json_error_t err;
	json_t      *doc = json_loadb(e->payload, e->payload_len, 0, &err);
	char        *pretty = NULL;

	if (doc != NULL)
		pretty = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	html_lit(&c->h, "<h2>Payload</h2>\n<pre id=\"payload\"><code>");
	if (pretty != NULL)
		html_text(&c->h, pretty);
	else
		html_textn(&c->h, e->payload, e->payload_len);
	html_lit(&c->h, "</code></pre>\n");
	free(pretty);
	json_decref(doc);
}

static int
event_view(struct admin_ctx *c, const struct admin_object *o)
{
	struct event e;
	int          rc;

	if ((rc = event_load(c, o->id, &e)) != 1)
		return rc == -1 ? admin_db_failed(c, "event load")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This event no longer exists.");
	admin_object_page_begin(c, o->repr, o, NULL);
	html_lit(&c->h, "<h1>View webhook event</h1>\n<h2 class=\"muted\">");
	html_text(&c->h, o->repr);
	html_lit(&c->h, "</h2>\n<p><a class=\"btn btn-secondary\"");
	html_url_attr(&c->h, "href", admin_url(c, c->model, o->id, "history"));
	html_lit(&c->h, ">History</a></p>\n<dl class=\"fields\">\n");
	admin_readonly(c, "Svix ID", e.svix_id);
	admin_readonly(c, "Type", e.type);
	admin_readonly(c, "Status", e.status);
	admin_readonly(c, "Error", e.error);
	admin_readonly(c, "Attempts",
	    admin_printf(c, "%lld", (long long)e.attempts));
	html_lit(&c->h, "<dt>Received</dt><dd>");
	admin_time(&c->h, e.received_at);
	html_lit(&c->h, "</dd>\n</dl>\n");
	if (strcmp(e.status, "failed") == 0 && c->user.is_superuser) {
		admin_form_open(c, admin_url(c, c->model, o->id, "retry"));
		html_lit(&c->h,
		    "<div class=\"form-actions\"><button "
		    "type=\"submit\">Retry</button></div>\n<p "
		    "class=\"help\">Applies the stored payload again, "
		    "as a new delivery would.</p>\n</form>\n");
	}
	payload(c, &e);
	return admin_page_end(c, HTTP_OK);
}

/* Applies e again; d gets the outcome. -1 on a database error. */
static int
reapply(struct admin_ctx *c, const struct event *e, struct delivery *d,
    const char **msg)
{
	json_error_t err;
	json_t      *doc = json_loadb(e->payload, e->payload_len, 0, &err);
	int          rc = -1;

	*msg = NULL;
	if (doc == NULL || !json_is_object(doc) ||
	    !json_is_string(json_object_get(doc, "type")) ||
	    !json_is_object(json_object_get(doc, "data"))) {
		*msg =
		    "The stored payload is not a Clerk event (a JSON object "
		    "with a string \"type\" and an object \"data\"); nothing "
		    "was applied.";
		json_decref(doc);
		return 0;
	}
	memset(d, 0, sizeof(*d));
	d->svix_id = e->svix_id;
	d->type = json_string_value(json_object_get(doc, "type"));
	d->payload = e->payload;
	d->payload_len = e->payload_len;
	d->event = doc;
	d->received_ms = time_now_ms();
	if (admin_tx_begin(c) == -1)
		goto out;
	if (clerk_delivery_process(c->db, d) == -1 ||
	    admin_log_write(c, "change", c->model->object_type, e->svix_id,
	        e->svix_id,
	        admin_printf(c, "Retried: %s%s%s.",
	            delivery_outcome_str(d->outcome), d->error[0] ? ": " : "",
	            d->error)) == -1 ||
	    admin_tx_commit(c) == -1) {
		(void)!db_rollback(c->db);
		goto out;
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

int
admin_event_retry(struct req *r)
{
	struct admin_ctx   *c = r->gate_ctx;
	struct admin_object o;
	struct event        e;
	struct delivery     d;
	const char         *msg, *back;
	struct str          id = req_param(r, "id");
	int                 rc;

	if (c == NULL)
		return HTTP_INTERNAL_ERROR;
	c->model = &admin_events_model;
	o.id = arena_strndup(r->arena, id.p, id.len);
	if ((rc = event_load(c, o.id, &e)) != 1)
		return rc == -1 ? admin_db_failed(c, "event load")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This event no longer exists.");
	back = admin_url(c, c->model, e.svix_id, "change");
	if (strcmp(e.status, "failed") != 0) {
		admin_flash(c, ADMIN_WARNING,
		    admin_printf(c,
		        "Only failed events can be retried; this "
		        "one is %s.",
		        e.status));
		return admin_redirect(r, back);
	}
	if (reapply(c, &e, &d, &msg) == -1) {
		log_error("req=%s component=admin msg=\"retry failed\" "
		          "error=\"%s\"",
		    r->id, d.error[0] != '\0' ? d.error : db_errmsg(c->db));
		return admin_error(c, HTTP_SERVICE_UNAVAILABLE,
		    "Service unavailable",
		    "The database did not answer, and nothing was applied. Try "
		    "again in a moment.");
	}
	if (msg != NULL)
		admin_flash(c, ADMIN_ERROR, msg);
	else if (d.outcome == DELIVERY_FAILED)
		admin_flash(c, ADMIN_ERROR,
		    admin_printf(c, "Retried: the event failed again: %s",
		        d.error));
	else if (d.outcome == DELIVERY_DUPLICATE)
		admin_flash(c, ADMIN_WARNING,
		    "Nothing to do: the event was applied meanwhile.");
	else
		admin_flash(c, ADMIN_SUCCESS,
		    admin_printf(c, "Retried: the event was %s%s%s.",
		        delivery_outcome_str(d.outcome),
		        d.error[0] != '\0' ? ": " : "", d.error));
	return admin_redirect(r, back);
}

const struct admin_model admin_events_model = {
    .app = "clerk",
    .name = "webhookevent",
    .object_type = "clerk.webhookevent",
    .verbose = "webhook event",
    .verbose_plural = "webhook events",
    .title_plural = "Webhook events",
    .read_only = true,
    .list = &ev_list,
    .lookup = event_lookup,
    .change = event_view,
    .add = NULL,
    .del = NULL,
};
