/*
 * Change-form fields: rendering (escaped, labelled, with errors tied to
 * their input for screen readers), reading and validating a POST (values
 * trimmed; text must be valid UTF-8 without control characters), the
 * change message of admin_log, and the shared save/redirect steps.
 */
#include "admin/fields.h"

#include <string.h>

#include "admin/model.h"
#include "admin/page.h"
#include "core/log.h"

static const char *const input_type[] = {"text", "email", "url", "checkbox",
    "password", "text"};

static bool
is_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

static void
text_row(struct admin_ctx *c, const struct admin_field *f, const char *value,
    const char *err, bool read_only)
{
	const char *id = admin_printf(c, "id_%s", f->name);

	html_lit(&c->h, "<div");
	html_attr(&c->h, "class",
	    err != NULL ? "form-row has-error" : "form-row");
	html_lit(&c->h, "><label");
	html_attr(&c->h, "for", id);
	html_lit(&c->h, ">");
	html_text(&c->h, f->label);
	if (f->required && !read_only)
		html_lit(&c->h, " <span aria-hidden=\"true\">*</span>");
	html_lit(&c->h, "</label><input");
	html_attr(&c->h, "type", input_type[f->kind]);
	html_attr(&c->h, "name", f->name);
	html_attr(&c->h, "id", id);
	if (f->kind != ADMIN_F_PASSWORD)
		html_attr(&c->h, "value", value != NULL ? value : "");
	else
		html_lit(&c->h, " autocomplete=\"new-password\"");
	if (f->kind == ADMIN_F_ROLE)
		html_lit(&c->h, " list=\"role-choices\"");
	if (f->max > 0)
		html_attr(&c->h, "maxlength", admin_printf(c, "%zu", f->max));
	if (f->required && !read_only)
		html_lit(&c->h, " required");
	if (read_only)
		html_lit(&c->h, " disabled");
	if (err != NULL) {
		html_lit(&c->h, " aria-invalid=\"true\"");
		html_attr(&c->h, "aria-describedby",
		    admin_printf(c, "%s_error", id));
	}
	html_lit(&c->h, ">");
	if (f->help != NULL) {
		html_lit(&c->h, "<p class=\"help\">");
		html_text(&c->h, f->help);
		html_lit(&c->h, "</p>");
	}
	if (err != NULL) {
		html_lit(&c->h, "<ul class=\"errorlist\"");
		html_attr(&c->h, "id", admin_printf(c, "%s_error", id));
		html_lit(&c->h, "><li>");
		html_text(&c->h, err);
		html_lit(&c->h, "</li></ul>");
	}
	html_lit(&c->h, "</div>\n");
}

static void
bool_row(struct admin_ctx *c, const struct admin_field *f, const char *value,
    bool read_only)
{
	html_lit(&c->h,
	    "<div class=\"form-row\"><label><input "
	    "type=\"checkbox\" value=\"1\"");
	html_attr(&c->h, "name", f->name);
	html_attr(&c->h, "id", admin_printf(c, "id_%s", f->name));
	if (value != NULL && strcmp(value, "1") == 0)
		html_lit(&c->h, " checked");
	if (read_only)
		html_lit(&c->h, " disabled");
	html_lit(&c->h, ">");
	html_text(&c->h, f->label);
	html_lit(&c->h, "</label>");
	if (f->help != NULL) {
		html_lit(&c->h, "<p class=\"help\">");
		html_text(&c->h, f->help);
		html_lit(&c->h, "</p>");
	}
	html_lit(&c->h, "</div>\n");
}

void
admin_fields_render(struct admin_ctx *c, const struct admin_field *f, size_t n,
    const struct admin_values *v, bool read_only)
{
	admin_fields_render_some(c, f, n, v, read_only ? ADMIN_ALL_FIELDS : 0);
}

void
admin_fields_render_some(struct admin_ctx *c, const struct admin_field *f,
    size_t n, const struct admin_values *v, unsigned read_only)
{
	size_t i;

	for (i = 0; i < n && i < ADMIN_MAX_FIELDS; i++) {
		bool ro = (read_only & ADMIN_FIELD_BIT(i)) != 0;

		if (f[i].kind == ADMIN_F_BOOL)
			bool_row(c, &f[i], v->v[i], ro);
		else if (!(ro && f[i].kind == ADMIN_F_PASSWORD))
			text_row(c, &f[i], v->v[i], v->err[i], ro);
	}
}

/* A trimmed copy of the field's value, or NULL when empty or absent. */
static const char *
trimmed(struct admin_ctx *c, const char *name, const char **err)
{
	size_t      len = 0;
	const char *p = admin_form_getn(&c->form, name, &len);

	*err = NULL;
	if (p == NULL)
		return NULL;
	if (memchr(p, '\0', len) != NULL || !admin_text_ok(p, len, false)) {
		*err = "Enter text without control characters.";
		return NULL;
	}
	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	return len > 0 ? arena_strndup(c->r->arena, p, len) : NULL;
}

static const char *
check(struct admin_ctx *c, const struct admin_field *f, const char *v)
{
	if (v == NULL)
		return f->required ? "This field is required." : NULL;
	if (f->max > 0 && strlen(v) > f->max)
		return admin_printf(c,
		    "Ensure this value has at most %zu characters (it has "
		    "%zu).",
		    f->max, strlen(v));
	if (f->kind == ADMIN_F_EMAIL && !admin_email_ok(v))
		return "Enter a valid email address.";
	if (f->kind == ADMIN_F_URL && strncmp(v, "https://", 8) != 0 &&
	    strncmp(v, "http://", 7) != 0)
		return "Enter a valid URL (http:// or https://).";
	if (f->kind == ADMIN_F_ROLE && !admin_role_ok(v))
		return "Enter a Clerk role key: \xE2\x80\x9Corg:\xE2\x80\x9D "
		       "followed by letters, digits, \xE2\x80\x9C_\xE2\x80\x9D,"
		       " \xE2\x80\x9C-\xE2\x80\x9D or "
		       "\xE2\x80\x9C:\xE2\x80\x9D "
		       "(e.g. org:admin, org:member).";
	return NULL;
}

size_t
admin_fields_read(struct admin_ctx *c, const struct admin_field *f, size_t n,
    struct admin_values *v)
{
	return admin_fields_read_some(c, f, n, v, 0);
}

size_t
admin_fields_read_some(struct admin_ctx *c, const struct admin_field *f,
    size_t n, struct admin_values *v, unsigned keep)
{
	size_t i, errors = 0;

	for (i = 0; i < n && i < ADMIN_MAX_FIELDS; i++) {
		const char *err = NULL;

		if ((keep & ADMIN_FIELD_BIT(i)) != 0)
			continue;
		if (f[i].kind == ADMIN_F_BOOL) {
			const char *x = admin_form_get(&c->form, f[i].name);

			/* An unchecked box is simply absent from the form. */
			v->v[i] = x != NULL && *x != '\0' && strcmp(x, "0") != 0
			    ? "1"
			    : "0";
			v->err[i] = NULL;
			continue;
		}
		if (f[i].kind == ADMIN_F_PASSWORD) {
			size_t      len = 0;
			const char *p =
			    admin_form_getn(&c->form, f[i].name, &len);

			v->v[i] = p != NULL && len > 0 ? p : NULL;
			v->err[i] = p != NULL && memchr(p, '\0', len) != NULL
			    ? "Enter a password without NUL bytes."
			    : NULL;
			errors += v->err[i] != NULL;
			continue;
		}
		v->v[i] = trimmed(c, f[i].name, &err);
		if (err == NULL)
			err = check(c, &f[i], v->v[i]);
		v->err[i] = err;
		errors += err != NULL;
	}
	return errors;
}

bool
admin_fields_same(const char *a, const char *b)
{
	if (is_empty(a) || is_empty(b))
		return is_empty(a) && is_empty(b);
	return strcmp(a, b) == 0;
}

const char *
admin_fields_changed(struct admin_ctx *c, const struct admin_field *f, size_t n,
    const struct admin_values *old, const struct admin_values *now)
{
	const char *names[ADMIN_MAX_FIELDS];
	size_t      k = 0, i;
	struct buf  b;
	const char *out;

	for (i = 0; i < n && i < ADMIN_MAX_FIELDS; i++) {
		if (f[i].kind == ADMIN_F_PASSWORD)
			continue;
		if (!admin_fields_same(old->v[i], now->v[i]))
			names[k++] = f[i].label;
	}
	if (k == 0)
		return "No fields changed.";
	buf_init(&b, 0);
	(void)!buf_append_cstr(&b, "Changed ");
	for (i = 0; i < k; i++) {
		if (i > 0)
			(void)!buf_append_cstr(&b, i == k - 1 ? " and " : ", ");
		(void)!buf_append_cstr(&b, names[i]);
	}
	(void)!buf_append_cstr(&b, ".");
	out = arena_strndup(c->r->arena, b.data, b.len);
	buf_cleanup(&b);
	return out;
}

const char *
admin_field_text(const struct admin_values *v, size_t i)
{
	return is_empty(v->v[i]) ? NULL : v->v[i];
}

bool
admin_field_bool(const struct admin_values *v, size_t i)
{
	return v->v[i] != NULL && strcmp(v->v[i], "1") == 0;
}

void
admin_readonly(struct admin_ctx *c, const char *label, const char *value)
{
	html_lit(&c->h, "<dt>");
	html_text(&c->h, label);
	html_lit(&c->h, "</dt><dd>");
	if (is_empty(value))
		html_lit(&c->h, "<span class=\"muted\">\xE2\x80\x94</span>");
	else
		html_text(&c->h, value);
	html_lit(&c->h, "</dd>\n");
}

void
admin_submit_row(struct admin_ctx *c, const char *del_url)
{
	html_lit(&c->h,
	    "<div class=\"form-actions\">"
	    "<button type=\"submit\" name=\"_save\" value=\"1\">"
	    "Save</button>"
	    "<button type=\"submit\" class=\"btn-secondary\" "
	    "name=\"_continue\" value=\"1\">Save and continue "
	    "editing</button>");
	if (del_url != NULL) {
		html_lit(&c->h, "<a class=\"btn btn-danger\"");
		html_url_attr(&c->h, "href", del_url);
		html_lit(&c->h, ">Delete</a>");
	}
	html_lit(&c->h, "</div>\n");
}

int
admin_saved(struct admin_ctx *c, const char *verb, const char *repr,
    const char *change_url)
{
	bool stay = admin_form_get(&c->form, "_continue") != NULL;

	admin_flash(c, ADMIN_SUCCESS,
	    admin_printf(c,
	        "The %s \xE2\x80\x9C%s\xE2\x80\x9D was %s successfully.%s",
	        c->model->verbose, repr, verb,
	        stay ? " You may edit it again below." : ""));
	if (stay && change_url != NULL)
		return admin_redirect(c->r, change_url);
	return admin_redirect(c->r, admin_url(c, c->model, NULL, NULL));
}
