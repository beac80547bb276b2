/*
 * Query parameters. Errors mirror FastAPI/pydantic v2 so clients written
 * for the original stack read them unchanged.
 */
#include "api/params.h"

#include <stdio.h>

#include "core/log.h"
#include "core/str.h"
#include "db/db.h"
#include "http/req.h"

static void
add_error(json_t *errors, const char *type, const char *name, const char *msg,
    const char *input, json_t *ctx)
{
	json_t *e = json_object();
	json_t *in = json_string(input);

	json_object_set_new(e, "type", json_string(type));
	json_object_set_new(e, "loc", json_pack("[ss]", "query", name));
	json_object_set_new(e, "msg", json_string(msg));
	json_object_set_new(e, "input", in != NULL ? in : json_null());
	if (ctx != NULL)
		json_object_set_new(e, "ctx", ctx);
	json_array_append_new(errors, e);
}

int
api_query_int(struct req *r, const char *name, int64_t def, int64_t min,
    int64_t max, int64_t *out, json_t *errors)
{
	const char *v = req_query(r, name);
	char        msg[96];
	int64_t     n;

	*out = def;
	if (v == NULL)
		return 0;
	if (str_to_i64(str_from_cstr(v), INT64_MIN, INT64_MAX, &n) == -1) {
		add_error(errors, "int_parsing", name,
		    "Input should be a valid integer, unable to parse string "
		    "as an integer",
		    v, NULL);
		return -1;
	}
	if (n < min) {
		(void)snprintf(msg, sizeof(msg),
		    "Input should be greater than or equal to %lld",
		    (long long)min);
		add_error(errors, "greater_than_equal", name, msg, v,
		    json_pack("{sI}", "ge", (json_int_t)min));
		return -1;
	}
	if (n > max) {
		(void)snprintf(msg, sizeof(msg),
		    "Input should be less than or equal to %lld",
		    (long long)max);
		add_error(errors, "less_than_equal", name, msg, v,
		    json_pack("{sI}", "le", (json_int_t)max));
		return -1;
	}
	*out = n;
	return 0;
}

int
api_pagination(struct req *r, int64_t *limit, int64_t *offset)
{
	json_t *errors = json_array();
	int     bad = 0;

	bad |= api_query_int(r, "limit", 20, 1, 100, limit, errors);
	bad |= api_query_int(r, "offset", 0, 0, INT64_MAX / 2, offset, errors);
	if (bad == 0) {
		json_decref(errors);
		return 0;
	}
	(void)resp_json(r, HTTP_UNPROCESSABLE,
	    json_pack("{so}", "detail", errors));
	return -1;
}

int
api_db_failed(struct req *r, struct db_conn *c)
{
	log_error("req=%s component=api msg=\"query failed\" error=\"%s\"",
	    r->id, db_errmsg(c));
	return HTTP_SERVICE_UNAVAILABLE;
}

int
api_found(struct req *r, struct db_conn *c, int rc, json_t *out,
    const char *missing)
{
	if (rc == 1)
		return resp_json(r, HTTP_OK, out);
	json_decref(out);
	if (rc == 0)
		return resp_detail(r, HTTP_NOT_FOUND, missing);
	return api_db_failed(r, c);
}
