/*
 * The admin's pages: the layout (nav, breadcrumbs, messages, footer), the
 * error pages, redirects, one-shot messages, and the widgets the views
 * share. Everything is written through src/html into the context's page
 * buffer, escaped by default.
 */
#ifndef ADMIN_PAGE_H
#define ADMIN_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin/ctx.h"

struct admin_model;
struct admin_object;

/* Opens the admin layout with its nav and any messages; crumbs are
 * (label, href) links, the last one with a NULL href. */
void admin_page_begin(struct admin_ctx *c, const char *title,
    const struct html_link *crumbs, size_t ncrumbs);
/* Breadcrumbs Home > model > object > last (obj and last may be NULL). */
void admin_object_page_begin(struct admin_ctx *c, const char *title,
    const struct admin_object *o, const char *last);
/*
 * The head of one object's page: its breadcrumbs, "<verb> <model>" (h1),
 * the object's name, the History link, then an open <dl class="fields">
 * for admin_readonly() rows (the caller closes it).
 */
void admin_object_head(struct admin_ctx *c, const struct admin_object *o,
    const char *verb);
/* Closes the layout and sends the page; returns status (500 on failure). */
int admin_page_end(struct admin_ctx *c, int status);
/* A whole page for an error status (403, 404, 429, 503...). */
int admin_error(struct admin_ctx *c, int status, const char *title,
    const char *text);
/* The same before a context exists. */
int admin_error_req(struct req *r, int status, const char *title,
    const char *text);
/* Logs a database failure, rolls back and renders the 503 page. */
int admin_db_failed(struct admin_ctx *c, const char *what);
/* A 302 to location (a path on this site). */
int admin_redirect(struct req *r, const char *location);
/* Queues a message for this page. */
void admin_message(struct admin_ctx *c, enum admin_level level,
    const char *text);
/* Queues a message for the next page (a cookie that page clears). */
void admin_flash(struct admin_ctx *c, enum admin_level level, const char *text);

/* Widgets. */
void admin_csrf_input(struct admin_ctx *c);
/* <form method="post" action="action"> with the CSRF field. */
void admin_form_open(struct admin_ctx *c, const char *action);
/* Appends a display timestamp from a database value. */
void admin_time(struct html *h, const char *db);
/* Appends a display timestamp from Unix ms (DB_NO_INT: a dash). */
void admin_ms_time(struct html *h, int64_t ms);
/* A <dt>/<dd> pair of a time in Unix ms. */
void admin_ms_field(struct admin_ctx *c, const char *label, int64_t ms);
/* A <dt>/<dd> pair whose text links to object id's page of model m. */
void admin_link_field(struct admin_ctx *c, const char *label,
    const struct admin_model *m, const char *id, const char *text);
/*
 * The last rows of a mirrored object's <dl class="fields">: when Clerk
 * last changed it (Unix ms), when it was mirrored and last updated here
 * (database times); then closes the list.
 */
void admin_mirror_times(struct admin_ctx *c, int64_t clerk_updated_ms,
    const char *created_at, const char *updated_at);
/* "Yes"/"No" with a symbol that does not rely on colour. */
void admin_bool(struct html *h, bool v);
/*
 * A read-only table: the scrolling wrapper, <table id=id>, a header row
 * of the n column titles and <tbody>; admin_table_end() closes them.
 */
void admin_table_begin(struct admin_ctx *c, const char *id,
    const char *const *titles, size_t n);
void admin_table_end(struct admin_ctx *c);

#endif
