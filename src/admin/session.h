/*
 * Admin login sessions, CSRF tokens, the Origin check and the failed-login
 * throttle (DESIGN §8). A session is a random 32-byte token in the
 * HttpOnly, SameSite=Lax cookie "mysaas_admin" (Path=/admin/, Secure behind
 * HTTPS); admin_sessions stores only its SHA-256, with the session's own
 * CSRF token and expiry. The login form, which has no session yet, uses a
 * random token in the cookie "mysaas_admin_csrf" echoed in a hidden field.
 * All state is in the database, so any instance serves any request.
 */
#ifndef ADMIN_SESSION_H
#define ADMIN_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

struct req;

#define ADMIN_TOKEN_BYTES    32
#define ADMIN_TOKEN_HEX      (2UL * ADMIN_TOKEN_BYTES)
#define ADMIN_SESSION_COOKIE "mysaas_admin"
#define ADMIN_CSRF_COOKIE    "mysaas_admin_csrf"
#define ADMIN_CSRF_FIELD     "csrfmiddlewaretoken"
/* Two weeks, as Django's SESSION_COOKIE_AGE. */
#define ADMIN_SESSION_AGE_S (14L * 24 * 3600)

/* The signed-in admin of a request. */
struct admin_user {
	int64_t     id;
	const char *email; /* in the request's arena */
	bool        is_superuser;
	char        csrf[ADMIN_TOKEN_HEX + 1];
};

/*
 * Finds the session of r's cookie: 1 with u filled when it exists, has not
 * expired and its user is still active staff; 0 when not; -1 on a database
 * error.
 */
int admin_session_load(struct req *r, struct db_conn *c,
    struct admin_user *u) MUST_CHECK;
/*
 * Starts a session for user_id (and drops expired ones): inserts its row,
 * sets last_login and the cookie. 0, or -1 on a database or RNG error.
 */
int admin_session_start(struct req *r, struct db_conn *c,
    int64_t user_id) MUST_CHECK;
/* Deletes r's session row (if any) and clears the cookie. */
int admin_session_end(struct req *r, struct db_conn *c) MUST_CHECK;

/*
 * The login form's CSRF token: the cookie's when it holds one we could have
 * issued, else a new one (the cookie is then set). NULL on an RNG error.
 */
const char *admin_login_csrf(struct req *r) MUST_CHECK;

/* True when the request came over HTTPS (X-Forwarded-Proto from a trusted
 * proxy: MYSAAS_TRUST_PROXY=1). */
bool admin_is_https(struct req *r);
/* The client's address: the peer, or behind a trusted proxy the last entry
 * of X-Forwarded-For (the one that proxy added). In r's arena. */
const char *admin_client_ip(struct req *r);
/*
 * The Origin check of every POST: Origin, or Referer when Origin is absent,
 * must be this site (the Host header with the request's scheme).
 */
bool admin_origin_ok(struct req *r);
/* Adds a Set-Cookie for the admin (Path=/admin/, HttpOnly, SameSite=Lax,
 * Secure over HTTPS); max_age 0 deletes it. value must be cookie-safe. */
void admin_cookie_set(struct req *r, const char *name, const char *value,
    long max_age);

/*
 * The throttle: *blocked is set when email or ip has ADMIN_THROTTLE_MAX
 * failed logins in the last ADMIN_THROTTLE_WINDOW_S seconds.
 */
int admin_throttle_check(struct db_conn *c, const char *email, const char *ip,
    bool *blocked) MUST_CHECK;
/* Records one failed login (and forgets those older than the window). */
int admin_throttle_fail(struct db_conn *c, const char *email,
    const char *ip) MUST_CHECK;
/* Forgets the failures of email, after a successful login. */
int admin_throttle_clear(struct db_conn *c, const char *email) MUST_CHECK;

#endif
