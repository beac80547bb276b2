/*
 * Regression tests for src/pages/sign.c found by fuzzing (fuzz/query.c):
 * a redirect_url that a client decoding it once more would turn into a
 * protocol-relative URL. libmicrohttpd had already decoded the query, so
 * "/%%309/n" arrived as "/%09/n", and "/\t/n" is "//n" to a browser (it
 * drops tabs and line breaks from URLs). The input is kept in
 * fuzz/corpus/query/regress-redirect-encoded-tab.
 */
#include "pages/pages.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define REFUSED "/dashboard"

static void
test_encoded_tab_after_decoding(void **state)
{
	(void)state;
	/* The fuzzer's input, as the page received it. */
	assert_string_equal(pages_redirect_target("/%09/n"), REFUSED);
	assert_string_equal(pages_redirect_target("/%09/evil.example"),
	    REFUSED);
	assert_string_equal(pages_redirect_target("/%0a/evil.example"),
	    REFUSED);
	assert_string_equal(pages_redirect_target("/%0D%0A/evil.example"),
	    REFUSED);
	assert_string_equal(pages_redirect_target("/x/%09y"), REFUSED);
	assert_string_equal(pages_redirect_target("/%00"), REFUSED);
	assert_string_equal(pages_redirect_target("/%7f"), REFUSED);
	assert_string_equal(pages_redirect_target("/%1F"), REFUSED);
}

static void
test_what_stayed_refused(void **state)
{
	(void)state;
	assert_string_equal(pages_redirect_target("//evil.example"), REFUSED);
	assert_string_equal(pages_redirect_target("/\\evil.example"), REFUSED);
	assert_string_equal(pages_redirect_target("/%2fevil.example"), REFUSED);
	assert_string_equal(pages_redirect_target("/%5Cevil.example"), REFUSED);
	assert_string_equal(pages_redirect_target("/x\ty"), REFUSED);
	assert_string_equal(pages_redirect_target(NULL), REFUSED);
}

static void
test_ordinary_escapes_still_pass(void **state)
{
	const char *const ok[] = {"/dashboard?tab=orgs", "/a%20b", "/%41",
	    "/x?q=%3D%26", "/100%", "/%zz", "/%2", "/x/%2fy"};
	size_t            i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_ptr_equal(pages_redirect_target(ok[i]), ok[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_encoded_tab_after_decoding),
	    cmocka_unit_test(test_what_stayed_refused),
	    cmocka_unit_test(test_ordinary_escapes_still_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
