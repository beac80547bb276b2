/*
 * Change forms: the fields of a model's add and change pages, rendered
 * (escaped, labelled, errors tied to their input), read from a POST
 * (trimmed, validated), the change message of admin_log, and the save's
 * last step (flash and redirect).
 */
#ifndef ADMIN_FIELDS_H
#define ADMIN_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "admin/ctx.h"

#define ADMIN_F_TEXT     0
#define ADMIN_F_EMAIL    1
#define ADMIN_F_URL      2
#define ADMIN_F_BOOL     3
#define ADMIN_F_PASSWORD 4
#define ADMIN_F_ROLE     5

#define ADMIN_MAX_FIELDS 12

struct admin_field {
	const char *name;  /* form field and column */
	const char *label; /* also the name in change messages */
	int         kind;  /* ADMIN_F_* */
	bool        required;
	size_t      max; /* bytes; 0: no limit beyond the body's */
	const char *help;
};

/* Field values as text ("1"/"0" for booleans; NULL: empty), and errors. */
struct admin_values {
	const char *v[ADMIN_MAX_FIELDS];
	const char *err[ADMIN_MAX_FIELDS];
};

/* A set of fields: bit i stands for field i. */
#define ADMIN_FIELD_BIT(i) (1U << (i))
#define ADMIN_ALL_FIELDS   (~0U)

/* Renders each field as a form row (disabled when read_only). */
void admin_fields_render(struct admin_ctx *c, const struct admin_field *f,
    size_t n, const struct admin_values *v, bool read_only);
/* The same, with the fields of the set read_only disabled. */
void admin_fields_render_some(struct admin_ctx *c, const struct admin_field *f,
    size_t n, const struct admin_values *v, unsigned read_only);
/* Reads the POSTed fields into v (trimmed, validated); returns the number
 * of fields with an error. */
size_t admin_fields_read(struct admin_ctx *c, const struct admin_field *f,
    size_t n, struct admin_values *v);
/* The same but for the fields of the set keep, whose values in v stay
 * (read-only fields: what a POST holds for them is ignored). */
size_t admin_fields_read_some(struct admin_ctx *c, const struct admin_field *f,
    size_t n, struct admin_values *v, unsigned keep);
/* "Changed First name and Email." or "No fields changed." */
const char *admin_fields_changed(struct admin_ctx *c,
    const struct admin_field *f, size_t n, const struct admin_values *old,
    const struct admin_values *now);
/* True when two values are the same (NULL and "" alike). */
bool admin_fields_same(const char *a, const char *b) MUST_CHECK;
/* The value of field i: NULL when empty. */
const char *admin_field_text(const struct admin_values *v, size_t i) MUST_CHECK;
/* The value of the checkbox field i. */
bool admin_field_bool(const struct admin_values *v, size_t i) MUST_CHECK;
/* A <dt>/<dd> pair of read-only text (NULL: a dash). */
void admin_readonly(struct admin_ctx *c, const char *label, const char *value);
/* The Save / Save and continue buttons, and Delete when del_url is set. */
void admin_submit_row(struct admin_ctx *c, const char *del_url);
/* After a save: the flash message and the redirect ("_continue" stays on
 * change_url, "_addanother" goes to the add page, else the list). */
int admin_saved(struct admin_ctx *c, const char *verb, const char *repr,
    const char *change_url);

#endif
