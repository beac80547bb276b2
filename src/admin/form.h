/*
 * The fields of an HTML form POST (application/x-www-form-urlencoded or
 * multipart/form-data), decoded by libmicrohttpd's post processor from the
 * body the server has already read. Names and values live in the
 * request's arena; a form belongs to its request's thread.
 */
#ifndef ADMIN_FORM_H
#define ADMIN_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/mem.h"

struct req;

/* As Django's DATA_UPLOAD_MAX_NUMBER_FIELDS: more is refused (400). */
#define ADMIN_FORM_MAX_FIELDS 1000

struct admin_form_field {
	char  *name;
	char  *value; /* NUL-terminated; may hold NUL bytes before len */
	size_t len;
};

struct admin_form {
	struct admin_form_field *fields;
	size_t                   n;
};

/*
 * Decodes r's body into f. -1 when the body is not a form (wrong
 * Content-Type), is malformed, or has too many fields: answer 400.
 */
int admin_form_parse(struct req *r, struct admin_form *f) MUST_CHECK;
/* The first value of name, or NULL when absent. Borrowed from the form. */
const char *admin_form_get(const struct admin_form *f, const char *name);
/* Like admin_form_get, with the value's length in *len. */
const char *admin_form_getn(const struct admin_form *f, const char *name,
    size_t *len);

#endif
