/*
 * Clerk session-token verification (DESIGN.md 6, reference/clerk.md 3.4):
 * a compact JWS signed with RS256, checked the way @clerk/backend does it
 * plus the stricter rules of DESIGN.md (sid required, iss pinned, azp
 * refused when missing unless the caller allows it).
 */
#ifndef CLERK_JWT_H
#define CLERK_JWT_H

#include <openssl/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clerk/has.h"
#include "core/mem.h"

#define CLERK_JWT_MAX_LEN      16384 /* longer tokens are malformed */
#define CLERK_JWT_LEEWAY_S     5     /* clock skew allowed on exp/nbf/iat */
#define CLERK_CATEGORY_SESSION "cl_B7d4PD111AAA"
#define CLERK_CATEGORY_IGNORE  "cl_I7d4PD111III"
#define CLERK_CATEGORY_M2M     "cl_B7d4PD333AAA"

/*
 * Returns a borrowed key for kid (NULL when the header has no kid), or NULL
 * when unknown. The key must stay valid until clerk_jwt_verify returns (a
 * cache that swaps key sets must not free a key a verification may hold).
 * Called at most once per verification, possibly from several threads.
 */
typedef EVP_PKEY *(*clerk_key_lookup_fn)(const char *kid, void *ctx);

struct clerk_jwt_opts {
	clerk_key_lookup_fn lookup;
	void               *lookup_ctx;
	const char         *issuer; /* "https://<fapi host>"; NULL: unchecked */
	/* Comma-separated origins; NULL or no entries: azp unchecked. */
	const char *authorized_parties;
	bool        azp_may_be_missing; /* cookie tokens on GET/HEAD */
	int64_t     now;                /* Unix seconds */
};

/*
 * Claims copied out of a verified token. Strings are never NULL after
 * CLERK_JWT_OK ("" when absent); they belong to the struct and go with
 * clerk_claims_cleanup (an absent one is a shared "": never free it).
 */
struct clerk_claims {
	char   *sub;
	char   *sid;
	char   *iss;
	char   *azp;
	int64_t exp;
	int64_t nbf; /* valid when has_nbf */
	int64_t iat; /* valid when has_iat */
	bool    has_nbf;
	bool    has_iat;
	int     version; /* 1, or 2 when the token says "v": 2 */
	/* The active organization, from v1 org_* or the v2 "o" claim. */
	bool           has_org; /* org_id is non-empty */
	char          *org_id;
	char          *org_slug;
	char          *org_role; /* "org:admin" (v2 "rol" gets the prefix) */
	char         **org_permissions; /* "org:<feature>:<permission>" */
	size_t         org_permissions_len;
	char          *sts; /* session status: "pending" while a task is open */
	char          *actor;    /* act.sub, the impersonating user */
	char          *act_json; /* the whole act claim, compact JSON */
	char          *fea;      /* billing claims as sent: "o:teams,u:beta" */
	char          *pla;      /* "u:free", "o:pro" */
	struct has_fva fva;      /* factor verification ages */
};

enum clerk_jwt_error {
	CLERK_JWT_OK = 0,
	CLERK_JWT_MALFORMED,   /* parts, base64url, JSON, size, header types */
	CLERK_JWT_ALG,         /* alg is not RS256 */
	CLERK_JWT_TYP,         /* typ present and not JWT */
	CLERK_JWT_CATEGORY,    /* cat neither session nor ignore */
	CLERK_JWT_KID_UNKNOWN, /* the lookup knows no key for kid */
	CLERK_JWT_SIGNATURE,   /* RSA PKCS#1 v1.5 SHA-256 check failed */
	CLERK_JWT_NO_SUB,      /* sub missing, empty or not a string */
	CLERK_JWT_MACHINE,     /* sub starts with mch_ (M2M token) */
	CLERK_JWT_NO_SID,      /* sid missing: not a session token */
	CLERK_JWT_BAD_CLAIM,   /* exp missing; exp/nbf/iat not integers */
	CLERK_JWT_EXPIRED,     /* exp <= now - leeway */
	CLERK_JWT_NOT_YET_VALID, /* nbf > now + leeway */
	CLERK_JWT_IAT_FUTURE,    /* iat > now + leeway */
	CLERK_JWT_ISSUER,        /* iss differs from opts.issuer */
	CLERK_JWT_AZP,           /* azp not authorized, or missing */
	/* Signed and valid, but Clerk's SDK could not decode its v2 claims
	 * (an fea element without ':', or per/fpm/fea not text): the SDK
	 * fails the request, so the token authenticates nobody. */
	CLERK_JWT_CLAIMS_INVALID,
	CLERK_JWT_INTERNAL, /* OpenSSL failed for a reason of its own */
};

/*
 * Verifies token (len bytes, any content; no NUL needed) and fills out.
 * The checks run in this order: structure, alg, typ, cat, key, signature,
 * then sub, sid, exp, nbf, iat, iss, azp, and last the decoding of the
 * organization and billing claims; the first failure is returned.
 * out is always initialised, so clerk_claims_cleanup(out) is always safe;
 * on failure it holds nothing.
 */
enum clerk_jwt_error clerk_jwt_verify(const char *token, size_t len,
    const struct clerk_jwt_opts *o, struct clerk_claims *out) MUST_CHECK;

/*
 * Optional, once at start-up before any other thread uses jansson: makes
 * jansson allocate the values of a verification from a per-thread scratch
 * buffer (jwt.c) instead of malloc. Values made outside a verification
 * still come from malloc, and any value may be freed on any thread.
 */
void clerk_jwt_use_scratch(void);

/*
 * SHA-256 of a then b (32 bytes into out) with this thread's digest
 * context, the one verification uses: no algorithm lookup and no context
 * allocation per call. False when OpenSSL fails.
 */
bool clerk_sha256(const void *a, size_t a_len, const void *b, size_t b_len,
    unsigned char out[32]) MUST_CHECK;

/* The two machine JWT forms (reference/clerk.md 10.3). */
enum clerk_jwt_form {
	CLERK_JWT_FORM_M2M,   /* sub "mch_...", cat absent or the M2M one */
	CLERK_JWT_FORM_OAUTH, /* typ "at+jwt" or "application/at+jwt" */
};

/*
 * Verifies a machine JWT of form as Clerk's SDK does (verifyM2MJwt,
 * verifyOAuthJwt): alg RS256, the form's typ and cat, the key by kid, the
 * signature first, then a string sub (M2M: "mch_..."), exp, nbf and iat
 * with CLERK_JWT_LEEWAY_S; no sid, azp or iss rule (o's issuer and
 * authorized parties are not read). On CLERK_JWT_OK, *payload gets the
 * payload as compact JSON text (malloc'd: the caller frees it) and *exp
 * its exp; else *payload is NULL.
 */
enum clerk_jwt_error clerk_jwt_verify_machine(const char *token, size_t len,
    enum clerk_jwt_form form, const struct clerk_jwt_opts *o, char **payload,
    int64_t *exp) MUST_CHECK;

/* What a token's unverified parts say about its kind (clerk.md 10.1). */
struct clerk_jwt_peek {
	bool is_jwt;         /* three base64url parts */
	bool sub_is_machine; /* the payload's sub starts with "mch_" */
	bool typ_is_access;  /* the header's typ is at+jwt or
	                      * application/at+jwt */
};

/*
 * Reads token's header typ and payload sub without verifying anything,
 * only to tell a machine JWT from a session token; out is always set.
 */
void clerk_jwt_peek(const char *token, size_t len, struct clerk_jwt_peek *out);

/* Frees the strings of c and zeroes it. */
void clerk_claims_cleanup(struct clerk_claims *c);

/*
 * Points s at c's claims for has_check (c must outlive s); a pending
 * session gets no user, so has() is false for it, as in Clerk's SDK.
 */
void clerk_claims_subject(const struct clerk_claims *c, struct has_subject *s);

/* A short reason for logs, as the SDK names them ("token-expired"). */
const char *clerk_jwt_error_str(enum clerk_jwt_error e);

#endif
