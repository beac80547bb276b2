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

#include <stdint.h>

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

/*
 * The organization of the path's {id}: 0 with its local id and Clerk id
 * (in the request's arena), else the status answered (404, 503).
 */
int api_org_target(struct req *r, struct db_conn *c, int64_t *org_id,
    const char **clerk_id) MUST_CHECK;

#endif
