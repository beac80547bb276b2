/*
 * The changelist page of a model: search box, filters, sortable columns
 * and pagination around the rows that admin/listing.c reads.
 */
#ifndef ADMIN_CHANGELIST_H
#define ADMIN_CHANGELIST_H

#include "admin/ctx.h"

/* The changelist page of c->model. */
int admin_changelist_render(struct admin_ctx *c);

#endif
