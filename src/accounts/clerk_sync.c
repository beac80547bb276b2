/*
 * Clerk event rules (DESIGN section 5). Every function runs on the
 * caller's connection inside the caller's transaction and uses only bound
 * parameters. Ordering is decided by Clerk's updated_at (ms) compared with
 * the stored clerk_updated_at, and by clerk_tombstones for deletions;
 * guarded UPDATEs ("... AND clerk_updated_at <= $n") make the check and the
 * write one statement, so concurrent writers on PostgreSQL stay correct.
 * An event equal to the stored row (the same updated_at and the same
 * columns) is left out by that guard too: it writes nothing and is applied
 * but unchanged (sync_result.changed), so "mysaas clerk sync" can record
 * only real changes. The rules decide; the writes are the named operations
 * of accounts/users.c, orgs.c, memberships.c and tombstones.c. The rules of
 * sessions (clerk_sessions.c), of the role and permission catalog
 * (clerk_catalog.c) and of an organization's invitations and domains
 * (clerk_invitations.c, clerk_domains.c) share the helpers of
 * accounts/rule.h.
 */
#include "accounts/clerk_sync.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/memberships.h"
#include "accounts/orgs.h"
#include "accounts/rule.h"
#include "accounts/tombstones.h"
#include "accounts/users.h"
#include "core/timeutil.h"

/* Not known: stored as NULL by the accounts writes (db_int_or_null). */
#define NO_TIME DB_NO_INT

/* A user as Clerk describes it, from a user event or a membership's
 * public_user_data (a stub: no updated_at). */
struct clerk_user {
	const char *clerk_id;
	const char *email;
	const char *first_name;
	const char *last_name;
	const char *username;
	const char *image_url;
	int64_t     updated_at; /* NO_TIME for stubs */
	int64_t     created_at;
};

struct clerk_org {
	const char *clerk_id;
	const char *name;
	const char *slug;
	const char *image_url;
	int64_t     updated_at; /* NO_TIME for stubs */
	int64_t     created_at;
};

/* The primary email: the email_addresses entry whose id is
 * primary_email_address_id; NULL for phone-only users. */
static const char *
primary_email(const json_t *data)
{
	const char *pid = rule_str(data, "primary_email_address_id");
	json_t     *list = json_object_get(data, "email_addresses"), *e;
	size_t      i;

	if (pid == NULL || !json_is_array(list))
		return NULL;
	json_array_foreach(list, i, e)
	{
		const char *id = rule_str(e, "id");

		if (id != NULL && strcmp(id, pid) == 0)
			return rule_str(e, "email_address");
	}
	return NULL;
}

/*
 * Clears email from every other user holding it: not keep_id (0: none),
 * and never the row of clerk_id itself, which a concurrent transaction
 * may have just committed.
 */
static int
clear_email_holders(struct rule_ctx *x, const char *email, int64_t keep_id,
    const char *clerk_id)
{
	return user_clear_email(x->c, email, keep_id, clerk_id, x->now);
}

/* The columns of Clerk's user u (an active account, not staff). */
static struct user_values
user_values_of(const struct rule_ctx *x, const struct clerk_user *u,
    const char *date_joined)
{
	struct user_values v = {.clerk_id = u->clerk_id,
	    .email = u->email,
	    .first_name = u->first_name,
	    .last_name = u->last_name,
	    .username = u->username,
	    .image_url = u->image_url,
	    .password = "",
	    .is_active = true,
	    .clerk_updated_at = u->updated_at,
	    .date_joined = date_joined,
	    .now = x->now};

	return v;
}

/*
 * What the mirror holds for a Clerk user, read in one statement: its row,
 * the row holding its email (unique, case-insensitively), the tombstone.
 */
struct user_found {
	int64_t id;           /* the row with its clerk_id; 0: none */
	int64_t holder;       /* the row holding its email; 0: none */
	bool    holder_local; /* that row has no clerk_id: a local account */
	int64_t deleted_at;   /* its tombstone; NO_TIME: none */
};

static int
user_find(struct rule_ctx *x, const struct clerk_user *u, struct user_found *f)
{
	static const char *const sql =
	    "SELECT (SELECT deleted_at FROM clerk_tombstones WHERE "
	    "clerk_id = $1), (SELECT id FROM users WHERE clerk_id = $1), "
	    "(SELECT id FROM users WHERE email IS NOT NULL AND "
	    "lower(email) = lower($2)), (SELECT clerk_id IS NULL FROM users "
	    "WHERE email IS NOT NULL AND lower(email) = lower($2))";
	struct db_param p[] = {DB_TEXT(u->clerk_id), db_text_or_null(u->email)};
	struct db_rows *r = db_query(x->c, sql, p, 2);
	int             rc;

	if (r == NULL)
		return -1;
	if ((rc = db_rows_next(r)) == 1) {
		f->deleted_at =
		    db_col_is_null(r, 0) ? NO_TIME : db_col_int(r, 0);
		f->id = db_col_is_null(r, 1) ? 0 : db_col_int(r, 1);
		f->holder = db_col_is_null(r, 2) ? 0 : db_col_int(r, 2);
		f->holder_local = !db_col_is_null(r, 3) && db_col_bool(r, 3);
	}
	db_rows_free(r);
	return rc == 1 ? 0 : -1;
}

/*
 * Whether writing u's email to row id must first clear it from another
 * row (clear_email_holders), as f found it. A row that takes the email
 * meanwhile makes the write fail on the unique index, and the delivery is
 * tried again.
 */
static bool
email_held_elsewhere(const struct clerk_user *u, const struct user_found *f,
    int64_t id)
{
	return u->email != NULL && f->holder != 0 && f->holder != id;
}

static int
user_rewrite(struct rule_ctx *x, const struct clerk_user *u, int64_t id,
    const struct user_found *f, int64_t *changed)
{
	struct user_values v = user_values_of(x, u, x->now);

	if (email_held_elsewhere(u, f, id) &&
	    clear_email_holders(x, u->email, id, u->clerk_id) == -1)
		return -1;
	return user_mirror_update(x->c, id, &v, changed);
}

/* Updates user id from u; *w says whether it wrote, or why not. */
static int
user_write(struct rule_ctx *x, const struct clerk_user *u, int64_t id,
    const struct user_found *f, enum rule_write *w)
{
	static const char *const sql =
	    "SELECT clerk_updated_at FROM users WHERE id = $1";
	struct db_param p[] = {DB_INT(id)};
	int64_t         changed = 0;

	if (user_rewrite(x, u, id, f, &changed) == -1)
		return -1;
	*w = RULE_WROTE;
	return changed > 0 ? 0 : rule_unwritten(x, sql, p, u->updated_at, w);
}

/*
 * 1 inserted (*id set); 0 on a uniqueness conflict: another transaction
 * created the user or took the email first (the caller looks again);
 * -1 on error.
 */
static int
user_create(struct rule_ctx *x, const struct clerk_user *u,
    const struct user_found *f, int64_t *id)
{
	char               joined[ISO_TIME_SIZE];
	struct user_values v;

	rule_time_or_now(x, u->created_at, joined);
	v = user_values_of(x, u, joined);
	if (email_held_elsewhere(u, f, 0) &&
	    clear_email_holders(x, u->email, 0, u->clerk_id) == -1)
		return -1;
	return user_add(x->c, &v, id);
}

/*
 * Creates or updates the mirror of u. A stub (u->updated_at NO_TIME) never
 * overwrites an existing user. first, when not NULL, is what user_find
 * just read. *id gets the local id; *w what was done.
 */
static int
user_upsert(struct rule_ctx *x, const struct clerk_user *u,
    const struct user_found *first, int64_t *id, enum rule_write *w)
{
	struct user_found f;
	bool              is_stub = u->updated_at == NO_TIME;
	int               attempt, rc;

	*w = RULE_WROTE;
	for (attempt = 0; attempt < 3; attempt++) {
		if (attempt == 0 && first != NULL)
			f = *first;
		else if (user_find(x, u, &f) == -1)
			return -1;
		if (f.id != 0) {
			*id = f.id;
			if (is_stub) {
				*w = RULE_SAME;
				return 0;
			}
			return user_write(x, u, f.id, &f, w);
		}
		/* A local account with its email: link it. */
		if (u->email != NULL && f.holder != 0 && f.holder_local) {
			*id = f.holder;
			return user_write(x, u, f.holder, &f, w);
		}
		if ((rc = user_create(x, u, &f, id)) != 0)
			return rc == 1 ? 0 : -1;
		/* Another transaction created it meanwhile, or took its
		 * email: look again. */
	}
	return -1;
}

enum sync_outcome
rule_user(struct rule_ctx *x, const json_t *data, int64_t *id)
{
	struct clerk_user u;
	struct user_found f;
	enum rule_write   w;

	memset(&u, 0, sizeof(u));
	u.clerk_id = rule_str(data, "id");
	if (u.clerk_id == NULL || *u.clerk_id == '\0')
		return rule_outcome(x, SYNC_FAILED,
		    "data.id: expected a string");
	if (rule_times(data, &u.updated_at, &u.created_at) == -1)
		return rule_outcome(x, SYNC_FAILED,
		    "data.updated_at/created_at: expected integers (ms)");
	u.email = primary_email(data);
	u.first_name = rule_str(data, "first_name");
	u.last_name = rule_str(data, "last_name");
	u.username = rule_str(data, "username");
	u.image_url = rule_str(data, "image_url");
	if (user_find(x, &u, &f) == -1)
		return rule_db_failed(x);
	if (f.deleted_at != NO_TIME && u.updated_at <= f.deleted_at)
		return rule_outcome(x, SYNC_IGNORED, "stale");
	if (user_upsert(x, &u, &f, id, &w) == -1)
		return rule_db_failed(x);
	return rule_written(x, w);
}

static enum sync_outcome
on_user_upsert(struct rule_ctx *x, const json_t *data)
{
	int64_t id;

	return rule_user(x, data, &id);
}

/* The envelope timestamp in ms (seconds below 10^11 are scaled), else
 * the receipt time. */
static int64_t
deletion_time(const json_t *event, int64_t received_ms)
{
	json_t *t = json_object_get(event, "timestamp");
	int64_t v;

	if (!json_is_integer(t))
		return received_ms;
	v = (int64_t)json_integer_value(t);
	return v < 100000000000LL ? v * 1000 : v;
}

/* The columns of Clerk's organization o. */
static struct org_values
org_values_of(const struct rule_ctx *x, const struct clerk_org *o)
{
	struct org_values v = {.clerk_id = o->clerk_id,
	    .name = o->name,
	    .slug = o->slug,
	    .image_url = o->image_url,
	    .clerk_updated_at = o->updated_at,
	    .now = x->now};

	return v;
}

static int
org_by_clerk_id(struct rule_ctx *x, const char *clerk_id, int64_t *id)
{
	static const char *const sql =
	    "SELECT id FROM organizations WHERE clerk_id = $1";
	struct db_param p[] = {DB_TEXT(clerk_id)};

	return db_query_int(x->c, sql, p, 1, id, NULL);
}

/* Updates organization o; *w says whether it wrote, or why not. */
static int
org_write(struct rule_ctx *x, const struct clerk_org *o, enum rule_write *w)
{
	static const char *const sql =
	    "SELECT clerk_updated_at FROM organizations WHERE clerk_id = $1";
	struct db_param   p[] = {DB_TEXT(o->clerk_id)};
	struct org_values v = org_values_of(x, o);
	int64_t           changed = 0;

	if (org_mirror_update(x->c, &v, &changed) == -1)
		return -1;
	*w = RULE_WROTE;
	return changed > 0 ? 0 : rule_unwritten(x, sql, p, o->updated_at, w);
}

/* Like user_upsert, for organizations. */
static int
org_upsert(struct rule_ctx *x, const struct clerk_org *o, int64_t *id,
    enum rule_write *w)
{
	struct org_values v = org_values_of(x, o);
	int               attempt, rc;

	*w = RULE_WROTE;
	for (attempt = 0; attempt < 2; attempt++) {
		if ((rc = org_by_clerk_id(x, o->clerk_id, id)) == -1)
			return -1;
		if (rc == 1) {
			if (o->updated_at == NO_TIME) {
				*w = RULE_SAME;
				return 0;
			}
			return org_write(x, o, w);
		}
		if ((rc = org_add(x->c, &v, id)) != 0)
			return rc == 1 ? 0 : -1;
	}
	return -1;
}

/* Reads an organization object; -1 when its id or types are wrong. */
static int
parse_org(const json_t *obj, struct clerk_org *o, bool stub)
{
	memset(o, 0, sizeof(*o));
	o->clerk_id = rule_str(obj, "id");
	if (o->clerk_id == NULL || *o->clerk_id == '\0')
		return -1;
	o->name = rule_str(obj, "name");
	if (o->name == NULL)
		o->name = "";
	o->slug = rule_str(obj, "slug");
	o->image_url = rule_str(obj, "image_url");
	if (rule_time(obj, "updated_at", &o->updated_at) == -1 ||
	    rule_time(obj, "created_at", &o->created_at) == -1)
		return -1;
	if (stub)
		o->updated_at = NO_TIME;
	else if (o->updated_at == NO_TIME)
		o->updated_at = o->created_at != NO_TIME ? o->created_at : 0;
	return 0;
}

static enum sync_outcome
on_org_upsert(struct rule_ctx *x, const json_t *data)
{
	struct clerk_org o;
	int64_t          id;
	enum rule_write  w;
	int              rc;

	if (parse_org(data, &o, false) == -1)
		return rule_outcome(x, SYNC_FAILED,
		    "data: expected an organization with a string id");
	if ((rc = rule_tombstoned(x, o.clerk_id, o.updated_at)) != 0)
		return rc == -1 ? rule_db_failed(x)
		                : rule_outcome(x, SYNC_IGNORED, "stale");
	if (org_upsert(x, &o, &id, &w) == -1)
		return rule_db_failed(x);
	return rule_written(x, w);
}

/* The organization an invitation or a domain names: from data's
 * public_organization_data when that describes org, else its id alone. */
static void
org_named(const json_t *data, const char *org, struct clerk_org *o)
{
	const json_t *pod = json_object_get(data, "public_organization_data");
	const char   *pod_id = rule_str(pod, "id");

	if (pod_id != NULL && strcmp(pod_id, org) == 0 &&
	    parse_org(pod, o, true) == 0)
		return;
	memset(o, 0, sizeof(*o));
	o->clerk_id = org;
	o->name = "";
	o->updated_at = NO_TIME;
	o->created_at = NO_TIME;
}

enum sync_outcome
rule_org_of(struct rule_ctx *x, const json_t *data, const char *clerk_id,
    int64_t updated_at, int64_t *org_id)
{
	const char       *org = rule_str(data, "organization_id");
	struct clerk_org  o;
	enum rule_write   w;
	enum sync_outcome res;

	/* Clerk's lists may name it in public_organization_data alone. */
	if (org == NULL)
		org =
		    rule_str(json_object_get(data, "public_organization_data"),
		        "id");
	if (org == NULL || *org == '\0')
		return rule_outcome(x, SYNC_FAILED,
		    "data.organization_id: expected a string");
	org_named(data, org, &o);
	/* Neither a deleted object nor, as a stub, a deleted organization
	 * comes back. */
	if ((res = rule_not_deleted(x, clerk_id, updated_at, o.clerk_id,
	         NO_TIME)) != SYNC_APPLIED)
		return res;
	if (org_upsert(x, &o, org_id, &w) == -1)
		return rule_db_failed(x);
	return SYNC_APPLIED;
}

/* The user a membership names, as a stub from public_user_data. */
static int
parse_member_user(const json_t *pud, struct clerk_user *u)
{
	const char *ident = rule_str(pud, "identifier");

	memset(u, 0, sizeof(*u));
	u->clerk_id = rule_str(pud, "user_id");
	if (u->clerk_id == NULL || *u->clerk_id == '\0')
		return -1;
	u->first_name = rule_str(pud, "first_name");
	u->last_name = rule_str(pud, "last_name");
	u->username = rule_str(pud, "username");
	u->image_url = rule_str(pud, "image_url");
	u->email = (ident != NULL && strchr(ident, '@') != NULL) ? ident : NULL;
	u->updated_at = NO_TIME;
	u->created_at = NO_TIME;
	return 0;
}

/* A stub's email must not take an address another user holds. */
static int
stub_email_free(struct rule_ctx *x, struct clerk_user *u)
{
	static const char *const sql =
	    "SELECT count(*) FROM users WHERE email IS NOT NULL AND "
	    "lower(email) = lower($1) AND "
	    "clerk_id IS NOT NULL";
	struct db_param p[] = {DB_TEXT(u->email)};
	int64_t         n = 0;

	if (db_query_int(x->c, sql, p, 1, &n, NULL) == -1)
		return -1;
	if (n > 0)
		u->email = NULL;
	return 0;
}

static int
membership_write(struct rule_ctx *x, const struct membership_values *m,
    enum rule_write *w)
{
	static const char *const exists =
	    "SELECT count(*) FROM organization_memberships WHERE clerk_id = $1 "
	    "OR (user_id = $2 AND organization_id = $3)";
	static const char *const same =
	    "SELECT count(*) FROM organization_memberships WHERE clerk_id = $1 "
	    "AND user_id = $2 AND organization_id = $3 AND "
	    "clerk_updated_at = $4";
	int64_t changed = 0, n = 0;
	int     attempt, rc;

	/* PostgreSQL must see every parameter it is sent. */
	struct db_param q[] = {DB_TEXT(m->clerk_id), DB_INT(m->user_id),
	    DB_INT(m->org_id), DB_INT(m->clerk_updated_at)};

	*w = RULE_WROTE;
	for (attempt = 0; attempt < 2; attempt++) {
		if (membership_mirror_update(x->c, m, &changed) == -1)
			return -1;
		if (changed > 0)
			return 0;
		if (membership_mirror_update_pair(x->c, m, &changed) == -1)
			return -1;
		if (changed > 0)
			return 0;
		if (db_query_int(x->c, exists, q, 3, &n, NULL) == -1)
			return -1;
		if (n > 0) {
			/* Present: exactly this, or newer. */
			if (db_query_int(x->c, same, q, 4, &n, NULL) == -1)
				return -1;
			*w = n > 0 ? RULE_SAME : RULE_STALE;
			return 0;
		}
		if ((rc = membership_add(x->c, m, NULL)) != 0)
			return rc == 1 ? 0 : -1;
	}
	return -1;
}

/* Finds or stubs the organization and user a membership names. */
static enum sync_outcome
membership_parties(struct rule_ctx *x, const json_t *data, int64_t *org_id,
    int64_t *user_id)
{
	struct clerk_org  o;
	struct clerk_user u;
	enum rule_write   w;
	enum sync_outcome res;

	if (parse_org(json_object_get(data, "organization"), &o, true) == -1)
		return rule_outcome(x, SYNC_FAILED,
		    "data.organization: expected an object with a string id");
	if (parse_member_user(json_object_get(data, "public_user_data"), &u) ==
	    -1)
		return rule_outcome(x, SYNC_FAILED,
		    "data.public_user_data: expected an object with a string "
		    "user_id");
	/* A deleted party must not come back as a stub. */
	if ((res = rule_not_deleted(x, o.clerk_id, NO_TIME, u.clerk_id,
	         NO_TIME)) != SYNC_APPLIED)
		return res;
	if (org_upsert(x, &o, org_id, &w) == -1)
		return rule_db_failed(x);
	if (u.email != NULL && stub_email_free(x, &u) == -1)
		return rule_db_failed(x);
	if (user_upsert(x, &u, NULL, user_id, &w) == -1)
		return rule_db_failed(x);
	return SYNC_APPLIED;
}

/*
 * The membership's permission keys as the text of a JSON array (*out NULL
 * when the payload has none); -1 when they are not an array of strings.
 */
static int
membership_permissions(const json_t *data, char **out)
{
	json_t *a = json_object_get(data, "permissions"), *v;
	size_t  i;

	*out = NULL;
	if (a == NULL || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return -1;
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			return -1;
	}
	*out = json_dumps(a, JSON_COMPACT);
	return 0;
}

static enum sync_outcome
membership_upsert(struct rule_ctx *x, const json_t *data,
    struct membership_values *m)
{
	enum sync_outcome o;
	enum rule_write   w;
	int               rc;

	if ((rc = rule_tombstoned(x, m->clerk_id, m->clerk_updated_at)) != 0)
		return rc == -1 ? rule_db_failed(x)
		                : rule_outcome(x, SYNC_IGNORED, "stale");
	if ((o = membership_parties(x, data, &m->org_id, &m->user_id)) !=
	    SYNC_APPLIED)
		return o;
	if (membership_write(x, m, &w) == -1)
		return rule_db_failed(x);
	return rule_written(x, w);
}

static enum sync_outcome
on_membership_upsert(struct rule_ctx *x, const json_t *data)
{
	struct membership_values m = {.clerk_id = rule_str(data, "id"),
	    .role = rule_str(data, "role"),
	    .now = x->now};
	char                    *permissions = NULL;
	int64_t                  created_at;
	enum sync_outcome        o;

	if (m.clerk_id == NULL || *m.clerk_id == '\0' || m.role == NULL)
		return rule_outcome(x, SYNC_FAILED,
		    "data.id and data.role: expected strings");
	if (rule_times(data, &m.clerk_updated_at, &created_at) == -1)
		return rule_outcome(x, SYNC_FAILED,
		    "data.updated_at/created_at: expected integers (ms)");
	if (membership_permissions(data, &permissions) == -1)
		return rule_outcome(x, SYNC_FAILED,
		    "data.permissions: expected an array of strings");
	m.permissions = permissions;
	o = membership_upsert(x, data, &m);
	free(permissions);
	return o;
}

static enum sync_outcome
on_membership_delete(struct rule_ctx *x, const json_t *data)
{
	const char *clerk_id = rule_str(data, "id");
	const char *org = rule_str(json_object_get(data, "organization"), "id");
	const char *user =
	    rule_str(json_object_get(data, "public_user_data"), "user_id");
	int64_t changed = 0;

	if (clerk_id == NULL || *clerk_id == '\0')
		return rule_outcome(x, SYNC_FAILED,
		    "data.id: expected a string");
	if (membership_delete_by_clerk(x->c, clerk_id, &changed) == -1)
		return rule_db_failed(x);
	if (changed == 0 && org != NULL && user != NULL &&
	    membership_delete_by_parties(x->c, user, org) == -1)
		return rule_db_failed(x);
	if (tombstone_set(x->c, clerk_id, "organization_membership",
	        x->deleted_at) == -1)
		return rule_db_failed(x);
	return rule_outcome(x, SYNC_APPLIED, NULL);
}

/* True when type starts with prefix ("session."). */
static bool
has_prefix(const char *type, const char *prefix)
{
	return strncmp(type, prefix, strlen(prefix)) == 0;
}

enum sync_outcome
clerk_sync_apply(struct db_conn *c, const json_t *event, int64_t received_ms,
    struct sync_result *res)
{
	/* x keeps only the pointer res, whose fields are all written below
	 * before any read: a caller's uninitialised struct is fine, whatever
	 * cppcheck's ctuuninitvar says. */
	const char *type = rule_str(event, "type");
	json_t     *data = json_object_get(event, "data");
	/* cppcheck-suppress ctuuninitvar */
	struct rule_ctx x = {c, res, {0}, deletion_time(event, received_ms)};

	res->outcome = SYNC_IGNORED;
	res->error[0] = '\0';
	res->changed = false;
	time_iso_from_ms(received_ms, x.now);
	if (type == NULL || !json_is_object(data))
		return rule_outcome(&x, SYNC_FAILED,
		    "expected a string type and an object data");
	if (strcmp(type, "user.created") == 0 ||
	    strcmp(type, "user.updated") == 0)
		return on_user_upsert(&x, data);
	if (strcmp(type, "user.deleted") == 0)
		return rule_delete(&x, data, "user", user_delete_by_clerk);
	if (strcmp(type, "organization.created") == 0 ||
	    strcmp(type, "organization.updated") == 0)
		return on_org_upsert(&x, data);
	if (strcmp(type, "organization.deleted") == 0)
		return rule_delete(&x, data, "organization",
		    org_delete_by_clerk);
	if (strcmp(type, "organizationMembership.created") == 0 ||
	    strcmp(type, "organizationMembership.updated") == 0)
		return on_membership_upsert(&x, data);
	if (strcmp(type, "organizationMembership.deleted") == 0)
		return on_membership_delete(&x, data);
	if (has_prefix(type, "session."))
		return rule_session(&x, type, data);
	if (has_prefix(type, "role.") || has_prefix(type, "permission."))
		return rule_catalog(&x, type, data);
	if (has_prefix(type, "organizationInvitation."))
		return rule_invitation(&x, type, data);
	if (has_prefix(type, "organizationDomain."))
		return rule_domain(&x, type, data);
	return rule_outcome(&x, SYNC_IGNORED, NULL);
}

enum sync_outcome
clerk_sync_apply_object(struct db_conn *c, const char *type, json_t *data,
    int64_t received_ms, struct sync_result *res)
{
	json_t *event = json_pack("{s:s, s:O}", "type", type, "data", data);
	enum sync_outcome o;

	if (event == NULL) {
		res->outcome = SYNC_FAILED;
		res->changed = false;
		(void)snprintf(res->error, sizeof(res->error),
		    "Clerk's answer is not an object");
		return SYNC_FAILED;
	}
	o = clerk_sync_apply(c, event, received_ms, res);
	json_decref(event);
	return o;
}
