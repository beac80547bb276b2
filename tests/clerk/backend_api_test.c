/*
 * Unit tests for src/clerk/backend_api.c: reading Clerk's error shape
 * ({"errors":[{message, long_message, code, meta}]}) out of an answer.
 * The calls themselves are tested end to end against the fake Backend API
 * of the integration tests.
 */
#include "clerk/backend_api.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static struct clerk_api_answer
answer_of(const char *text)
{
	struct clerk_api_answer a = {422, NULL, -1};

	a.json = json_loads(text, 0, NULL);
	return a;
}

static void
test_first_error_of_clerk_shape(void **state)
{
	struct clerk_api_answer a = answer_of(
	    "{\"errors\":[{\"message\":\"is invalid\",\"long_message\":\"slug "
	    "is taken\",\"code\":\"form_identifier_exists\",\"meta\":{"
	    "\"param_name\":\"slug\"}},{\"message\":\"second\",\"code\":"
	    "\"x\"}],\"clerk_trace_id\":\"t\"}");
	struct clerk_api_error e;

	(void)state;
	assert_true(clerk_api_first_error(&a, &e));
	assert_string_equal(e.code, "form_identifier_exists");
	assert_string_equal(e.message, "is invalid");
	assert_string_equal(e.long_message, "slug is taken");
	assert_string_equal(e.param_name, "slug");
	clerk_api_answer_cleanup(&a);
	assert_null(a.json);
}

static void
test_missing_fields_are_empty(void **state)
{
	struct clerk_api_answer a =
	    answer_of("{\"errors\":[{\"message\":\"only this\"}]}");
	struct clerk_api_error e;

	(void)state;
	assert_true(clerk_api_first_error(&a, &e));
	assert_string_equal(e.code, "");
	assert_string_equal(e.long_message, "only this");
	assert_string_equal(e.param_name, "");
	clerk_api_answer_cleanup(&a);
}

static void
test_not_an_error_answer(void **state)
{
	const char *const bodies[] = {"{\"errors\":[]}", "{\"id\":\"org_1\"}",
	    "[1,2]", "{\"errors\":[\"text\"]}"};
	struct clerk_api_error e;
	size_t                 i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct clerk_api_answer a = answer_of(bodies[i]);

		assert_false(clerk_api_first_error(&a, &e));
		clerk_api_answer_cleanup(&a);
	}
	{
		struct clerk_api_answer none = {0, NULL, -1};

		assert_false(clerk_api_first_error(&none, &e));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_error_of_clerk_shape),
	    cmocka_unit_test(test_missing_fields_are_empty),
	    cmocka_unit_test(test_not_an_error_answer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
