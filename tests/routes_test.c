/*
 * The route table and the OpenAPI document must agree: every API route is
 * documented (with its method), and every documented operation is routed.
 */
#include <setjmp.h>
#include <stdarg.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_api_route_is_documented),
	    cmocka_unit_test(every_documented_operation_is_routed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
