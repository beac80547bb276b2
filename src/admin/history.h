/*
 * The history page of an object: its admin_log rows and, for objects
 * mirrored from Clerk, the webhook deliveries and sync runs that name it.
 */
#ifndef ADMIN_HISTORY_H
#define ADMIN_HISTORY_H

#include "admin/model.h"

/* The history page of o, an object of c->model. */
int admin_history_render(struct admin_ctx *c, const struct admin_object *o);

#endif
