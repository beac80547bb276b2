/*
 * Organization domains (/admin/users/organizationdomain/, DESIGN sections
 * 8 and 12.3): the mirror of Clerk's organization domains, read-only
 * (organizationDomain.* webhooks and "mysaas clerk sync" keep it). The
 * changelist filters by verification and enrollment mode, and searches
 * the domain's name and its organization's.
 */
#include "admin/model.h"

#include <string.h>

#include "admin/fields.h"
#include "admin/page.h"

/* $1 verified, $2 enrollment mode, $3 organization id, $4..$6 words. */
#define DOM_WORD(n)                                                 \
	" AND (CAST(" n " AS text) IS NULL" ADMIN_LIKE("d.name", n) \
	    ADMIN_LIKE("o.name", n) ADMIN_LIKE("d.clerk_id", n) ")"
#define DOM_WHERE                                                      \
	" FROM organization_domains d JOIN organizations o ON o.id = " \
	"d.organization_id WHERE (CAST($1 AS integer) IS NULL OR "     \
	"d.verified = $1) AND (CAST($2 AS text) IS NULL OR "           \
	"d.enrollment_mode = $2) AND (CAST($3 AS bigint) IS NULL OR "  \
	"d.organization_id = $3)" DOM_WORD("$4") DOM_WORD("$5") DOM_WORD("$6")
#define SORT(k, e) ADMIN_SORT("$7", k, e)
#define DOM_PAGE                                                          \
	"SELECT d.id, d.name, COALESCE(NULLIF(o.name, ''), o.clerk_id), " \
	"d.enrollment_mode, d.verified, d.updated_at" DOM_WHERE           \
	" ORDER BY " SORT(1, "d.name") SORT(2, "lower(o.name)")           \
	    SORT(3, "d.enrollment_mode") SORT(4, "d.verified")            \
	        SORT(5, "d.updated_at") "d.id LIMIT $8 OFFSET $9"

static const struct admin_column dom_cols[] = {
    {"name", "Name", ADMIN_COL_TEXT},
    {"organization", "Organization", ADMIN_COL_TEXT},
    {"enrollment_mode", "Enrollment mode", ADMIN_COL_TEXT},
    {"verified", "Verified", ADMIN_COL_BOOL},
    {"updated_at", "Updated", ADMIN_COL_TIME},
};

/* Clerk's modes (reference/clerk.md section 8.3). */
static const char *const modes[] = {"manual_invitation", "automatic_invitation",
    "automatic_suggestion", "enterprise_sso", NULL};

static const struct admin_filter dom_filters[] = {
    {"verified", "verified", true, false, NULL, NULL},
    {"enrollment_mode", "enrollment mode", false, false, modes, NULL},
    {"organization", NULL, false, true, NULL, NULL},
};

static const struct admin_list dom_list = {
    .count_sql = {"SELECT count(*)" DOM_WHERE},
    .page_sql = {DOM_PAGE},
    .total_sql = "SELECT count(*) FROM organization_domains",
    .cols = dom_cols,
    .ncols = ARRAY_LEN(dom_cols),
    .filters = dom_filters,
    .nfilters = ARRAY_LEN(dom_filters),
    .default_order = 1,
    .search_help = "Domain or organization name",
};

struct domain {
	const char *clerk_id, *name, *org_id, *org, *mode, *affiliation;
	const char *created_at, *updated_at;
	bool        verified;
	int64_t     clerk_updated_at;
};

static int
domain_load(struct admin_ctx *c, const char *id, struct domain *d)
{
	static const char *const sql =
	    "SELECT d.clerk_id, d.name, o.id, COALESCE(NULLIF(o.name, ''), "
	    "o.clerk_id), "
	    "d.enrollment_mode, d.affiliation_email_address, d.verified, "
	    "d.clerk_updated_at, d.created_at, d.updated_at "
	    "FROM organization_domains d JOIN organizations o "
	    "ON o.id = d.organization_id WHERE d.id = $1";
	struct db_rows *rows;
	int             rc;

	memset(d, 0, sizeof(*d));
	if ((rc = admin_row_by_id(c, sql, id, &rows)) != 1)
		return rc;
	d->clerk_id = admin_col(c, rows, 0);
	d->name = admin_col(c, rows, 1);
	d->org_id = admin_col(c, rows, 2);
	d->org = admin_col(c, rows, 3);
	d->mode = admin_col(c, rows, 4);
	d->affiliation = admin_col(c, rows, 5);
	d->verified = db_col_bool(rows, 6);
	d->clerk_updated_at = admin_col_ms(rows, 7);
	d->created_at = admin_col(c, rows, 8);
	d->updated_at = admin_col(c, rows, 9);
	db_rows_free(rows);
	return 1;
}

static int
domain_lookup(struct admin_ctx *c, const char *id, struct admin_object *o)
{
	return admin_object_by_id(c,
	    "SELECT id, name, clerk_id, created_at FROM organization_domains "
	    "WHERE id = $1",
	    id, o);
}

static int
domain_view(struct admin_ctx *c, const struct admin_object *o)
{
	struct domain d;
	int           rc;

	if ((rc = domain_load(c, o->id, &d)) != 1)
		return rc == -1 ? admin_db_failed(c, "domain load")
		                : admin_error(c, HTTP_NOT_FOUND, "Not found",
		                      "This domain no longer exists.");
	admin_object_head(c, o, "View");
	admin_readonly(c, "Clerk ID", d.clerk_id);
	admin_readonly(c, "Name", d.name);
	admin_link_field(c, "Organization", &admin_orgs_model, d.org_id, d.org);
	admin_readonly(c, "Enrollment mode", d.mode);
	html_lit(&c->h, "<dt>Verified</dt><dd>");
	admin_bool(&c->h, d.verified);
	html_lit(&c->h, "</dd>\n");
	admin_readonly(c, "Affiliation email address", d.affiliation);
	admin_mirror_times(c, d.clerk_updated_at, d.created_at, d.updated_at);
	return admin_page_end(c, HTTP_OK);
}

const struct admin_model admin_domains_model = {
    .app = "users",
    .name = "organizationdomain",
    .object_type = "users.organizationdomain",
    .verbose = "organization domain",
    .verbose_plural = "organization domains",
    .title_plural = "Organization domains",
    .read_only = true,
    .list = &dom_list,
    .lookup = domain_lookup,
    .change = domain_view,
    .add = NULL,
    .del = NULL,
};
