/*
 * The caller's organizations: list, one, and its members
 * (/api/v1/organizations...). A non-member gets 404, as for a missing one.
 */
#ifndef API_ORGANIZATIONS_H
#define API_ORGANIZATIONS_H

struct req;

int api_orgs_list(struct req *r);
int api_org_get(struct req *r);
int api_org_members(struct req *r);

#endif
