/*
 * router_match (src/http/router.c) over the application's route table
 * (src/routes.c) with any method and path. Input: the method, a newline,
 * the path; the first byte sizes the Allow buffer (0 to 63 bytes, on the
 * heap so that a write past it is caught). A match is checked by putting
 * its parameters back into its pattern: that must give the path again.
 */
#include "http/router.h"

#include "app.h"
#include "fuzz.h"

/* The pattern of m's route with its parameters filled in, compared to
 * path. */
static bool
rebuilds(const struct route_match *m, struct str path)
{
	const char *p = m->route->pattern;
	size_t      i = 0, k = 0;

	while (*p != '\0') {
		if (*p == '{') {
			const struct route_param *rp = &m->params[k++];

			FUZZ_CHECK(rp->value.len > 0);
			FUZZ_CHECK(
			    memchr(rp->value.p, '/', rp->value.len) == NULL);
			if (i + rp->value.len > path.len ||
			    memcmp(path.p + i, rp->value.p, rp->value.len) != 0)
				return false;
			i += rp->value.len;
			p = strchr(p, '}') + 1;
			continue;
		}
		if (i >= path.len || path.p[i] != *p)
			return false;
		i++;
		p++;
	}
	return i == path.len && k == m->nparams;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input  in = {(const char *)data, size};
	size_t             allowlen = fuzz_byte(&in) % 64;
	struct str         method = fuzz_line(&in), path = fuzz_rest(&in);
	char              *allow = malloc(allowlen > 0 ? allowlen : 1);
	struct route_match m;
	enum router_result rc;

	FUZZ_CHECK(allow != NULL);
	rc = router_match(app_routes, app_nroutes, method, path, &m, allow,
	    allowlen);
	if (allowlen > 0)
		FUZZ_CHECK(memchr(allow, '\0', allowlen) != NULL);
	switch (rc) {
	case ROUTER_FOUND:
		FUZZ_CHECK(m.route != NULL);
		FUZZ_CHECK(m.nparams <= ROUTER_MAX_PARAMS);
		FUZZ_CHECK(rebuilds(&m, path));
		FUZZ_CHECK(str_eq_cstr(method, m.route->method) ||
		    (str_eq_cstr(method, "HEAD") &&
		        strcmp(m.route->method, "GET") == 0));
		break;
	case ROUTER_METHOD_NOT_ALLOWED:
		FUZZ_CHECK(m.route == NULL);
		if (allowlen >= 32)
			FUZZ_CHECK(allow[0] != '\0');
		break;
	case ROUTER_NOT_FOUND:
		FUZZ_CHECK(m.route == NULL);
		break;
	}
	free(allow);
	return 0;
}
