/*
 * The organizationInvitation.created|accepted|revoked rules (DESIGN
 * section 12.3, reference/clerk.md sections 7 and 8.2), with the ordering
 * of section 5: each event carries the full invitation, upserted by its
 * Clerk id unless the mirror holds a newer state (updated_at against
 * clerk_updated_at), so a revoked or accepted invitation stays so whatever
 * arrives late, and a revoked one whose created event never came is
 * mirrored from the revoked payload alone. The invitation's organization
 * is created as a stub when the mirror lacks it (rule_org_of), unless it
 * was deleted: its invitations went with it (the foreign key cascades)
 * and no late event brings them back. There is no deletion event. The
 * writes are accounts/invitations.c's.
 */
#include "accounts/rule.h"

#include <stdbool.h>
#include <string.h>

#include "accounts/invitations.h"

/* The actions Clerk sends, and the status each implies when the payload
 * has none; any other action is acknowledged, unused. */
static const struct {
	const char *type;
	const char *status;
} actions[] = {
    {"organizationInvitation.created", "pending"},
    {"organizationInvitation.accepted", "accepted"},
    {"organizationInvitation.revoked", "revoked"},
};

/* The statuses organization_invitations.status admits. */
static const char *const statuses[] = {"pending", "accepted", "revoked",
    "expired"};

/* An invitation payload, read and checked before anything is written. */
struct clerk_invitation {
	struct invitation_values v;
	char                     created_at[ISO_TIME_SIZE];
};

/* NULL when inv is usable, else why not; status is the action's. */
static const char *
parse_invitation(const struct rule_ctx *x, const json_t *data,
    const char *status, struct clerk_invitation *inv)
{
	struct invitation_values *v = &inv->v;
	const json_t *inviter = json_object_get(data, "public_inviter_data");
	int64_t       created_at;

	memset(inv, 0, sizeof(*inv));
	v->clerk_id = rule_str(data, "id");
	v->email_address = rule_str(data, "email_address");
	if (v->clerk_id == NULL || *v->clerk_id == '\0' ||
	    v->email_address == NULL)
		return "data.id and data.email_address: expected strings";
	if (rule_str(data, "status") != NULL)
		status = rule_str(data, "status");
	if (!rule_one_of(status, statuses, ARRAY_LEN(statuses)))
		return "data.status: expected pending, accepted, revoked or "
		       "expired";
	v->status = status;
	if (rule_times(data, &v->clerk_updated_at, &created_at) == -1 ||
	    rule_time(data, "expires_at", &v->expires_at) == -1)
		return "data.*_at: expected integers (ms) or null";
	v->role = rule_str(data, "role") != NULL ? rule_str(data, "role")
	                                         : "org:member";
	v->inviter_clerk_id = rule_str(data, "inviter_id") != NULL
	    ? rule_str(data, "inviter_id")
	    : rule_str(inviter, "user_id");
	v->user_clerk_id = rule_str(data, "user_id");
	rule_time_or_now(x, created_at, inv->created_at);
	v->created_at = inv->created_at;
	v->now = x->now;
	return NULL;
}

static enum sync_outcome
apply(struct rule_ctx *x, const json_t *data, struct invitation_values *v)
{
	static const char *const stored_sql =
	    "SELECT clerk_updated_at FROM organization_invitations WHERE "
	    "clerk_id = $1";
	enum sync_outcome o;
	enum rule_write   w;
	int64_t           changed = 0;

	if ((o = rule_org_of(x, data, v->clerk_id, v->clerk_updated_at,
	         &v->organization_id)) != SYNC_APPLIED)
		return o;
	if (invitation_mirror_upsert(x->c, v, &changed) == -1 ||
	    rule_upserted(x, changed, stored_sql, v->clerk_id,
	        v->clerk_updated_at, &w) == -1)
		return rule_db_failed(x);
	return rule_written(x, w);
}

enum sync_outcome
rule_invitation(struct rule_ctx *x, const char *type, const json_t *data)
{
	struct clerk_invitation inv;
	const char             *why;
	size_t                  i;

	for (i = 0; i < ARRAY_LEN(actions); i++) {
		if (strcmp(type, actions[i].type) == 0)
			break;
	}
	if (i == ARRAY_LEN(actions))
		return rule_outcome(x, SYNC_IGNORED, NULL);
	if ((why = parse_invitation(x, data, actions[i].status, &inv)) != NULL)
		return rule_outcome(x, SYNC_FAILED, why);
	return apply(x, data, &inv.v);
}
