/*
 * Pure helpers of the admin: query-string encoding, LIKE patterns, the
 * checks of untrusted values (redirect targets, origins, tokens, emails,
 * roles, text) and the display of database timestamps. No I/O, no state:
 * safe from any thread, unit-tested in tests/admin/util_test.c.
 */
#ifndef ADMIN_UTIL_H
#define ADMIN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/timeutil.h"

/* Failed logins allowed per email and per client within the window. */
#define ADMIN_THROTTLE_MAX      5
#define ADMIN_THROTTLE_WINDOW_S (15 * 60)

/* Room for a display timestamp "2026-11-26 20:10:27 UTC" and its NUL. */
#define ADMIN_TIME_SIZE 32

/*
 * Appends s percent-encoded as a URL query or path component: everything
 * but ALPHA / DIGIT / "-" / "." / "_" / "~" (and "/" when keep_slash, for a
 * path carried in a query value) becomes %XX. -1 when b is full.
 */
int admin_urlencode(struct buf *b, const char *s, bool keep_slash) MUST_CHECK;
/*
 * Appends the LIKE pattern "%term%" for a search term, with "\", "%" and
 * "_" escaped by "\" (use ESCAPE '\'), so they match themselves only.
 */
int admin_like_contains(struct buf *b, const char *term, size_t len) MUST_CHECK;
/*
 * True when next is a safe place to send a browser after login: a path on
 * this site ("/..."), never "//host", "/\host" or anything with controls,
 * spaces or backslashes that a browser could read as another origin.
 */
bool admin_next_ok(const char *next);
/*
 * True when value (an Origin header, or a Referer URL when is_referer) names
 * exactly scheme://host, where host is the request's Host header (with its
 * port, if any). Comparison is case-insensitive for scheme and host.
 */
bool admin_origin_matches(const char *value, bool is_referer,
    const char *scheme, const char *host);
/* Constant-time equality of two NUL-terminated tokens (CRYPTO_memcmp). */
bool admin_token_eq(const char *a, const char *b);
/* True when s is len lowercase hex digits exactly (a token we issued). */
bool admin_is_hex(const char *s, size_t len);
/*
 * True when p[0..len) is well-formed UTF-8 with no NUL or other control
 * character (tab, CR and LF are allowed only when multiline).
 */
bool admin_text_ok(const char *p, size_t len, bool multiline);
/* A plausible email: one "@", something on both sides, no spaces, <= 254. */
bool admin_email_ok(const char *s);
/* A Clerk role key: "org:" then 1..60 of [A-Za-z0-9_:-]. */
bool admin_role_ok(const char *s);
/*
 * Formats a timestamp as the database returns it (SQLite
 * "2026-11-26T20:10:27.123Z", PostgreSQL "2026-11-26 20:10:27.123+00") as
 * "2026-11-26 20:10:27 UTC"; anything else is copied (truncated).
 */
void admin_time_display(const char *db, char out[ADMIN_TIME_SIZE]);
/* True when either count of recent failures has reached the limit. */
bool admin_throttled(int64_t email_failures, int64_t ip_failures);
/* The start of the throttle window for now_ms, as ISO-8601 text. */
void admin_throttle_since(int64_t now_ms, char out[ISO_TIME_SIZE]);

#endif
