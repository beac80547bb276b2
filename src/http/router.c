/*
 * Route matching: a linear scan over a small static table, segment by
 * segment, with no allocation. Pure; safe from any thread.
 */
#include "http/router.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Matches path against pattern, filling m's parameters; true on match. */
static bool
pattern_match(const char *pattern, struct str path, struct route_match *m)
{
	const char *pp = pattern;
	size_t      i = 0;

	m->nparams = 0;
	while (*pp != '\0') {
		if (*pp == '{') {
			const char *close = strchr(pp, '}');
			size_t      start = i;

			if (close == NULL || m->nparams == ROUTER_MAX_PARAMS)
				return false;
			while (i < path.len && path.p[i] != '/')
				i++;
			if (i == start)
				return false;
			m->params[m->nparams].name.p = pp + 1;
			m->params[m->nparams].name.len =
			    (size_t)(close - pp - 1);
			m->params[m->nparams].value.p = path.p + start;
			m->params[m->nparams].value.len = i - start;
			m->nparams++;
			pp = close + 1;
			continue;
		}
		if (i >= path.len || path.p[i] != *pp)
			return false;
		i++;
		pp++;
	}
	return i == path.len;
}

static bool
method_matches(const char *route_method, struct str method)
{
	if (str_eq_cstr(method, route_method))
		return true;
	return strcmp(route_method, "GET") == 0 && str_eq_cstr(method, "HEAD");
}

static void
allow_add(char *allow, size_t allowlen, const char *method)
{
	size_t used = strlen(allow);

	if (strstr(allow, method) != NULL)
		return;
	(void)snprintf(allow + used, allowlen - used, "%s%s",
	    used > 0 ? ", " : "", method);
}

enum router_result
router_match(const struct route *routes, size_t nroutes, struct str method,
    struct str path, struct route_match *m, char *allow, size_t allowlen)
{
	struct route_match scratch;
	bool               path_known = false;
	size_t             i;

	if (allowlen > 0)
		allow[0] = '\0';
	m->route = NULL;
	m->nparams = 0;
	for (i = 0; i < nroutes; i++) {
		if (!pattern_match(routes[i].pattern, path, &scratch))
			continue;
		path_known = true;
		if (allowlen > 0) {
			allow_add(allow, allowlen, routes[i].method);
			if (strcmp(routes[i].method, "GET") == 0)
				allow_add(allow, allowlen, "HEAD");
		}
		if (m->route == NULL &&
		    method_matches(routes[i].method, method)) {
			*m = scratch;
			m->route = &routes[i];
		}
	}
	if (m->route != NULL)
		return ROUTER_FOUND;
	return path_known ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}

struct str
route_param_get(const struct route_match *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nparams; i++) {
		if (str_eq_cstr(m->params[i].name, name))
			return m->params[i].value;
	}
	return STR_NULL;
}
