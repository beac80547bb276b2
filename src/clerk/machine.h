/*
 * Clerk machine tokens (DESIGN section 13, reference/clerk.md 10): API
 * keys (ak_), M2M tokens (mt_) and OAuth access tokens (oat_), verified by
 * the Backend API, and the M2M and OAuth JWT forms, verified locally with
 * the session verifier's key source. This module tells them apart, calls
 * the verify endpoints and turns every answer into one verdict. It knows
 * no request and keeps nothing: the verdict cache, the single flight and
 * the answers belong to auth/machine_gate. Thread-safe.
 */
#ifndef CLERK_MACHINE_H
#define CLERK_MACHINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clerk/session.h"
#include "core/mem.h"

struct arena;

/* Longer machine tokens are refused without a call. */
#define MACHINE_TOKEN_MAX 4096

enum machine_type {
	MACHINE_NONE = 0, /* not a machine token: a session token */
	MACHINE_API_KEY,
	MACHINE_M2M,
	MACHINE_OAUTH,
};

/* What a token is, by its text alone. */
struct machine_kind {
	enum machine_type type;
	bool              is_jwt; /* the M2M or OAuth JWT form */
};

/*
 * Classifies token (len bytes) as Clerk's SDK does (getMachineTokenType,
 * first match wins): "mt_" or a JWT whose sub is "mch_..." is M2M;
 * "oat_" or a JWT whose typ is at+jwt is OAuth; "ak_" is an API key;
 * anything else a session token. With peek_jwt false, a JWT is taken for
 * a session token without decoding it (the prefixes are still read).
 */
struct machine_kind machine_classify(const char *token, size_t len,
    bool peek_jwt) MUST_CHECK;

/* whoami's name of a type: "api_key", "m2m_token", "oauth_token" or
 * "session_token". */
const char *machine_type_name(enum machine_type t) MUST_CHECK;

/*
 * An accepted machine token, as the gate hands it on. Strings are never
 * NULL but where marked; they live in the arena given to the call.
 */
struct machine_verdict {
	enum machine_type  type;
	bool               is_jwt;
	const char        *id;          /* ak_/mt_/oat_ id, or jti; "" none */
	const char        *subject;     /* user_..., org_... or mch_... */
	const char        *org_id;      /* org subject or org_id claim, NULL */
	const char        *client_id;   /* OAuth; NULL when none */
	const char        *claims_json; /* JSON text; NULL when none */
	const char *const *scopes;
	size_t             nscopes;
	int64_t            expiration_ms; /* 0: does not expire */
};

enum machine_outcome {
	MACHINE_ACCEPTED,
	MACHINE_REFUSED,     /* unknown, revoked, expired, inactive, bad JWT */
	MACHINE_UNAVAILABLE, /* Clerk unreachable, 429, 5xx, odd answer */
	/* Clerk refused our own secret key (401, 403): unavailable too. */
	MACHINE_SECRET_REFUSED,
	MACHINE_PENDING, /* JWT: the JWKS is being read (ticket) */
};

/*
 * Turns a verify endpoint's answer (status, body: NULL when not JSON)
 * for a token of type t into a verdict, v's strings in a. A 200 with
 * "revoked" or "expired" true, an expiration at or before now_ms, or
 * {"active":false} is refused, as are 400, 404 and 422. *why names the
 * reason for logs (a static string).
 */
enum machine_outcome machine_answer_parse(enum machine_type t, long status,
    const json_t *body, int64_t now_ms, struct arena *a,
    struct machine_verdict *v, const char **why) MUST_CHECK;

/* One call to a verify endpoint, for metrics. */
struct machine_call {
	long     status; /* 0: no answer */
	uint64_t ns;     /* how long it took */
};

/*
 * Verifies an opaque token of type t with the Backend API at api_url
 * (POST /v1/api_keys/verify, /v1/m2m_tokens/verify or
 * /v1/oauth_applications/access_tokens/verify) with secret_key; blocks
 * for the call (bounded by clerk_api_call's timeout). call gets the
 * status and the time taken (status 0, ns 0 when no call was made).
 */
enum machine_outcome machine_verify_opaque(const char *api_url,
    const char *secret_key, enum machine_type t, const char *token,
    int64_t now_ms, struct arena *a, struct machine_verdict *v,
    struct machine_call *call, const char **why) MUST_CHECK;

/*
 * Verifies a machine JWT of kind k with the session verifier's key
 * source; PENDING with *ticket while the JWKS is read (then
 * clerk_session_on_keys). v's strings in a.
 */
enum machine_outcome machine_verify_jwt(struct clerk_session *s,
    struct machine_kind k, const char *token, int64_t now_ms, struct arena *a,
    struct machine_verdict *v, uint64_t *ticket, const char **why) MUST_CHECK;

/*
 * Packs v into dst (cap bytes) when it fits; returns the bytes it takes
 * either way, so a caller may retry with room enough.
 */
size_t machine_verdict_pack(const struct machine_verdict *v, unsigned char *dst,
    size_t cap) MUST_CHECK;
/* Restores a packed verdict (len bytes of src) into v, strings in a. -1
 * when src is not one. */
int machine_verdict_unpack(const unsigned char *src, size_t len,
    struct arena *a, struct machine_verdict *v) MUST_CHECK;

#endif
