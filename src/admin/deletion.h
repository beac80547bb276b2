/*
 * Deleting an object, shared by the models that allow it: the
 * confirmation page, and the POST that deletes the object with its
 * admin_log row.
 */
#ifndef ADMIN_DELETION_H
#define ADMIN_DELETION_H

#include <stdint.h>

#include "admin/model.h"

/* Deletes the object of local id id (an accounts/ operation): 0 or -1. */
typedef int (*admin_remove_fn)(struct db_conn *db, int64_t id);

/*
 * A model's delete view: GET shows admin_delete_confirm(); POST deletes
 * the object with erase (an accounts/ operation, given the object's id)
 * and its admin_log row, then goes back to the changelist with a message.
 */
int admin_delete_object(struct admin_ctx *c, const struct admin_object *o,
    admin_remove_fn erase, const char *related_sql, const char *note);

#endif
