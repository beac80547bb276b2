/*
 * The rules that apply a verified Clerk event (user, organization,
 * organizationMembership, session, role, permission,
 * organizationInvitation, organizationDomain) to the local mirror,
 * inside the caller's transaction: stale events change nothing, tombstones
 * stop resurrection, memberships and sessions that arrive first create
 * their user (and a membership, an invitation or a domain its
 * organization). Shared by the webhook
 * receiver, the admin's "retry" and the answers of Clerk's Backend API.
 */
#ifndef ACCOUNTS_CLERK_SYNC_H
#define ACCOUNTS_CLERK_SYNC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

enum sync_outcome {
	SYNC_APPLIED = 0,
	SYNC_IGNORED, /* other event types, stale events (error "stale") */
	SYNC_FAILED,  /* signed but unappliable: error says why */
	SYNC_DB_ERROR,
};

#define SYNC_ERROR_SIZE 256

struct sync_result {
	enum sync_outcome outcome;
	char              error[SYNC_ERROR_SIZE]; /* "" when none */
	/*
	 * With SYNC_APPLIED: false when the mirror already held exactly this
	 * (same updated_at, same columns), so nothing was written; true
	 * otherwise (deletions always count as changes).
	 */
	bool changed;
};

/*
 * Applies event (a JSON object with string "type" and object "data") on c,
 * which must be inside a transaction. received_ms stands in for a missing
 * envelope timestamp. Every check that can give SYNC_FAILED runs before
 * the first write, so a failed event has changed nothing; on
 * SYNC_DB_ERROR the caller must roll back.
 */
enum sync_outcome clerk_sync_apply(struct db_conn *c, const json_t *event,
    int64_t received_ms, struct sync_result *res) MUST_CHECK;

/*
 * clerk_sync_apply for an object Clerk's Backend API answered (a User, an
 * Organization, an OrganizationMembership, ...) as the event type names it
 * ("organization.updated"), so that a write through Clerk reaches the
 * mirror by the rules its webhook will follow, and that webhook then
 * changes nothing. Inside the caller's transaction, as clerk_sync_apply.
 */
enum sync_outcome clerk_sync_apply_object(struct db_conn *c, const char *type,
    json_t *data, int64_t received_ms, struct sync_result *res) MUST_CHECK;

#endif
