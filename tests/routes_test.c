/*
 * The route table and the OpenAPI document must agree: every API route is
 * documented (with its method), and every documented operation is routed.
 * Every admin page carries an admin flag, so that the admin gate runs
 * before its handler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "app.h"
#include "core/embed.h"

EMBED_DECLARE(docs_openapi_json);

static json_t *
load_doc(void)
{
	json_error_t err;
	json_t      *doc =
	    json_loadb(docs_openapi_json, docs_openapi_json_len, 0, &err);

	if (doc == NULL)
		fail_msg("openapi.json does not parse: %s (line %d)", err.text,
		    err.line);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_api_route_is_documented),
	    cmocka_unit_test(every_documented_operation_is_routed),
	    cmocka_unit_test(every_admin_route_has_the_admin_gate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
