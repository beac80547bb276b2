/*
 * The session token of an Authorization header (DESIGN section 6): the
 * Bearer scheme matched case-insensitively (RFC 7235 section 2.1; Clerk's
 * SDK is stricter) with white space around the token ignored, or a single
 * value with no space in it, taken as the token as Clerk's SDK takes it.
 * Pure: no allocation, thread-safe.
 */
#ifndef HTTP_BEARER_H
#define HTTP_BEARER_H

#include <stdbool.h>

#include "core/mem.h"
#include "core/str.h"

/*
 * True with *token pointing into header ("bearer   tok  " gives "tok",
 * "tok" gives "tok"); false for an empty header and for another scheme
 * ("Basic abc"), which the caller ignores.
 */
bool bearer_token(struct str header, struct str *token) MUST_CHECK;

#endif
