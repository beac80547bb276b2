/*
 * Unit tests for src/http/router.c: literal and parameter matching, HEAD,
 * 404 and 405 with the Allow list, and first-match-wins.
 */
#include "http/router.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static int
handler(struct req *r)
{
	(void)r;
	return HTTP_OK;
}

enum {
	R_ROOT,
	R_HEALTH,
	R_ORGS_LIST,
	R_ORGS_CREATE,
	R_ORG_GET,
	R_ORG_DELETE,
	R_MEMBER_GET,
	R_WEBHOOK,
	R_DOCS,
	R_DOCS_SLASH,
};

/* A route that requires nothing beyond its flags leaves out its last
 * field, policy (NULL): four fields, as before requirements existed. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct route routes[] = {
    [R_ROOT] = {"GET", "/", handler, ROUTE_HTML},
    [R_HEALTH] = {"GET", "/health", handler, 0},
    [R_ORGS_LIST] = {"GET", "/api/v1/orgs", handler, 0},
    [R_ORGS_CREATE] = {"POST", "/api/v1/orgs", handler, 0},
    [R_ORG_GET] = {"GET", "/api/v1/orgs/{id}", handler, 0},
    [R_ORG_DELETE] = {"DELETE", "/api/v1/orgs/{id}", handler, 0},
    [R_MEMBER_GET] = {"GET", "/api/v1/orgs/{org}/members/{user}", handler, 0},
    [R_WEBHOOK] = {"POST", "/webhooks/clerk", handler, 0},
    [R_DOCS] = {"GET", "/docs", handler, ROUTE_HTML},
    [R_DOCS_SLASH] = {"GET", "/docs/", handler, ROUTE_HTML},
};

/* Runs router_match over routes with C strings; allow gets the list. */
static enum router_result
match(const char *method, const char *path, struct route_match *m, char *allow,
    size_t allowlen)
{
	return router_match(routes, ARRAY_LEN(routes), str_from_cstr(method),
	    str_from_cstr(path), m, allow, allowlen);
}

#define ASSERT_ROUTE(method, path, want)                              \
	do {                                                          \
		struct route_match m_;                                \
		char               allow_[64];                        \
		assert_int_equal(match((method), (path), &m_, allow_, \
		                     sizeof(allow_)),                 \
		    ROUTER_FOUND);                                    \
		assert_ptr_equal(m_.route, &routes[(want)]);          \
	} while (0)

#define ASSERT_NOT_FOUND(method, path)                                \
	do {                                                          \
		struct route_match m_;                                \
		char               allow_[64];                        \
		assert_int_equal(match((method), (path), &m_, allow_, \
		                     sizeof(allow_)),                 \
		    ROUTER_NOT_FOUND);                                \
		assert_null(m_.route);                                \
		assert_int_equal(m_.nparams, 0);                      \
		assert_string_equal(allow_, "");                      \
	} while (0)

#define ASSERT_NOT_ALLOWED(method, path, want_allow)                  \
	do {                                                          \
		struct route_match m_;                                \
		char               allow_[64];                        \
		assert_int_equal(match((method), (path), &m_, allow_, \
		                     sizeof(allow_)),                 \
		    ROUTER_METHOD_NOT_ALLOWED);                       \
		assert_null(m_.route);                                \
		assert_string_equal(allow_, (want_allow));            \
	} while (0)

/* The value of param name as a C string in out (asserts it exists). */
static void
param(const struct route_match *m, const char *name, char *out, size_t len)
{
	struct str v = route_param_get(m, name);

	assert_non_null(v.p);
	assert_true(v.len < len);
	memcpy(out, v.p, v.len);
	out[v.len] = '\0';
}

static void
test_literal(void **state)
{
	struct route_match m;
	char               allow[64];

	(void)state;
	assert_int_equal(match("GET", "/health", &m, allow, sizeof(allow)),
	    ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[R_HEALTH]);
	assert_int_equal(m.nparams, 0);
	ASSERT_ROUTE("GET", "/", R_ROOT);
	ASSERT_ROUTE("GET", "/api/v1/orgs", R_ORGS_LIST);
	ASSERT_ROUTE("POST", "/api/v1/orgs", R_ORGS_CREATE);
	ASSERT_ROUTE("POST", "/webhooks/clerk", R_WEBHOOK);
}

static void
test_param_capture(void **state)
{
	static const char  path[] = "/api/v1/orgs/org_2abc-9.x";
	struct route_match m;
	char               allow[64], v[64];

	(void)state;
	assert_int_equal(match("GET", path, &m, allow, sizeof(allow)),
	    ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[R_ORG_GET]);
	assert_int_equal(m.nparams, 1);
	assert_true(str_eq_cstr(m.params[0].name, "id"));
	param(&m, "id", v, sizeof(v));
	assert_string_equal(v, "org_2abc-9.x");
	/* The value points into the request path, not a copy. */
	assert_ptr_equal(route_param_get(&m, "id").p, path + 13);
	assert_int_equal(match("DELETE", "/api/v1/orgs/42", &m, allow,
	                     sizeof(allow)),
	    ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[R_ORG_DELETE]);
	param(&m, "id", v, sizeof(v));
	assert_string_equal(v, "42");
}

static void
test_multiple_params(void **state)
{
	struct route_match m;
	char               allow[64], v[64];

	(void)state;
	assert_int_equal(match("GET", "/api/v1/orgs/7/members/user_9", &m,
	                     allow, sizeof(allow)),
	    ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[R_MEMBER_GET]);
	assert_int_equal(m.nparams, 2);
	assert_true(str_eq_cstr(m.params[0].name, "org"));
	assert_true(str_eq_cstr(m.params[1].name, "user"));
	param(&m, "org", v, sizeof(v));
	assert_string_equal(v, "7");
	param(&m, "user", v, sizeof(v));
	assert_string_equal(v, "user_9");
}

static void
test_missing_param_is_null(void **state)
{
	struct route_match m;
	char               allow[64];
	struct str         v;

	(void)state;
	assert_int_equal(match("GET", "/api/v1/orgs/1", &m, allow,
	                     sizeof(allow)),
	    ROUTER_FOUND);
	v = route_param_get(&m, "nope");
	assert_null(v.p);
	assert_int_equal(v.len, 0);
	v = route_param_get(&m, "i");
	assert_null(v.p);
	v = route_param_get(&m, "idx");
	assert_null(v.p);
	assert_int_equal(match("GET", "/health", &m, allow, sizeof(allow)),
	    ROUTER_FOUND);
	v = route_param_get(&m, "id");
	assert_null(v.p);
	assert_int_equal(v.len, 0);
}

static void
test_trailing_slash(void **state)
{
	(void)state;
	ASSERT_ROUTE("GET", "/docs", R_DOCS);
	ASSERT_ROUTE("GET", "/docs/", R_DOCS_SLASH);
	ASSERT_NOT_FOUND("GET", "/health/");
	ASSERT_NOT_FOUND("GET", "/api/v1/orgs/42/");
	ASSERT_NOT_FOUND("GET", "//");
}

static void
test_head_matches_get(void **state)
{
	struct route_match m;
	char               allow[64], v[64];

	(void)state;
	ASSERT_ROUTE("HEAD", "/health", R_HEALTH);
	ASSERT_ROUTE("HEAD", "/", R_ROOT);
	assert_int_equal(match("HEAD", "/api/v1/orgs/5", &m, allow,
	                     sizeof(allow)),
	    ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[R_ORG_GET]);
	param(&m, "id", v, sizeof(v));
	assert_string_equal(v, "5");
	/* HEAD is not a wildcard: a POST-only path still answers 405. */
	ASSERT_NOT_ALLOWED("HEAD", "/webhooks/clerk", "POST");
}

static void
test_method_not_allowed(void **state)
{
	(void)state;
	ASSERT_NOT_ALLOWED("POST", "/health", "GET, HEAD");
	ASSERT_NOT_ALLOWED("GET", "/webhooks/clerk", "POST");
	ASSERT_NOT_ALLOWED("PUT", "/api/v1/orgs", "GET, HEAD, POST");
	ASSERT_NOT_ALLOWED("PATCH", "/api/v1/orgs/1", "GET, HEAD, DELETE");
	ASSERT_NOT_ALLOWED("DELETE", "/api/v1/orgs/1/members/2", "GET, HEAD");
	/* Methods are case-sensitive (RFC 9110, 9.1). */
	ASSERT_NOT_ALLOWED("get", "/health", "GET, HEAD");
	ASSERT_NOT_ALLOWED("", "/health", "GET, HEAD");
}

static void
test_not_found(void **state)
{
	(void)state;
	ASSERT_NOT_FOUND("GET", "/nope");
	ASSERT_NOT_FOUND("POST", "/nope");
	ASSERT_NOT_FOUND("GET", "");
	ASSERT_NOT_FOUND("GET", "/healthz");
	ASSERT_NOT_FOUND("GET", "/healt");
	ASSERT_NOT_FOUND("GET", "health");
	ASSERT_NOT_FOUND("GET", "/HEALTH");
	ASSERT_NOT_FOUND("GET", "/api/v1/orgs/1/members");
}

static void
test_empty_segment_not_a_param(void **state)
{
	(void)state;
	ASSERT_NOT_FOUND("GET", "/api/v1/orgs/");
	ASSERT_NOT_FOUND("DELETE", "/api/v1/orgs/");
	ASSERT_NOT_FOUND("GET", "/api/v1/orgs//members/u1");
	ASSERT_NOT_FOUND("GET", "/api/v1/orgs/o1/members/");
}

static void
test_param_does_not_span_slash(void **state)
{
	(void)state;
	ASSERT_NOT_FOUND("GET", "/api/v1/orgs/1/2");
	ASSERT_NOT_FOUND("DELETE", "/api/v1/orgs/a/b");
	ASSERT_NOT_FOUND("GET", "/api/v1/orgs/1/members/2/3");
}

static void
test_first_match_wins(void **state)
{
	static const struct route table[] = {
	    {"GET", "/orgs/me", handler, 0},
	    {"GET", "/orgs/{id}", handler, 0},
	    {"GET", "/orgs/{id}", handler, ROUTE_HTML},
	    {"GET", "/x/{a}", handler, 0},
	    {"GET", "/x/literal", handler, 0},
	};
	struct route_match m;
	char               allow[64];

	(void)state;
	assert_int_equal(router_match(table, ARRAY_LEN(table), STR_LIT("GET"),
	                     STR_LIT("/orgs/me"), &m, allow, sizeof(allow)),
	    ROUTER_FOUND);
	assert_ptr_equal(m.route, &table[0]);
	assert_int_equal(m.nparams, 0);
	assert_int_equal(router_match(table, ARRAY_LEN(table), STR_LIT("GET"),
	                     STR_LIT("/orgs/5"), &m, allow, sizeof(allow)),
	    ROUTER_FOUND);
	assert_ptr_equal(m.route, &table[1]);
	assert_int_equal(router_match(table, ARRAY_LEN(table), STR_LIT("GET"),
	                     STR_LIT("/x/literal"), &m, allow, sizeof(allow)),
	    ROUTER_FOUND);
	assert_ptr_equal(m.route, &table[3]);
	assert_int_equal(m.nparams, 1);
	assert_true(str_eq_cstr(route_param_get(&m, "a"), "literal"));
}

/* The path is a struct str: bytes past its length are not looked at. */
static void
test_path_uses_len(void **state)
{
	struct str         path = {"/healthXYZ", 7};
	struct route_match m;
	char               allow[64];

	(void)state;
	assert_int_equal(router_match(routes, ARRAY_LEN(routes), STR_LIT("GET"),
	                     path, &m, allow, sizeof(allow)),
	    ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[R_HEALTH]);
	path.p = "/api/v1/orgs/12/members";
	path.len = 15;
	assert_int_equal(router_match(routes, ARRAY_LEN(routes), STR_LIT("GET"),
	                     path, &m, allow, sizeof(allow)),
	    ROUTER_FOUND);
	assert_ptr_equal(m.route, &routes[R_ORG_GET]);
	assert_true(str_eq_cstr(route_param_get(&m, "id"), "12"));
}

static void
test_no_allow_buffer(void **state)
{
	struct route_match m;

	(void)state;
	assert_int_equal(router_match(routes, ARRAY_LEN(routes), STR_LIT("PUT"),
	                     STR_LIT("/health"), &m, NULL, 0),
	    ROUTER_METHOD_NOT_ALLOWED);
	assert_int_equal(router_match(routes, ARRAY_LEN(routes), STR_LIT("GET"),
	                     STR_LIT("/health"), &m, NULL, 0),
	    ROUTER_FOUND);
}

static void
test_param_limit(void **state)
{
	static const struct route table[] = {
	    {"GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", handler, 0},
	    {"GET", "/n/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", handler, 0},
	};
	struct route_match m;
	char               allow[64];

	(void)state;
	assert_int_equal(router_match(table, ARRAY_LEN(table), STR_LIT("GET"),
	                     STR_LIT("/1/2/3/4/5/6/7/8"), &m, allow,
	                     sizeof(allow)),
	    ROUTER_FOUND);
	assert_int_equal(m.nparams, ROUTER_MAX_PARAMS);
	assert_true(str_eq_cstr(route_param_get(&m, "h"), "8"));
	/* More parameters than fit: no match, and no overflow. */
	assert_int_equal(router_match(table, ARRAY_LEN(table), STR_LIT("GET"),
	                     STR_LIT("/n/1/2/3/4/5/6/7/8/9"), &m, allow,
	                     sizeof(allow)),
	    ROUTER_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_literal),
	    cmocka_unit_test(test_param_capture),
	    cmocka_unit_test(test_multiple_params),
	    cmocka_unit_test(test_missing_param_is_null),
	    cmocka_unit_test(test_trailing_slash),
	    cmocka_unit_test(test_head_matches_get),
	    cmocka_unit_test(test_method_not_allowed),
	    cmocka_unit_test(test_not_found),
	    cmocka_unit_test(test_empty_segment_not_a_param),
	    cmocka_unit_test(test_param_does_not_span_slash),
	    cmocka_unit_test(test_first_match_wins),
	    cmocka_unit_test(test_path_uses_len),
	    cmocka_unit_test(test_no_allow_buffer),
	    cmocka_unit_test(test_param_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
