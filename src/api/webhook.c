/*
 * The Clerk webhook receiver. The signature is checked over the raw body
 * before any parsing; the delivery is then handed to the group-commit
 * writers and the request suspended, and the answer goes out only after
 * the transaction holding the event and its effects committed (durable).
 * One log line per delivery: svix id, type, outcome, ms.
 */
#include "api/webhook.h"

#include <string.h>

#include "accounts/clerk_delivery.h"
#include "accounts/sessions.h"
#include "app.h"
#include "auth/revocations.h"
#include "clerk/svix.h"
#include "core/arena_json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "db/committer.h"
#include "http/metrics.h"
#include "http/req.h"

static const char ok_body[] = "\"OK\"";

struct webhook_job {
	struct req     *r;
	struct delivery d;
	json_t         *event;  /* in r's arena (arena_json_load) */
	int             status; /* committer status: 0 or -1 */
	int64_t         start_ms;
};

struct svix_headers {
	struct str id, timestamp, signature;
};

/* svix-* first; when any of them is missing, the webhook-* family. */
static void
read_headers(struct req *r, struct svix_headers *h)
{
	const char *id = req_header(r, "svix-id");
	const char *ts = req_header(r, "svix-timestamp");
	const char *sig = req_header(r, "svix-signature");

	if (id == NULL || ts == NULL || sig == NULL) {
		id = req_header(r, "webhook-id");
		ts = req_header(r, "webhook-timestamp");
		sig = req_header(r, "webhook-signature");
	}
	h->id = str_from_cstr(id);
	h->timestamp = str_from_cstr(ts);
	h->signature = str_from_cstr(sig);
}

static void
log_delivery(struct req *r, const char *svix_id, const char *type,
    const char *outcome, const char *error, int64_t start_ms)
{
	metrics_webhook(type, outcome);
	/* The id and type come from the client: log_write escapes them. */
	log_write(strcmp(outcome, "error") == 0 ? LOG_WARN : LOG_INFO,
	    "req=%s component=webhook svix_id=\"%.80s\" type=\"%.80s\" "
	    "outcome=%s error=\"%.200s\" ms=%lld",
	    r->id, svix_id, type, outcome, error,
	    (long long)(time_now_ms() - start_ms));
}

static int
job_run(struct db_conn *c, void *arg)
{
	struct webhook_job *j = arg;

	return clerk_delivery_process(c, &j->d);
}

static void
job_done(void *arg, int status)
{
	struct webhook_job *j = arg;

	j->status = status;
	req_resume(j->r);
}

/*
 * A session-ending event this instance has just committed refuses the
 * session's tokens here at once, before the 2xx goes out; the other
 * instances find it in the mirror (auth/revocations.c).
 */
static void
note_revocation(struct req *r, const struct webhook_job *j)
{
	const char *sid = json_string_value(
	    json_object_get(json_object_get(j->event, "data"), "id"));

	if (j->d.outcome != DELIVERY_FAILED && session_event_ends(j->d.type))
		revocations_add(r->app->revocations, sid);
}

/* The second half, on a worker thread once the batch committed. */
static int
webhook_resume(struct req *r)
{
	struct webhook_job *j = r->state;
	const char         *outcome;

	if (j->status == -1) {
		log_delivery(r, j->d.svix_id, j->d.type, "error", j->d.error,
		    j->start_ms);
		return resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
		    "Database unavailable; the delivery was not stored");
	}
	note_revocation(r, j);
	outcome = delivery_outcome_str(j->d.outcome);
	log_delivery(r, j->d.svix_id, j->d.type, outcome, j->d.error,
	    j->start_ms);
	if (j->d.outcome == DELIVERY_FAILED)
		return resp_detail(r, HTTP_UNPROCESSABLE, j->d.error);
	return resp_bytes(r, HTTP_OK, "application/json", ok_body,
	    sizeof(ok_body) - 1);
}

/*
 * Parses and checks the envelope; NULL with a reason when unusable. The
 * tree is built in the request's arena and goes with it: parsing a 3 KB
 * payload was the largest part of a delivery's CPU, a third of it in
 * malloc, free and json_decref.
 */
static json_t *
parse_event(struct req *r, struct str body, const char **why)
{
	json_error_t jerr;
	json_t *event = arena_json_load(r->arena, body.p, body.len, 0, &jerr);

	if (event == NULL) {
		*why = "Invalid webhook payload: not valid JSON";
		return NULL;
	}
	if (!json_is_object(event) ||
	    !json_is_string(json_object_get(event, "type")) ||
	    !json_is_object(json_object_get(event, "data"))) {
		*why = "Invalid webhook payload: expected a JSON object with a "
		       "string \"type\" and an object \"data\"";
		return NULL;
	}
	return event;
}

int
api_clerk_webhook(struct req *r)
{
	const struct app   *app = r->app;
	struct svix_headers h;
	struct webhook_job *j;
	struct str          body = req_body(r);
	enum svix_result    vr;
	const char         *why = NULL;
	json_t             *event;
	int64_t             start = time_now_ms();
	int64_t             keys[DELIVERY_LOCK_KEYS];
	size_t              nkeys;

	if (app->webhook_secret == NULL)
		return resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
		    "Webhook signing secret not configured: set "
		    "CLERK_WEBHOOK_SIGNING_SECRET");
	read_headers(r, &h);
	vr = svix_verify(app->webhook_secret, h.id, h.timestamp, h.signature,
	    body.p, body.len, time_now_ms() / 1000);
	if (vr != SVIX_OK) {
		log_delivery(r, arena_strndup(r->arena, h.id.p, h.id.len), "",
		    "rejected", svix_result_str(vr), start);
		return resp_detail(r, HTTP_BAD_REQUEST,
		    "Invalid webhook signature");
	}
	if ((event = parse_event(r, body, &why)) == NULL) {
		log_delivery(r, arena_strndup(r->arena, h.id.p, h.id.len), "",
		    "rejected", why, start);
		return resp_detail(r, HTTP_BAD_REQUEST, why);
	}
	j = arena_alloc(r->arena, sizeof(*j));
	memset(j, 0, sizeof(*j));
	j->r = r;
	j->event = event;
	j->start_ms = start;
	j->d.svix_id = arena_strndup(r->arena, h.id.p, h.id.len);
	j->d.type = json_string_value(json_object_get(event, "type"));
	j->d.payload = body.p;
	j->d.payload_len = body.len;
	j->d.event = event;
	j->d.received_ms = start;
	r->state = j;
	req_suspend(r, webhook_resume);
	nkeys = clerk_delivery_lock_keys(&j->d, keys, DELIVERY_LOCK_KEYS);
	committer_submit(app->committer, j, job_run, job_done, keys, nkeys);
	return HTTP_SUSPENDED;
}
