/*
 * POST /api/v1/auth/clerk_webhook/: Clerk's Svix-signed deliveries,
 * verified, recorded and applied exactly once (DESIGN section 5).
 */
#ifndef API_WEBHOOK_H
#define API_WEBHOOK_H

struct req;

int api_clerk_webhook(struct req *r);

#endif
