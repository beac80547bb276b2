/*
 * Backend API calls. The answer is capped (1 MiB) and the whole call
 * bounded (CLERK_API_TIMEOUT_S, CLERK_API_WRITE_TIMEOUT_S). The secret key
 * travels only in the Authorization header and is never logged.
 */
#include "clerk/backend_api.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/log.h"

#define MAX_ANSWER (1024UL * 1024)

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, p, size * n) == -1)
		return 0; /* too large: abort the transfer */
	return size * n;
}

/*
 * One call: method with body (the text of a JSON object, or NULL for
 * none), bounded by timeout_s.
 */
static int
call(const char *method, const char *api_url, const char *secret_key,
    const char *path, const char *body_text, long timeout_s,
    struct clerk_api_answer *a)
{
	struct curl_slist *headers = NULL;
	struct buf         url, auth, body;
	CURL              *c;
	CURLcode           cc = CURLE_FAILED_INIT;
	size_t             n = strlen(api_url);

	a->json = NULL;
	a->status = 0;
	a->retry_after = -1;
	buf_init(&url, 4096);
	buf_init(&auth, 4096);
	buf_init(&body, MAX_ANSWER);
	if ((c = curl_easy_init()) == NULL)
		goto out;
	/* "https://api.clerk.com/" + "/v1/jwks" must not give "//v1". */
	if (n > 0 && api_url[n - 1] == '/')
		n--;
	if (buf_append(&url, api_url, n) == -1 ||
	    buf_append_cstr(&url, path) == -1 ||
	    buf_appendf(&auth, "Authorization: Bearer %s",
	        secret_key != NULL ? secret_key : "") == -1)
		goto out;
	headers = curl_slist_append(headers, auth.data);
	headers = curl_slist_append(headers, "Accept: application/json");
	if (body_text != NULL) {
		headers = curl_slist_append(headers,
		    "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body_text);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_URL, url.data);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mysaas");
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK) {
		curl_off_t retry = -1;

		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->status);
		/* 0 when the header is absent or unreadable. */
		if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &retry) ==
		        CURLE_OK &&
		    retry > 0)
			a->retry_after = (long)retry;
		a->json = json_loadb(body.data != NULL ? body.data : "",
		    body.len, 0, NULL);
	} else {
		log_warn("component=clerk_api msg=\"request failed\" "
		         "method=%s path=%s error=\"%s\"",
		    method, path, curl_easy_strerror(cc));
	}
out:
	if (auth.data != NULL)
		OPENSSL_cleanse(auth.data, auth.len);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	buf_cleanup(&url);
	buf_cleanup(&auth);
	buf_cleanup(&body);
	return cc == CURLE_OK ? 0 : -1;
}

int
clerk_api_get(const char *api_url, const char *secret_key, const char *path,
    long *status, json_t **json)
{
	struct clerk_api_answer a;
	int rc = call("GET", api_url, secret_key, path, NULL,
	    CLERK_API_TIMEOUT_S, &a);

	*status = a.status;
	*json = a.json;
	return rc;
}

int
clerk_api_call(const char *method, const char *api_url, const char *secret_key,
    const char *path, const json_t *body, struct clerk_api_answer *a)
{
	char       *text = NULL;
	const char *send = NULL;
	int         rc;

	if (body != NULL) {
		if ((text = json_dumps(body, JSON_COMPACT)) == NULL) {
			a->status = 0;
			a->json = NULL;
			a->retry_after = -1;
			return -1;
		}
		send = text;
	} else if (strcmp(method, "POST") == 0 ||
	    strcmp(method, "PATCH") == 0) {
		send = "{}";
	}
	rc = call(method, api_url, secret_key, path, send,
	    CLERK_API_WRITE_TIMEOUT_S, a);
	free(text);
	return rc;
}

int
clerk_api_post(const char *api_url, const char *secret_key, const char *path,
    const json_t *body, long *status, json_t **json)
{
	struct clerk_api_answer a;
	int rc = clerk_api_call("POST", api_url, secret_key, path, body, &a);

	*status = a.status;
	*json = a.json;
	return rc;
}

void
clerk_api_answer_cleanup(struct clerk_api_answer *a)
{
	json_decref(a->json);
	a->json = NULL;
}

static const char *
text_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

bool
clerk_api_first_error(const struct clerk_api_answer *a,
    struct clerk_api_error                          *e)
{
	return clerk_api_error_at(a, 0, e);
}

bool
clerk_api_error_at(const struct clerk_api_answer *a, size_t i,
    struct clerk_api_error *e)
{
	const json_t *err =
	    json_array_get(json_object_get(a->json, "errors"), i);

	if (!json_is_object(err))
		return false;
	e->code = text_of(err, "code");
	e->message = text_of(err, "message");
	e->long_message = text_of(err, "long_message");
	if (*e->long_message == '\0')
		e->long_message = e->message;
	e->param_name = text_of(json_object_get(err, "meta"), "param_name");
	return true;
}
