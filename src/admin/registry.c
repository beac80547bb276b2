/*
 * The model registry: every model of the admin, found by its URL or by
 * its admin_log object type, the URLs of its pages, and the admin_log
 * writer. A leaf of the admin: it calls only the context helpers and
 * accounts/. The table is static and read-only.
 */
#include "admin/model.h"

#include <string.h>

#include "accounts/admin_log.h"

#define REPR_MAX 200 /* bytes, as Django's object_repr */

static const struct admin_model *const models[] = {
    &admin_users_model,
    &admin_orgs_model,
    &admin_members_model,
    &admin_invitations_model,
    &admin_domains_model,
    &admin_sessions_model,
    &admin_roles_model,
    &admin_permissions_model,
    &admin_events_model,
    &admin_syncruns_model,
};

int
admin_object_by_id(struct admin_ctx *c, const char *sql, const char *id,
    struct admin_object *o)
{
	struct db_rows *rows;
	int             rc;

	if ((rc = admin_row_by_id(c, sql, id, &rows)) != 1)
		return rc;
	o->id = admin_col(c, rows, 0);
	o->repr = admin_col(c, rows, 1);
	o->clerk_id = admin_col(c, rows, 2);
	o->created_at = admin_col(c, rows, 3);
	if (o->repr == NULL || *o->repr == '\0')
		o->repr = o->clerk_id;
	db_rows_free(rows);
	return 1;
}

const struct admin_model *
admin_model_find(struct str app, struct str name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(models); i++) {
		if (str_eq_cstr(app, models[i]->app) &&
		    str_eq_cstr(name, models[i]->name))
			return models[i];
	}
	return NULL;
}

const struct admin_model *
admin_model_by_type(const char *object_type)
{
	size_t i;

	for (i = 0; object_type != NULL && i < ARRAY_LEN(models); i++) {
		if (strcmp(models[i]->object_type, object_type) == 0)
			return models[i];
	}
	return NULL;
}

const char *
admin_url(struct admin_ctx *c, const struct admin_model *m, const char *id,
    const char *what)
{
	if (id == NULL)
		return admin_printf(c, "/admin/%s/%s/%s%s", m->app, m->name,
		    what != NULL ? what : "", what != NULL ? "/" : "");
	return admin_printf(c, "/admin/%s/%s/%s/%s/", m->app, m->name,
	    admin_enc(c, id), what);
}

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static struct str
cut_utf8(const char *s, size_t max)
{
	size_t len = s != NULL ? strlen(s) : 0;

	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	return (struct str){s != NULL ? s : "", len};
}

int
admin_log_write(struct admin_ctx *c, const char *action,
    const char *object_type, const char *object_id, const char *repr,
    const char *message)
{
	struct str             r = cut_utf8(repr, REPR_MAX);
	struct admin_log_entry e = {c->user.id, action, object_type, object_id,
	    r.p, r.len, message};

	return admin_log_add(c->db, &e);
}
