/*
 * The organizationDomain.created|updated|deleted rules (DESIGN section
 * 12.3, reference/clerk.md section 8.3), with the ordering of section 5:
 * a domain is upserted by its Clerk id unless the mirror holds a newer
 * state, and its organization is created as a stub when the mirror lacks
 * it (rule_org_of). A deleted payload carries only the id: the domain is
 * deleted by it and tombstoned at the envelope's time, so an older event
 * cannot bring it back. verified is 1 when Clerk's affiliation
 * verification (or its deprecated alias, verification) is verified. The
 * writes are accounts/domains.c's.
 */
#include "accounts/rule.h"

#include <stdbool.h>
#include <string.h>

#include "accounts/domains.h"

/* A domain payload, read and checked before anything is written. */
struct clerk_domain {
	struct domain_values v;
	char                 created_at[ISO_TIME_SIZE];
};

/* True when the verification object key of data says "verified". */
static bool
is_verified(const json_t *data, const char *key)
{
	const char *status = rule_str(json_object_get(data, key), "status");

	return status != NULL && strcmp(status, "verified") == 0;
}

/* NULL when d is usable, else why not. */
static const char *
parse_domain(const struct rule_ctx *x, const json_t *data,
    struct clerk_domain *d)
{
	struct domain_values *v = &d->v;
	int64_t               created_at;

	memset(d, 0, sizeof(*d));
	v->clerk_id = rule_str(data, "id");
	v->name = rule_str(data, "name");
	if (v->clerk_id == NULL || *v->clerk_id == '\0' || v->name == NULL)
		return "data.id and data.name: expected strings";
	if (rule_times(data, &v->clerk_updated_at, &created_at) == -1)
		return "data.updated_at/created_at: expected integers (ms)";
	v->enrollment_mode = rule_str(data, "enrollment_mode");
	v->verified = is_verified(data, "affiliation_verification") ||
	    is_verified(data, "verification");
	v->affiliation_email_address =
	    rule_str(data, "affiliation_email_address");
	rule_time_or_now(x, created_at, d->created_at);
	v->created_at = d->created_at;
	v->now = x->now;
	return NULL;
}

static enum sync_outcome
on_upsert(struct rule_ctx *x, const json_t *data)
{
	static const char *const stored_sql =
	    "SELECT clerk_updated_at FROM organization_domains WHERE "
	    "clerk_id = $1";
	struct clerk_domain d;
	enum sync_outcome   o;
	enum rule_write     w;
	const char         *why;
	int64_t             changed = 0;

	if ((why = parse_domain(x, data, &d)) != NULL)
		return rule_outcome(x, SYNC_FAILED, why);
	if ((o = rule_org_of(x, data, d.v.clerk_id, d.v.clerk_updated_at,
	         &d.v.organization_id)) != SYNC_APPLIED)
		return o;
	if (domain_mirror_upsert(x->c, &d.v, &changed) == -1 ||
	    rule_upserted(x, changed, stored_sql, d.v.clerk_id,
	        d.v.clerk_updated_at, &w) == -1)
		return rule_db_failed(x);
	return rule_written(x, w);
}

enum sync_outcome
rule_domain(struct rule_ctx *x, const char *type, const json_t *data)
{
	if (strcmp(type, "organizationDomain.created") == 0 ||
	    strcmp(type, "organizationDomain.updated") == 0)
		return on_upsert(x, data);
	if (strcmp(type, "organizationDomain.deleted") == 0)
		return rule_delete(x, data, "organization_domain",
		    domain_delete_by_clerk);
	return rule_outcome(x, SYNC_IGNORED, NULL);
}
