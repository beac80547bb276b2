/*
 * The request target as the client sent it, before libmicrohttpd decodes
 * it. libmicrohttpd hands the decoded path and query arguments over as C
 * strings, so a %00 would silently end them ("/api/v1/health%00" would
 * answer as "/api/v1/health"), and a decoded control byte would reach
 * handlers and logs. The check is pure and thread-safe.
 */
#ifndef HTTP_TARGET_H
#define HTTP_TARGET_H

#include <stddef.h>

#include "core/str.h"

/*
 * 0 when the raw target (len bytes, not decoded) is acceptable, -1 when it
 * holds a control byte (0x00-0x1f, 0x7f) as sent, a %-escape of one in the
 * path or in a query argument's name, or a %00 in a query argument's value.
 * Other control bytes stay allowed in values, which are text ("%0A" is a
 * line break in a search).
 */
int target_check(struct str raw) MUST_CHECK;

#endif
