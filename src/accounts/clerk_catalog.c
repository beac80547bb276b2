/*
 * The role.* and permission.* rules (DESIGN section 12.3, reference/
 * clerk.md section 8.4), with the ordering of section 5: upserts by Clerk
 * id guarded by updated_at, deletions tombstoned at the envelope's time.
 * A role event carries its complete permission list (full Permission
 * objects): each is stored by the permission rule (a permission the
 * mirror lacks is created from it) and the list replaces the role's set.
 * Deleted payloads may be a tombstone {object, id, deleted} or a full
 * object: both are keyed on data.id. Keys are unique in Clerk, so a row
 * that still holds a key under another id was deleted there: the newer of
 * the two wins. The writes are accounts/roles.c's.
 */
#include "accounts/rule.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/roles.h"

/* A role's permission list: bounded by the payload's size (1 MiB). */
struct perm_list {
	struct catalog_values *items;
	size_t                 n;
	bool                   present; /* false: the payload has no list */
};

/* Reads a role or permission object into v; NULL, else why not. */
static const char *
parse_item(const json_t *o, enum catalog_kind k, const char *now,
    struct catalog_values *v)
{
	int64_t created_at;

	memset(v, 0, sizeof(*v));
	v->clerk_id = rule_str(o, "id");
	v->key = rule_str(o, "key");
	if (v->clerk_id == NULL || *v->clerk_id == '\0' || v->key == NULL ||
	    *v->key == '\0')
		return k == CATALOG_ROLE
		    ? "data.id and data.key: expected strings"
		    : "permission id and key: expected strings";
	if (rule_times(o, &v->clerk_updated_at, &created_at) == -1)
		return "updated_at/created_at: expected integers (ms)";
	v->name = rule_str(o, "name") != NULL ? rule_str(o, "name") : "";
	v->description = rule_str(o, "description");
	if (k == CATALOG_PERMISSION)
		v->type = rule_str(o, "type");
	v->now = now;
	return NULL;
}

/* Reads data.permissions (full Permission objects) into l. */
static const char *
parse_list(const json_t *data, const char *now, struct perm_list *l)
{
	json_t     *a = json_object_get(data, "permissions"), *p;
	const char *why;
	size_t      i;

	memset(l, 0, sizeof(*l));
	if (a == NULL || json_is_null(a))
		return NULL;
	if (!json_is_array(a))
		return "data.permissions: expected an array of permissions";
	l->present = true;
	l->items = xcalloc(json_array_size(a) + 1, sizeof(*l->items));
	json_array_foreach(a, i, p)
	{
		if ((why = parse_item(p, CATALOG_PERMISSION, now,
		         &l->items[l->n++])) != NULL)
			return why;
	}
	return NULL;
}

/*
 * Makes way for v's key: 1 when no other row holds it (any that did was
 * older and is gone), 0 when a newer one holds it (v is stale), -1.
 */
static int
take_key(struct rule_ctx *x, enum catalog_kind k,
    const struct catalog_values *v)
{
	int64_t id, t;
	int     rc = catalog_key_holder(x->c, k, v->key, v->clerk_id, &id, &t);

	if (rc != 1)
		return rc == 0 ? 1 : -1;
	if (t != DB_NO_INT && t > v->clerk_updated_at)
		return 0;
	return catalog_delete(x->c, k, id) == -1 ? -1 : 1;
}

/* Stores v unless it is deleted or older than the mirror; *w says what. */
static int
store(struct rule_ctx *x, enum catalog_kind k, const struct catalog_values *v,
    enum rule_write *w)
{
	int64_t changed = 0, id, t = DB_NO_INT;
	int     rc;

	*w = RULE_STALE;
	if ((rc = rule_tombstoned(x, v->clerk_id, v->clerk_updated_at)) != 0)
		return rc == 1 ? 0 : -1;
	if ((rc = take_key(x, k, v)) != 1)
		return rc;
	if (catalog_mirror_upsert(x->c, k, v, &changed) == -1)
		return -1;
	*w = RULE_WROTE;
	if (changed > 0)
		return 0;
	if ((rc = catalog_find(x->c, k, v->clerk_id, &id, &t)) == -1)
		return -1;
	*w = rc == 1 && t == v->clerk_updated_at ? RULE_SAME : RULE_STALE;
	return 0;
}

/* The role's set becomes l: each permission stored, then linked by key. */
static int
replace_set(struct rule_ctx *x, const char *role_clerk_id,
    const struct perm_list *l)
{
	enum rule_write w;
	int64_t         role_id, t;
	size_t          i;

	for (i = 0; i < l->n; i++) {
		if (store(x, CATALOG_PERMISSION, &l->items[i], &w) == -1)
			return -1;
	}
	if (catalog_find(x->c, CATALOG_ROLE, role_clerk_id, &role_id, &t) !=
	        1 ||
	    role_permissions_clear(x->c, role_id) == -1)
		return -1;
	for (i = 0; i < l->n; i++) {
		if (role_permissions_add(x->c, role_id, l->items[i].key) == -1)
			return -1;
	}
	return 0;
}

static enum sync_outcome
on_role(struct rule_ctx *x, const json_t *data)
{
	struct catalog_values v;
	struct perm_list      l;
	enum rule_write       w = RULE_STALE;
	enum sync_outcome     o;
	const char           *why;

	if ((why = parse_item(data, CATALOG_ROLE, x->now, &v)) == NULL)
		why = parse_list(data, x->now, &l);
	else
		memset(&l, 0, sizeof(l));
	if (why != NULL)
		o = rule_outcome(x, SYNC_FAILED, why);
	else if (store(x, CATALOG_ROLE, &v, &w) == -1 ||
	    (w == RULE_WROTE && l.present &&
	        replace_set(x, v.clerk_id, &l) == -1))
		o = rule_db_failed(x);
	else
		o = rule_written(x, w);
	free(l.items);
	return o;
}

static enum sync_outcome
on_permission(struct rule_ctx *x, const json_t *data)
{
	struct catalog_values v;
	enum rule_write       w;
	const char           *why;

	if ((why = parse_item(data, CATALOG_PERMISSION, x->now, &v)) != NULL)
		return rule_outcome(x, SYNC_FAILED, why);
	if (store(x, CATALOG_PERMISSION, &v, &w) == -1)
		return rule_db_failed(x);
	return rule_written(x, w);
}

enum sync_outcome
rule_catalog(struct rule_ctx *x, const char *type, const json_t *data)
{
	if (strcmp(type, "role.created") == 0 ||
	    strcmp(type, "role.updated") == 0)
		return on_role(x, data);
	if (strcmp(type, "role.deleted") == 0)
		return rule_delete(x, data, "role", role_delete_by_clerk);
	if (strcmp(type, "permission.created") == 0 ||
	    strcmp(type, "permission.updated") == 0)
		return on_permission(x, data);
	if (strcmp(type, "permission.deleted") == 0)
		return rule_delete(x, data, "permission",
		    permission_delete_by_clerk);
	return rule_outcome(x, SYNC_IGNORED, NULL);
}
