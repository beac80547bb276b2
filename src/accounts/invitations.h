/*
 * The organization_invitations table (DESIGN sections 3 and 12): every
 * write to it, for the mirror of Clerk's organizationInvitation.* events,
 * the backfill and the answers of writes through Clerk (accounts/
 * clerk_invitations.c). One statement each, on the caller's connection,
 * inside the caller's transaction. Each returns 0, or -1 on a database
 * error (db_errmsg(c) has the detail).
 */
#ifndef ACCOUNTS_INVITATIONS_H
#define ACCOUNTS_INVITATIONS_H

#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

/* The columns of an invitation; NULL stores NULL. */
struct invitation_values {
	const char *clerk_id;        /* "orginv_..." */
	int64_t     organization_id; /* local organizations.id */
	const char *email_address;   /* never NULL */
	const char *role;            /* never NULL */
	const char *status;          /* pending, accepted, revoked, expired */
	const char *inviter_clerk_id;
	const char *user_clerk_id;    /* NULL keeps the one stored */
	int64_t     expires_at;       /* ms, or DB_NO_INT */
	int64_t     clerk_updated_at; /* ms */
	const char *created_at;       /* a new row's; ISO-8601 */
	const char *now;              /* updated_at */
};

/*
 * Inserts v, or writes it over the row with its clerk_id unless that row
 * is newer or already holds exactly this; *changed gets the rows written.
 */
int invitation_mirror_upsert(struct db_conn *c,
    const struct invitation_values *v, int64_t *changed) MUST_CHECK;

#endif
