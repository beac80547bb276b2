/*
 * Form decoding with libmicrohttpd's post processor (it percent-decodes,
 * turns "+" into a space and handles multipart), fed the body that
 * server.c has buffered. The processor hands a long value over in pieces
 * (each with its offset); they are joined here. Everything is allocated in
 * the request's arena; the processor itself is destroyed before return.
 */
#include "admin/form.h"

#include <microhttpd.h>
#include <string.h>

#include "http/req.h"

/* The processor's buffer; values longer than this arrive in pieces. */
#define POST_BUFFER_SIZE 4096

struct collect {
	struct arena      *arena;
	struct admin_form *form;
	size_t             cap;
	size_t             last_cap; /* storage of the last field's value */
	bool               too_many;
};

/* Appends size bytes at off to the last field, or starts a new field. */
static enum MHD_Result
on_field(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *filename, const char *content_type,
    const char *transfer_encoding, const char *data, uint64_t off, size_t size)
{
	struct collect          *c = cls;
	struct admin_form       *f = c->form;
	struct admin_form_field *fld;
	char                    *v;

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	if (key == NULL)
		return MHD_NO;
	if (off == 0) {
		if (f->n == ADMIN_FORM_MAX_FIELDS) {
			c->too_many = true;
			return MHD_NO;
		}
		if (f->n == c->cap) {
			struct admin_form_field *grown;
			size_t                   cap = c->cap ? c->cap * 2 : 16;

			grown = arena_alloc(c->arena, cap * sizeof(*grown));
			if (f->n > 0)
				memcpy(grown, f->fields, f->n * sizeof(*grown));
			f->fields = grown;
			c->cap = cap;
		}
		fld = &f->fields[f->n++];
		fld->name = arena_strndup(c->arena, key, strlen(key));
		fld->value = arena_strndup(c->arena, data != NULL ? data : "",
		    data != NULL ? size : 0);
		fld->len = data != NULL ? size : 0;
		c->last_cap = fld->len + 1;
		return MHD_YES;
	}
	/* A continuation: same field, next piece. */
	if (f->n == 0)
		return MHD_NO;
	fld = &f->fields[f->n - 1];
	if (strcmp(fld->name, key) != 0 || off != fld->len || data == NULL)
		return MHD_NO;
	if (fld->len + size + 1 > c->last_cap) {
		/* Doubling keeps the arena's total at a few times the value. */
		size_t cap = (fld->len + size + 1) * 2;

		v = arena_alloc(c->arena, cap);
		memcpy(v, fld->value, fld->len);
		fld->value = v;
		c->last_cap = cap;
	}
	memcpy(fld->value + fld->len, data, size);
	fld->len += size;
	fld->value[fld->len] = '\0';
	return MHD_YES;
}

int
admin_form_parse(struct req *r, struct admin_form *f)
{
	struct MHD_PostProcessor *pp;
	struct collect            c = {r->arena, f, 0, 0, false};
	struct str                body = req_body(r);
	enum MHD_Result           rc = MHD_YES;

	f->fields = NULL;
	f->n = 0;
	/* NULL unless the Content-Type is a form encoding. */
	pp = MHD_create_post_processor(r->conn, POST_BUFFER_SIZE, on_field, &c);
	if (pp == NULL)
		return -1;
	if (body.len > 0)
		rc = MHD_post_process(pp, body.p, body.len);
	if (MHD_destroy_post_processor(pp) != MHD_YES)
		rc = MHD_NO;
	return rc == MHD_YES && !c.too_many ? 0 : -1;
}

const char *
admin_form_getn(const struct admin_form *f, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		if (strcmp(f->fields[i].name, name) == 0) {
			if (len != NULL)
				*len = f->fields[i].len;
			return f->fields[i].value;
		}
	}
	return NULL;
}

const char *
admin_form_get(const struct admin_form *f, const char *name)
{
	return admin_form_getn(f, name, NULL);
}
