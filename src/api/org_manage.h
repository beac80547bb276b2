/*
 * Organization management through Clerk (DESIGN 12.2), under
 * /api/v1/organizations/{id}: the organization's name and slug, its
 * deletion, its members' roles and removal (org_manage.c), its
 * invitations listed, made and revoked (invitations.c). Each write calls
 * Clerk's Backend API first (api/clerk_write.h), then applies Clerk's
 * answer to the mirror before answering. The route table declares what
 * each requires (src/routes.c); "{id}" is the local id or "org_...",
 * "{user_id}" the local id or "user_...".
 */
#ifndef API_ORG_MANAGE_H
#define API_ORG_MANAGE_H

#include <jansson.h>
#include <stdint.h>

#include "clerk/backend_api.h"
#include "core/mem.h"

struct db_conn;
struct req;

int api_org_patch(struct req *r);
int api_org_delete(struct req *r);
int api_org_member_patch(struct req *r);
int api_org_member_delete(struct req *r);
int api_org_invitations(struct req *r);
int api_org_invite(struct req *r);
int api_org_invitation_revoke(struct req *r);

/* The organization a path's {id} names. */
struct api_org {
	int64_t     id;       /* local */
	const char *clerk_id; /* Clerk's, in the request's arena */
};

/* Clerk's body from the request's (a JSON object): 0 with *send (a new
 * reference), else the 422 answered. */
typedef int (*api_body_fn)(struct req *r, const json_t *body, json_t **send);

/*
 * What every route of the organization starts with: with build, the body
 * checked (api/clerk_write.h) and made into Clerk's (*send); the
 * database (*c); the organization of {id} (*org). 0, else the status
 * answered (415, 422, 404, 503).
 */
int api_org_start(struct req *r, api_body_fn build, json_t **send,
    struct db_conn **c, struct api_org *org) MUST_CHECK;
/* method on org's Backend API path plus suffix ("" or "/invitations"),
 * with body: as api_clerk_write(). */
int api_org_clerk(struct req *r, const struct api_org *org, const char *method,
    const char *suffix, const json_t *body,
    struct clerk_api_answer *a) MUST_CHECK;

#endif
