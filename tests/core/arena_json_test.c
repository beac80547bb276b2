/*
 * Unit tests for src/core/arena_json.c: a tree parsed into an arena reads
 * like any other, a syntax error leaves nothing to release, and jansson's
 * allocations outside arena_json_load() are plain malloc/free (a string
 * from json_dumps() goes back with free()). Run under ASan, a tree that
 * leaked to the heap or a free() of arena memory would fail.
 */
#include "core/arena_json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char doc[] =
    "{\"type\":\"user.created\",\"data\":{\"id\":\"user_1\",\"email_"
    "addresses\":"
    "[{\"id\":\"idn_1\",\"email_address\":\"a@example.com\"}],"
    "\"public_metadata\":{\"plan\":\"free\",\"n\":[1,2,3,4,5,6,7,8,9,10]},"
    "\"updated_at\":1700000000000},\"timestamp\":1700000000}";

static void
test_parse_into_arena(void **state)
{
	struct arena *a = arena_new();
	json_error_t  err;
	json_t       *v, *data;

	(void)state;
	v = arena_json_load(a, doc, sizeof(doc) - 1, 0, &err);
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "type")),
	    "user.created");
	data = json_object_get(v, "data");
	assert_string_equal(json_string_value(json_object_get(data, "id")),
	    "user_1");
	assert_int_equal(json_integer_value(
	                     json_object_get(data, "updated_at")),
	    1700000000000LL);
	assert_int_equal(json_array_size(json_object_get(json_object_get(data,
	                                                     "public_metadata"),
	                     "n")),
	    10);
	arena_free(a); /* the whole tree goes with it: no json_decref */
}

static void
test_syntax_error(void **state)
{
	struct arena     *a = arena_new();
	json_error_t      err;
	static const char bad[] = "{\"type\":\"x\",\"data\":{\"a\":[1,2,";

	(void)state;
	assert_null(arena_json_load(a, bad, sizeof(bad) - 1, 0, &err));
	assert_true(err.position > 0);
	assert_null(arena_json_load(a, "\"\xff\"", 3, 0, &err));
	arena_free(a);
}

/* Outside a parse, jansson allocates from the heap as before. */
static void
test_heap_outside_parse(void **state)
{
	struct arena *a = arena_new();
	json_error_t  err;
	json_t       *v, *copy;
	char         *s;

	(void)state;
	v = arena_json_load(a, doc, sizeof(doc) - 1, 0, &err);
	assert_non_null(v);
	/* A deep copy made after the parse is the heap's, and released so. */
	copy = json_deep_copy(json_object_get(v, "data"));
	assert_non_null(copy);
	s = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(s);
	assert_non_null(strstr(s, "\"id\":\"user_1\""));
	free(s);
	json_decref(copy);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_into_arena),
	    cmocka_unit_test(test_syntax_error),
	    cmocka_unit_test(test_heap_outside_parse),
	};

	arena_json_install();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
