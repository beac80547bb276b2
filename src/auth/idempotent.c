/*
 * Idempotency-Key on ROUTE_IDEMPOTENT routes (see idempotent.h). The key
 * is checked before the database is read; the claim is one committed
 * statement (accounts/idempotency.c), so a concurrent request with the key
 * on any instance sees it at once. What a request claimed travels to the
 * "after" hook in r->after_ctx, in the request's arena.
 */
#include "auth/idempotent.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <string.h>

#include "accounts/idempotency.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/req.h"

#define KEY_MAX 255

/* What a request claimed: the row its answer goes to. */
struct claim {
	const char *key;
	const char *principal;
	char        claimed_at[ISO_TIME_SIZE];
};

/* 1 to 255 visible ASCII characters (%x21-7E). */
static bool
key_is_valid(const char *k)
{
	size_t i;

	for (i = 0; k[i] != '\0'; i++) {
		if (i == KEY_MAX || k[i] < 0x21 || k[i] > 0x7e)
			return false;
	}
	return i > 0;
}

/* 422 in FastAPI's shape, about the header. */
static int
header_error(struct req *r, const char *key, const char *type, const char *msg)
{
	json_t *input = json_string(key);
	json_t *e = json_pack("{s:s, s:[s,s], s:s, s:o}", "type", type, "loc",
	    "header", IDEMPOTENT_HEADER, "msg", msg, "input",
	    input != NULL ? input : json_null());

	return resp_json(r, HTTP_UNPROCESSABLE,
	    json_pack("{s:[o]}", "detail", e));
}

/* The hex SHA-256 of r's body into out. */
static int
body_hash(struct req *r, char out[65])
{
	struct str    b = req_body(r);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  len = 0;

	if (EVP_Digest(b.len > 0 ? b.p : "", b.len, md, &len, EVP_sha256(),
	        NULL) != 1 ||
	    len != 32)
		return -1;
	(void)sodium_bin2hex(out, 65, md, len);
	return 0;
}

/* The stored answer, given again. */
static int
replay(struct req *r, const struct idempotency_found *f)
{
	resp_header(r, IDEMPOTENT_REPLAYED, "true");
	/* Every answer of the API is JSON, but a 204 has no body at all. */
	return resp_bytes(r, f->status,
	    f->body_len > 0 ? "application/json" : NULL, f->body, f->body_len);
}

static int
answer(struct req *r, const char *key, const struct idempotency_found *f)
{
	switch (f->outcome) {
	case IDEMPOTENCY_REPLAY:
		return replay(r, f);
	case IDEMPOTENCY_IN_PROGRESS:
		resp_header(r, "Retry-After", "1");
		return resp_detail(r, HTTP_CONFLICT,
		    "A request with this Idempotency-Key is still in progress");
	case IDEMPOTENCY_MISMATCH:
		return header_error(r, key, "idempotency_key_reused",
		    "This Idempotency-Key was used for another request: its "
		    "method, path or body differ");
	case IDEMPOTENCY_CLAIMED:
	default:
		return HTTP_INTERNAL_ERROR;
	}
}

int
idempotent_begin(struct req *r)
{
	const char                *key = req_header(r, IDEMPOTENT_HEADER);
	struct idempotency_request q;
	struct idempotency_found   f;
	struct db_conn            *c;
	struct claim              *cl;
	char                       hash[65];

	if (key == NULL)
		return 0;
	if (!key_is_valid(key))
		return header_error(r, key, "value_error",
		    "Value error, Idempotency-Key must be 1 to 255 visible "
		    "ASCII characters");
	if (body_hash(r, hash) == -1)
		return HTTP_INTERNAL_ERROR;
	if ((c = req_db(r)) == NULL)
		return resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
		    "Database unavailable");
	q.key = key;
	q.principal = r->auth.clerk_user_id;
	q.method = arena_strndup(r->arena, r->method.p, r->method.len);
	q.path = arena_strndup(r->arena, r->path.p, r->path.len);
	q.body_hash = hash;
	q.now_ms = time_now_ms();
	if (idempotency_claim(c, &q, r->arena, &f) == -1) {
		log_error("req=%s component=idempotency msg=\"claim failed\" "
		          "error=\"%s\"",
		    r->id, db_errmsg(c));
		return resp_detail(r, HTTP_SERVICE_UNAVAILABLE,
		    "Service temporarily unavailable");
	}
	if (f.outcome != IDEMPOTENCY_CLAIMED)
		return answer(r, key, &f);
	cl = arena_alloc(r->arena, sizeof(*cl));
	cl->key = arena_strndup(r->arena, key, strlen(key));
	cl->principal = q.principal;
	memcpy(cl->claimed_at, f.claimed_at, sizeof(cl->claimed_at));
	r->after_ctx = cl;
	r->keep_answer = true;
	return 0;
}

void
idempotent_end(struct req *r)
{
	const struct claim *cl = r->after_ctx;
	struct db_conn     *c;
	int                 rc;

	if (cl == NULL)
		return;
	r->after_ctx = NULL;
	if ((c = req_db(r)) == NULL) {
		log_error("req=%s component=idempotency msg=\"no database: "
		          "the key stays claimed until abandoned\"",
		    r->id);
		return;
	}
	/* A 5xx changed nothing, or nobody knows: the key may run again. */
	if (r->status >= 500)
		rc = idempotency_release(c, cl->key, cl->principal,
		    cl->claimed_at);
	else
		rc = idempotency_store(c, cl->key, cl->principal,
		    cl->claimed_at, r->status,
		    r->answer_body.p != NULL ? r->answer_body.p : "",
		    r->answer_body.len);
	if (rc == -1)
		log_error("req=%s component=idempotency msg=\"cannot store "
		          "the answer\" error=\"%s\"",
		    r->id, db_errmsg(c));
	else if (rc == 0 && r->status < 500)
		log_warn("req=%s component=idempotency msg=\"the claim was "
		         "taken over as abandoned: answer not stored\"",
		    r->id);
}
