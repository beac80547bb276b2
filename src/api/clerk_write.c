/*
 * The body checks and the Backend API call of the write routes (see
 * clerk_write.h). Error bodies follow FastAPI/pydantic v2, as params.c
 * does for the query.
 */
#include "api/clerk_write.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "accounts/clerk_sync.h"
#include "app.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "db/db.h"
#include "http/req.h"

/* True when the Content-Type's media type is application/json. */
static bool
is_json_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t            n = sizeof(want) - 1;

	if (ct == NULL)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return false;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

int
api_body_invalid(struct req *r, json_t *errors)
{
	return resp_json(r, HTTP_UNPROCESSABLE,
	    json_pack("{s:o}", "detail", errors));
}

void
api_body_error(json_t *errors, const char *type, const char *field,
    const char *msg, const json_t *input)
{
	json_t *e = json_pack("{s:s, s:[s,s], s:s}", "type", type, "loc",
	    "body", field, "msg", msg);

	if (e == NULL)
		return;
	if (input != NULL)
		json_object_set_new(e, "input", json_deep_copy(input));
	json_array_append_new(errors, e);
}

int
api_body_object(struct req *r, json_t **body)
{
	struct str   b = req_body(r);
	json_error_t err;
	json_t      *v, *e;

	*body = NULL;
	if (!is_json_type(req_header(r, "Content-Type")))
		return resp_detail(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type must be application/json");
	v = json_loadb(b.len > 0 ? b.p : "", b.len, JSON_DECODE_ANY, &err);
	if (v == NULL) {
		e = json_pack("{s:s, s:[s,i], s:s, s:{}, s:{s:s}}", "type",
		    "json_invalid", "loc", "body", err.position, "msg",
		    "JSON decode error", "input", "ctx", "error", err.text);
		return api_body_invalid(r, json_pack("[o]", e));
	}
	if (!json_is_object(v)) {
		e = json_pack("{s:s, s:[s], s:s, s:o}", "type",
		    "model_attributes_type", "loc", "body", "msg",
		    "Input should be a valid dictionary or object to extract "
		    "fields from",
		    "input", v);
		return api_body_invalid(r, json_pack("[o]", e));
	}
	*body = v;
	return 0;
}

int
api_body_string(const json_t *body, const char *name, const char **out,
    json_t *errors)
{
	const json_t *v = json_object_get(body, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		api_body_error(errors, "string_type", name,
		    "Input should be a valid string", v);
		return -1;
	}
	*out = json_string_value(v);
	return 1;
}

bool
api_clerk_id_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (i == 99 ||
		    !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return i > 0;
}

/* 503 "Clerk is unavailable" with Retry-After. */
static int
unavailable(struct req *r, long retry_after)
{
	char v[24];

	(void)snprintf(v, sizeof(v), "%ld",
	    retry_after > 0 ? retry_after : (long)API_CLERK_RETRY_AFTER_S);
	resp_header(r, "Retry-After", v);
	return resp_detail(r, HTTP_SERVICE_UNAVAILABLE, "Clerk is unavailable");
}

/* 422 with one item per error Clerk gave (a generic one when none). */
static int
refused(struct req *r, const struct clerk_api_answer *a)
{
	struct clerk_api_error e;
	json_t                *errors = json_array();
	char                   type[128];
	size_t                 i;

	for (i = 0; clerk_api_error_at(a, i, &e); i++) {
		json_t *item;

		(void)snprintf(type, sizeof(type), "clerk.%s",
		    *e.code != '\0' ? e.code : "unknown");
		item = json_pack("{s:[s,s], s:s, s:s}", "loc", "body",
		    *e.param_name != '\0' ? e.param_name : "clerk", "msg",
		    e.long_message, "type", type);
		if (item != NULL)
			json_array_append_new(errors, item);
	}
	if (json_array_size(errors) == 0)
		json_array_append_new(errors,
		    json_pack("{s:[s,s], s:s, s:s}", "loc", "body", "clerk",
		        "msg", "Clerk refused the request", "type",
		        "clerk.unknown"));
	return api_body_invalid(r, errors);
}

/* 403 or 404 with Clerk's words, or the status's own. */
static int
passed_on(struct req *r, int status, const struct clerk_api_answer *a)
{
	struct clerk_api_error e;

	if (clerk_api_first_error(a, &e) && *e.long_message != '\0')
		return resp_detail(r, status, e.long_message);
	return resp_detail(r, status, http_reason(status));
}

/* Our answer to an answer of Clerk that is not a success. */
static int
clerk_failed(struct req *r, const char *method, const char *path,
    const struct clerk_api_answer *a)
{
	struct clerk_api_error e;
	char                   code[4 * 64 + 1] = "";

	/* Clerk's words are outside text: escaped for the log. */
	if (clerk_api_first_error(a, &e))
		(void)log_escape(code, sizeof(code), e.code, 64);
	log_info("req=%s component=clerk_api msg=\"write refused\" "
	         "method=%s path=%s status=%ld code=\"%s\"",
	    r->id, method, path, a->status, code);
	if (a->status == 401) {
		log_error("req=%s component=clerk_api msg=\"Clerk refused "
		          "CLERK_SECRET_KEY\"",
		    r->id);
		return unavailable(r, -1);
	}
	if (a->status == HTTP_FORBIDDEN || a->status == HTTP_NOT_FOUND)
		return passed_on(r, (int)a->status, a);
	if (a->status == HTTP_TOO_MANY_REQUESTS || a->status >= 500 ||
	    a->status < 400)
		return unavailable(r, a->retry_after);
	return refused(r, a);
}

int
api_clerk_write(struct req *r, const char *method, const char *path,
    const json_t *body, struct clerk_api_answer *a)
{
	const struct config *cfg = r->app->cfg;
	int                  status;

	memset(a, 0, sizeof(*a));
	if (cfg->clerk_secret_key == NULL || *cfg->clerk_secret_key == '\0')
		return resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
		    "CLERK_SECRET_KEY is not set");
	/* Not repeated: only the client may decide to try again. */
	if (clerk_api_call(method, cfg->clerk_api_url, cfg->clerk_secret_key,
	        path, body, a) == -1) {
		clerk_api_answer_cleanup(a);
		return unavailable(r, -1);
	}
	if (a->status >= 200 && a->status < 300 && json_is_object(a->json))
		return 0;
	if (a->status >= 200 && a->status < 300) {
		log_warn("req=%s component=clerk_api msg=\"answer is not a "
		         "JSON object\" method=%s path=%s",
		    r->id, method, path);
		status = unavailable(r, -1);
	} else {
		status = clerk_failed(r, method, path, a);
	}
	clerk_api_answer_cleanup(a);
	return status;
}

int
api_clerk_mirror(struct req *r, struct db_conn *c, const char *type,
    json_t *obj, bool in_tx)
{
	struct sync_result res;

	if (!in_tx && db_begin(c) == -1)
		goto failed;
	switch (clerk_sync_apply_object(c, type, obj, time_now_ms(), &res)) {
	case SYNC_APPLIED:
		break;
	case SYNC_IGNORED:
		log_info("req=%s component=api msg=\"Clerk's answer left "
		         "aside by the rules\" type=%s reason=\"%s\"",
		    r->id, type, res.error);
		break;
	case SYNC_FAILED:
		log_warn("req=%s component=api msg=\"Clerk's answer not "
		         "applied\" type=%s error=\"%s\"",
		    r->id, type, res.error);
		break;
	case SYNC_DB_ERROR:
	default:
		goto failed;
	}
	if (db_commit(c) == 0)
		return 0;
failed:
	/* Clerk made the change: its webhook will bring the mirror along. */
	log_error("req=%s component=api msg=\"Clerk's answer not mirrored\" "
	          "type=%s error=\"%s\"",
	    r->id, type, db_errmsg(c));
	(void)!db_rollback(c);
	return resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
	    "Service temporarily unavailable");
}
