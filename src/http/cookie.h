/*
 * Cookie header parsing (RFC 6265 section 5.4, read leniently): a Cookie
 * header's value is a list of name=value pairs split on ';'; names are
 * compared case-sensitively, and the first pair of a name wins. Pure
 * functions over borrowed bytes: no allocation, thread-safe.
 */
#ifndef HTTP_COOKIE_H
#define HTTP_COOKIE_H

#include <stdbool.h>

#include "core/mem.h"
#include "core/str.h"

/*
 * Finds the first cookie called name (exactly, case included) in header,
 * the value of one Cookie header. True with *value pointing into header:
 * spaces and tabs around it trimmed, and a value in double quotes given
 * without them. Pairs without '=' are skipped; an empty name finds
 * nothing.
 */
bool cookie_find(struct str header, const char *name,
    struct str *value) MUST_CHECK;

#endif
