/*
 * Session-token verification (DESIGN section 6) with a cache in front:
 * a token is checked with CLERK_JWT_KEY or the JWKS (issuer, authorized
 * parties), and its claims kept until it expires, so a token seen again
 * costs a digest and a lookup. Nothing here knows about requests: finding
 * the token and answering for it is the caller's (auth/gate.h). Shared by
 * all threads; owned by the session gate.
 */
#ifndef CLERK_SESSION_H
#define CLERK_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clerk/jwt.h"
#include "core/config.h"
#include "core/mem.h"

struct arena;
struct clerk_session;

/* A token to verify. */
struct clerk_session_token {
	const char *text; /* NUL-terminated */
	/* A token without azp is accepted (a cookie token on GET or HEAD:
	 * browsers omit azp on top-level navigations). */
	bool    azp_may_be_missing;
	int64_t now; /* Unix seconds */
};

/*
 * A verified token's claims, decoded once (DESIGN 11.1) and kept with the
 * cached verdict. Strings are never NULL ("" when absent).
 */
struct clerk_session_claims {
	int64_t     exp;
	int64_t     iat; /* 0 when absent */
	const char *sub;
	const char *sid;
	const char *sts;   /* session status: "pending" while a task is open */
	const char *actor; /* act.sub, the impersonating user */
	const char *org_id;
	const char *org_role; /* "org:admin" (v2 "rol" gets the prefix) */
	const char *org_slug;
	const char *fea; /* billing claims as sent: "o:teams,u:beta" */
	const char *pla;
	/* The active organization's permissions (v1 org_permissions, or
	 * decoded from v2 o.per/o.fpm and fea). */
	const char *const *perms;
	size_t             perms_len;
	struct has_fva     fva;
};

enum clerk_session_verdict {
	CLERK_SESSION_OK,          /* claims filled */
	CLERK_SESSION_REFUSED,     /* why says why */
	CLERK_SESSION_UNAVAILABLE, /* no signing keys could be read */
	/* The JWKS is being read: clerk_session_on_keys(ticket) says when it
	 * is over; verify again then. */
	CLERK_SESSION_PENDING,
};

/* What the cache had to say, for metrics. */
enum clerk_session_cache {
	CLERK_CACHE_UNUSED, /* no lookup (the key could not be computed) */
	CLERK_CACHE_HIT,
	CLERK_CACHE_MISS,
};

struct clerk_session_result {
	enum clerk_session_verdict  verdict;
	enum clerk_jwt_error        why;    /* REFUSED: the failed check */
	uint64_t                    ticket; /* PENDING */
	enum clerk_session_cache    cache;
	struct clerk_session_claims claims; /* OK: in the caller's arena */
};

/*
 * Builds the verifier from the configuration. *s is NULL (and 0 returned)
 * when no key source is configured (neither CLERK_JWT_KEY nor
 * CLERK_SECRET_KEY). -1 with one line in err when a Clerk variable is
 * unusable.
 */
int  clerk_session_new(const struct config *cfg, struct clerk_session **s,
     char *err, size_t errlen) MUST_CHECK;
void clerk_session_free(struct clerk_session *s);
/*
 * Verifies t, from the cache when it holds the token, and fills out (its
 * strings allocated in a). A token verified here is cached when its claims
 * fit an entry. Never waits on the network.
 */
enum clerk_session_verdict clerk_session_verify(struct clerk_session *s,
    const struct clerk_session_token *t, struct arena *a,
    struct clerk_session_result *out) MUST_CHECK;
/*
 * Calls ready(arg) once the JWKS read a PENDING verdict's ticket waits for
 * is over: from the fetcher thread, or at once from this one.
 */
void clerk_session_on_keys(struct clerk_session *s, uint64_t ticket,
    void (*ready)(void *arg), void                          *arg);

/* A machine JWT to verify with the session's key source. */
struct clerk_machine_jwt {
	const char         *text; /* NUL-terminated */
	enum clerk_jwt_form form;
	int64_t             now; /* Unix seconds */
};

/* What clerk_session_verify_machine() found. */
struct clerk_machine_jwt_result {
	char                *payload; /* OK: JSON text, malloc'd (free it) */
	int64_t              exp;     /* OK */
	enum clerk_jwt_error why;     /* REFUSED */
	uint64_t             ticket;  /* PENDING */
};

/*
 * Verifies a machine JWT (reference/clerk.md 10.3) with the same key
 * source as session tokens (CLERK_JWT_KEY, else the JWKS): OK, REFUSED,
 * PENDING while the JWKS is read (clerk_session_on_keys), or UNAVAILABLE.
 * Nothing is cached here. Never waits on the network.
 */
enum clerk_session_verdict clerk_session_verify_machine(struct clerk_session *s,
    const struct clerk_machine_jwt                                           *t,
    struct clerk_machine_jwt_result *out) MUST_CHECK;

/* True when the session is pending (an open task): signed out. */
bool clerk_session_is_pending(const struct clerk_session_claims *c) MUST_CHECK;
/*
 * Points s at c's claims for has_check (c must outlive s); a pending
 * session gets no user, so has() is false for it, as in Clerk's SDK.
 */
void clerk_session_subject(const struct clerk_session_claims *c,
    struct has_subject                                       *s);

#endif
