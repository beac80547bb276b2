/*
 * One HTTP request: created once its request line is read (libmicrohttpd's
 * URI callback), freed in the completion callback (the one place request memory
 * is released). It owns one arena; everything hung on it dies with it. A
 * request belongs to the one worker thread that runs it.
 */
#ifndef HTTP_REQ_H
#define HTTP_REQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"
#include "http/router.h"

struct MHD_Connection;
struct MHD_Response;
struct app;
struct clerk_session_claims;
struct db_conn;
struct server_config;

#define REQ_MAX_EXTRA_HEADERS 16

struct req_header {
	const char *name;
	const char *value;
};

/*
 * Who a Clerk-authenticated request is (routes flagged ROUTE_AUTH, and
 * pages with a session), filled by the session gate. Strings are in the
 * request's arena.
 */
struct req_auth {
	/*
	 * The token's type as whoami names it: "session_token", "api_key",
	 * "m2m_token" or "oauth_token" (a static string), set as soon as
	 * the token is classified, also when it is then refused (for the
	 * access line). NULL when no token was looked at.
	 */
	const char *token_type;
	bool        machine; /* a machine token authenticated the request */
	/* Whom the token stands for: user_..., org_... or mch_... */
	const char *subject;
	/* A machine token's id (ak_/mt_/oat_, or a JWT's jti; "" when
	 * none), its scopes, its claims (JSON text, NULL when none) and its
	 * OAuth client (NULL when none). */
	const char        *machine_id;
	const char *const *scopes;
	size_t             scopes_len;
	const char        *machine_claims;
	const char        *client_id;
	/* local users.id; 0 for a machine token that does not act as a
	 * user */
	int64_t     user_id;
	const char *clerk_user_id; /* user_..., NULL when no user */
	const char *session_id;    /* the token's sid */
	const char *actor;    /* act.sub, the impersonator; NULL when none */
	const char *features; /* the raw fea claim, "" when absent */
	const char *plans;    /* the raw pla claim, "" when absent */
	/* The active organization, or a machine token's organization (its
	 * org_ subject, an OAuth JWT's org_id); NULL when none. */
	const char *org_id;
	const char *org_role;
	const char *org_slug;
	/* The active organization's permissions, from the token. */
	const char *const *org_permissions;
	size_t             org_permissions_len;
	/* All the verified token's claims (clerk/session.h), for has(). */
	const struct clerk_session_claims *claims;
	/* users/me's body on ROUTE_AUTH_PROFILE routes (in the arena), else
	 * NULL. */
	const char *profile_json;
	size_t      profile_json_len;
};

/* The fields are grouped by what they are for; one per request. */
/* NOLINTNEXTLINE(clang-analyzer-optin.performance.Padding) */
struct req {
	struct arena          *arena;
	struct MHD_Connection *conn;
	const struct app      *app; /* the application's (app.h); opaque here */
	char                   id[20];
	struct str             method;
	struct str             path;
	struct route_match     match;
	struct buf             body;
	/* The head is complete: the handler's first call has happened. */
	bool     head_done;
	bool     target_rejected; /* a control byte in the request target */
	size_t   target_len;      /* raw bytes before the first NUL */
	bool     body_too_large;
	size_t   discarded;
	bool     done;
	uint64_t start_ns;
	struct db_conn *db;
	bool            suspended;
	http_handler_fn resume;
	void           *state; /* the handler's, across a suspension */
	struct req_auth auth;
	int             auth_waits; /* suspensions for signing keys */
	/* The machine gate's wait for another request's verification
	 * (auth/machine_gate.c), across the suspension; NULL when none. */
	void *auth_wait;
	/* What the route's gate built for its handler (the admin's struct
	 * admin_ctx), NULL when none. */
	void *gate_ctx;
	/* What the gate left for the server's "after" hook, NULL when none. */
	void *after_ctx;

	/* The server running the request: its routes, gate and pool. */
	const struct server_config *srv;

	/* The response, set by resp_*(). */
	int                  status;
	struct MHD_Response *response;
	size_t               response_bytes;
	/* Set before the answer is built: resp_*() keep a copy of its body
	 * in the arena (answer_body), for the "after" hook. */
	bool              keep_answer;
	struct str        answer_body;
	bool              is_html;
	const char       *csp; /* HTML only; NULL: the default policy */
	size_t            nheaders;
	struct req_header headers[REQ_MAX_EXTRA_HEADERS];
};

/* A request header value (case-insensitive name), or NULL. Borrowed. */
const char *req_header(struct req *r, const char *name);
/*
 * A cookie's value (http/cookie.h: the name case-sensitive, every Cookie
 * header read as one list, the first of a name winning, quotes stripped),
 * or NULL. In the request's arena.
 */
const char *req_cookie(struct req *r, const char *name);
/* A query-string argument, or NULL. Borrowed. */
const char *req_query(struct req *r, const char *name);
/* A path parameter of the matched route, or STR_NULL. */
struct str req_param(struct req *r, const char *name);
/*
 * The request's database connection, acquired on first use and released
 * when the request ends; NULL when the database is unavailable (answer 503).
 */
struct db_conn *req_db(struct req *r) MUST_CHECK;

/*
 * Suspends the request: the handler then returns HTTP_SUSPENDED, and once
 * some thread calls req_resume(), resume(r) runs on a worker thread to
 * produce the answer. Call before handing r to another thread.
 */
void req_suspend(struct req *r, http_handler_fn resume);
/* Wakes a suspended request; callable from any thread, once. */
void req_resume(struct req *r);
/*
 * Runs the matched route again from its gate (a resume function for a
 * gate that suspended the request); returns the status.
 */
int req_rerun(struct req *r);
/* The raw request body (NUL-terminated, len excludes the NUL). */
struct str req_body(struct req *r);

/* Adds a response header (both strings are copied into the arena). */
void resp_header(struct req *r, const char *name, const char *value);
/* Sets the response from bytes (copied); returns status. content_type
 * NULL sends none (a 204). */
int resp_bytes(struct req *r, int status, const char *content_type,
    const void *body, size_t len);
/* Sets a JSON response; steals body. Returns status (500 if it fails). */
int resp_json(struct req *r, int status, json_t *body);
/* {"detail": detail}; returns status. */
int resp_detail(struct req *r, int status, const char *detail);
/* Sets an HTML response (copied); returns status. */
int resp_html(struct req *r, int status, const char *html, size_t len);

#endif
