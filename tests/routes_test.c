/*
 * The route table and the OpenAPI document must agree: every API route is
 * documented (with its method), and every documented operation is routed;
 * the served document (docs_openapi_build) carries each route's
 * requirement and its 403. Every admin page carries an admin flag, so that
 * the admin gate runs before its handler, and every requirement sits on a
 * ROUTE_AUTH route and can be checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "app.h"
#include "auth/policy.h"
#include "clerk/has.h"
#include "core/embed.h"
#include "docs/docs.h"

EMBED_DECLARE(docs_openapi_json);

/* The document as served: the embedded file plus the requirements. */
static json_t *
load_doc(void)
{
	json_error_t err;
	json_t      *doc =
	    json_loadb(docs_openapi_json, docs_openapi_json_len, 0, &err);

	if (doc == NULL)
		fail_msg("openapi.json does not parse: %s (line %d)", err.text,
		    err.line);
	json_decref(doc);
	if ((doc = docs_openapi_build(app_routes, app_nroutes)) == NULL)
		fail_msg("the served document cannot be built");
	return doc;
}

static void
lower(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < len; i++)
		out[i] =
		    (char)(in[i] >= 'A' && in[i] <= 'Z' ? in[i] + 32 : in[i]);
	out[i] = '\0';
}

static void
every_api_route_is_documented(void **state)
{
	json_t *doc = load_doc(), *paths = json_object_get(doc, "paths");
	size_t  i;

	(void)state;
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")),
	    "3.1.0");
	for (i = 0; i < app_nroutes; i++) {
		const struct route *rt = &app_routes[i];
		char                method[16];
		json_t             *op;

		if (strncmp(rt->pattern, "/api/", 5) != 0)
			continue;
		lower(rt->method, method, sizeof(method));
		op = json_object_get(json_object_get(paths, rt->pattern),
		    method);
		if (op == NULL)
			fail_msg("%s %s is not in openapi.json", rt->method,
			    rt->pattern);
		if (json_object_get(op, "responses") == NULL)
			fail_msg("%s %s has no responses", rt->method,
			    rt->pattern);
		/* Authenticated routes declare their security. */
		if ((rt->flags & ROUTE_AUTH) != 0 &&
		    !json_is_array(json_object_get(op, "security")))
			fail_msg("%s %s needs a security requirement",
			    rt->method, rt->pattern);
	}
	json_decref(doc);
}

static void
every_documented_operation_is_routed(void **state)
{
	json_t     *doc = load_doc(), *paths = json_object_get(doc, "paths");
	json_t     *item, *op;
	const char *path, *method;

	(void)state;
	json_object_foreach(paths, path, item)
	{
		json_object_foreach(item, method, op)
		{
			bool   found = false;
			size_t i;

			for (i = 0; i < app_nroutes && !found; i++) {
				char m[16];

				lower(app_routes[i].method, m, sizeof(m));
				found =
				    strcmp(app_routes[i].pattern, path) == 0 &&
				    strcmp(m, method) == 0;
			}
			if (!found)
				fail_msg("openapi.json documents %s %s, which "
				         "no route serves",
				    method, path);
		}
	}
	json_decref(doc);
}

/*
 * Every admin page is guarded by the admin gate, which runs before the
 * handler only on routes with an admin flag: a route under /admin/ without
 * one would be served without a session check. Only the login page may do
 * without a session.
 */
static void
every_admin_route_has_the_admin_gate(void **state)
{
	const unsigned admin =
	    ROUTE_ADMIN | ROUTE_ADMIN_PUBLIC | ROUTE_ADMIN_ANY_POST;
	size_t i;

	(void)state;
	assert_int_equal(ROUTE_GATED & admin, admin);
	for (i = 0; i < app_nroutes; i++) {
		const struct route *rt = &app_routes[i];
		bool under = strncmp(rt->pattern, "/admin/", 7) == 0;

		if (under && (rt->flags & admin) == 0)
			fail_msg("%s %s has no admin flag (ROUTE_ADMIN): its "
			         "handler would run without the admin gate",
			    rt->method, rt->pattern);
		if (!under && (rt->flags & admin) != 0)
			fail_msg("%s %s is not an admin page but has an admin "
			         "flag",
			    rt->method, rt->pattern);
		if ((rt->flags & ROUTE_ADMIN_PUBLIC) != 0 &&
		    strcmp(rt->pattern, "/admin/login/") != 0)
			fail_msg("%s %s needs no admin session "
			         "(ROUTE_ADMIN_PUBLIC): only the login page "
			         "may",
			    rt->method, rt->pattern);
		if ((rt->flags & ROUTE_AUTH) != 0 && (rt->flags & admin) != 0)
			fail_msg("%s %s has both a Clerk and an admin gate",
			    rt->method, rt->pattern);
	}
}

/* True when the operation's parameters refer to the Idempotency-Key. */
static bool
takes_idempotency_key(const json_t *op)
{
	const json_t *p;
	size_t        i;

	json_array_foreach(json_object_get(op, "parameters"), i, p)
	{
		const char *ref = json_string_value(json_object_get(p, "$ref"));

		if (ref != NULL &&
		    strcmp(ref, "#/components/parameters/IdempotencyKey") == 0)
			return true;
	}
	return false;
}

/*
 * Every write under /api/v1 takes an Idempotency-Key (DESIGN 12.4), but
 * the webhook receiver (it de-duplicates by svix-id): the flag is on the
 * route, the gate claims the key, and the served document shows the
 * header and the 409 of each such route, generated from the flag.
 */
static void
every_api_write_is_idempotent(void **state)
{
	json_t *doc = load_doc(), *paths = json_object_get(doc, "paths");
	size_t  i;

	(void)state;
	for (i = 0; i < app_nroutes; i++) {
		const struct route *rt = &app_routes[i];
		bool                write = strcmp(rt->method, "POST") == 0 ||
		    strcmp(rt->method, "PATCH") == 0 ||
		    strcmp(rt->method, "PUT") == 0 ||
		    strcmp(rt->method, "DELETE") == 0;
		bool    flagged = (rt->flags & ROUTE_IDEMPOTENT) != 0;
		char    method[16];
		json_t *op;

		if (strncmp(rt->pattern, "/api/v1/auth/clerk_webhook", 26) ==
		    0) {
			if (flagged)
				fail_msg("%s %s: the webhook has its own "
				         "de-duplication",
				    rt->method, rt->pattern);
			continue;
		}
		if (strncmp(rt->pattern, "/api/v1/", 8) == 0 && write &&
		    !flagged)
			fail_msg("%s %s: a write without ROUTE_IDEMPOTENT",
			    rt->method, rt->pattern);
		if (!flagged)
			continue;
		if ((rt->flags & ROUTE_AUTH) == 0)
			fail_msg("%s %s: ROUTE_IDEMPOTENT needs ROUTE_AUTH (a "
			         "principal)",
			    rt->method, rt->pattern);
		lower(rt->method, method, sizeof(method));
		op = json_object_get(json_object_get(paths, rt->pattern),
		    method);
		if (!takes_idempotency_key(op))
			fail_msg("%s %s: no Idempotency-Key in the document",
			    rt->method, rt->pattern);
		if (json_object_get(json_object_get(op, "responses"), "409") ==
		    NULL)
			fail_msg("%s %s: no 409 answer", rt->method,
			    rt->pattern);
	}
	assert_non_null(
	    json_object_get(json_object_get(json_object_get(doc, "components"),
	                        "parameters"),
	        "IdempotencyKey"));
	json_decref(doc);
}

static int
handler(struct req *r)
{
	(void)r;
	return 200;
}

static void
expect_member(const json_t *o, const char *key, const char *want,
    const struct route *rt)
{
	const char *got = json_string_value(json_object_get(o, key));

	if (want == NULL && json_object_get(o, key) != NULL)
		fail_msg("%s %s: x-mysaas-requires has %s, the route does not",
		    rt->method, rt->pattern, key);
	if (want != NULL && (got == NULL || strcmp(got, want) != 0))
		fail_msg("%s %s: x-mysaas-requires.%s is not \"%s\"",
		    rt->method, rt->pattern, key, want);
}

/* The schema a 403 answer refers to: $ref names, joined by ' '. */
static void
refs_of(const json_t *schema, char *out, size_t len)
{
	const json_t *one = json_object_get(schema, "oneOf"), *v;
	size_t        i;

	out[0] = '\0';
	if (json_is_string(json_object_get(schema, "$ref"))) {
		(void)snprintf(out, len, "%s",
		    json_string_value(json_object_get(schema, "$ref")));
		return;
	}
	json_array_foreach(one, i, v)
	{
		size_t n = strlen(out);

		(void)snprintf(out + n, len - n, "%s%s", n > 0 ? " " : "",
		    json_string_value(json_object_get(v, "$ref")));
	}
}

/*
 * Every route of routes with a policy has, in doc, x-mysaas-requires
 * equal to it and a 403 answer of the right shape.
 */
static void
check_requirements(const struct route *routes, size_t n, json_t *doc)
{
	json_t *paths = json_object_get(doc, "paths");
	size_t  i;

	for (i = 0; i < n; i++) {
		const struct route        *rt = &routes[i];
		const struct route_policy *p = rt->policy;
		json_t                    *op, *req, *forbidden;
		char                       method[16], refs[256];
		bool                       other;

		/* A policy that only names token types requires nothing. */
		if (!policy_has_requirement(p))
			continue;
		lower(rt->method, method, sizeof(method));
		op = json_object_get(json_object_get(paths, rt->pattern),
		    method);
		req = json_object_get(op, "x-mysaas-requires");
		if (!json_is_object(req))
			fail_msg("%s %s: no x-mysaas-requires", rt->method,
			    rt->pattern);
		expect_member(req, "role", p->role, rt);
		expect_member(req, "permission", p->permission, rt);
		expect_member(req, "feature", p->feature, rt);
		expect_member(req, "plan", p->plan, rt);
		expect_member(req, "reverification", p->reverification, rt);
		expect_member(req, "organization_param", p->organization_param,
		    rt);
		expect_member(req, "allow_self_param", p->allow_self_param, rt);
		forbidden =
		    json_object_get(json_object_get(op, "responses"), "403");
		if (forbidden == NULL)
			fail_msg("%s %s: no 403 answer", rt->method,
			    rt->pattern);
		refs_of(
		    json_object_get(json_object_get(json_object_get(forbidden,
		                                        "content"),
		                        "application/json"),
		        "schema"),
		    refs, sizeof(refs));
		other = p->role != NULL || p->permission != NULL ||
		    p->feature != NULL || p->plan != NULL;
		if (p->reverification == NULL)
			assert_string_equal(refs,
			    "#/components/schemas/HTTPError");
		else if (!other)
			assert_string_equal(refs,
			    "#/components/schemas/ReverificationError");
		else
			assert_string_equal(refs,
			    "#/components/schemas/HTTPError "
			    "#/components/schemas/ReverificationError");
		if (p->organization_param != NULL &&
		    json_object_get(json_object_get(op, "responses"), "404") ==
		        NULL)
			fail_msg("%s %s: no 404 answer", rt->method,
			    rt->pattern);
	}
}

/* True when pattern has the parameter {name}. */
static bool
has_param(const char *pattern, const char *name)
{
	char want[64];

	(void)snprintf(want, sizeof(want), "{%s}", name);
	return strstr(pattern, want) != NULL;
}

/*
 * Every requirement is one the gate can check: on a ROUTE_AUTH route
 * (only that gate reads it), with a reverification level that parses and
 * an organization parameter that the pattern has.
 */
static void
every_requirement_can_be_checked(void **state)
{
	json_t *doc = load_doc();
	size_t  i;

	(void)state;
	for (i = 0; i < app_nroutes; i++) {
		const struct route        *rt = &app_routes[i];
		const struct route_policy *p = rt->policy;
		struct has_reverification  rv;

		if (p == NULL)
			continue;
		if ((rt->flags & ROUTE_AUTH) == 0)
			fail_msg("%s %s has a requirement but no ROUTE_AUTH",
			    rt->method, rt->pattern);
		if (p->reverification != NULL &&
		    has_reverification_parse(p->reverification, &rv) == -1)
			fail_msg("%s %s: reverification \"%s\" does not parse",
			    rt->method, rt->pattern, p->reverification);
		if (p->organization_param != NULL &&
		    !has_param(rt->pattern, p->organization_param))
			fail_msg("%s %s has no parameter {%s}", rt->method,
			    rt->pattern, p->organization_param);
		if (p->allow_self_param != NULL &&
		    !has_param(rt->pattern, p->allow_self_param))
			fail_msg("%s %s has no parameter {%s}", rt->method,
			    rt->pattern, p->allow_self_param);
	}
	check_requirements(app_routes, app_nroutes, doc);
	json_decref(doc);
}

/*
 * The generator on a table with requirements:
 * each documented route gets its requirement and 403, others nothing.
 */
static void
requirements_are_generated(void **state)
{
	static const struct route_policy manage = {.permission =
	                                               "org:sys_memberships:"
	                                               "manage",
	    .organization_param = "id"};
	static const struct route_policy strict = {.reverification = "strict"};
	static const struct route_policy both = {.role = "org:admin",
	    .reverification = "second_factor:10"};
	const struct route               routes[] = {
	                  {"GET", "/api/v1/organizations/{id}", handler, ROUTE_AUTH, &manage},
	                  {"GET", "/api/v1/users/me", handler, ROUTE_AUTH, &strict},
	                  {"GET", "/api/v1/organizations", handler, ROUTE_AUTH, &both},
	                  {"GET", "/api/v1/auth/check", handler, ROUTE_AUTH, NULL},
        };
	json_t *doc = docs_openapi_build(routes, 4), *paths, *req;

	(void)state;
	assert_non_null(doc);
	check_requirements(routes, 4, doc);
	paths = json_object_get(doc, "paths");
	req = json_object_get(json_object_get(json_object_get(paths,
	                                          "/api/v1/organizations/{id}"),
	                          "get"),
	    "x-mysaas-requires");
	assert_int_equal(json_object_size(req), 2);
	assert_null(json_object_get(json_object_get(json_object_get(paths,
	                                                "/api/v1/auth/check"),
	                                "get"),
	    "x-mysaas-requires"));
	assert_null(json_object_get(
	    json_object_get(json_object_get(json_object_get(paths,
	                                        "/api/v1/auth/check"),
	                        "get"),
	        "responses"),
	    "403"));
	json_decref(doc);
}

/* The schemes of the security alternatives of op, joined by ' '. */
static void
schemes_of(const json_t *op, char *out, size_t len)
{
	const json_t *alt;
	size_t        i, n = 0;

	out[0] = '\0';
	json_array_foreach(json_object_get(op, "security"), i, alt)
	{
		const char *name;
		json_t     *v;

		json_object_foreach((json_t *)(uintptr_t)alt, name, v)
		{
			(void)v;
			n += (size_t)snprintf(out + n, len - n, "%s%s",
			    n > 0 ? " " : "", name);
		}
	}
}

/*
 * The token types a route accepts (DESIGN 13) are in the served document,
 * generated from the route table: one security alternative per form, each
 * a declared scheme; a route without a policy takes sessions only.
 */
static void
security_follows_accepted_types(void **state)
{
	json_t *doc = load_doc(), *paths = json_object_get(doc, "paths");
	json_t *defined = json_object_get(json_object_get(doc, "components"),
	    "securitySchemes");
	char    got[512];
	size_t  i;

	(void)state;
	for (i = 0; i < app_nroutes; i++) {
		const struct route *rt = &app_routes[i];
		char                method[16];
		json_t             *op;
		const json_t       *alt;
		size_t              j;

		if ((rt->flags & ROUTE_AUTH) == 0)
			continue;
		lower(rt->method, method, sizeof(method));
		op = json_object_get(json_object_get(paths, rt->pattern),
		    method);
		schemes_of(op, got, sizeof(got));
		json_array_foreach(json_object_get(op, "security"), j, alt)
		{
			const char *name = json_object_iter_key(
			    json_object_iter((json_t *)(uintptr_t)alt));

			if (json_object_get(defined, name) == NULL)
				fail_msg("%s %s: scheme %s is not declared",
				    rt->method, rt->pattern, name);
		}
		if (policy_accepts(rt->policy) == AUTH_ACCEPT_SESSION &&
		    strcmp(got, "bearerAuth cookieAuth") != 0)
			fail_msg("%s %s: a session-only route documents %s",
			    rt->method, rt->pattern, got);
	}
	schemes_of(json_object_get(json_object_get(paths,
	                               "/api/v1/auth/whoami"),
	               "get"),
	    got, sizeof(got));
	assert_string_equal(got,
	    "bearerAuth cookieAuth apiKeyAuth "
	    "m2mTokenAuth m2mJwtAuth oauthTokenAuth "
	    "oauthJwtAuth");
	schemes_of(json_object_get(json_object_get(paths, "/api/v1/users/me"),
	               "get"),
	    got, sizeof(got));
	assert_string_equal(got,
	    "bearerAuth cookieAuth apiKeyAuth oauthTokenAuth");
	json_decref(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_api_route_is_documented),
	    cmocka_unit_test(every_documented_operation_is_routed),
	    cmocka_unit_test(every_admin_route_has_the_admin_gate),
	    cmocka_unit_test(every_requirement_can_be_checked),
	    cmocka_unit_test(requirements_are_generated),
	    cmocka_unit_test(every_api_write_is_idempotent),
	    cmocka_unit_test(security_follows_accepted_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
