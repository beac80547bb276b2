/*
 * Deleting an object, shared by the models that allow it: the
 * confirmation page, and the POST that deletes the object with its
 * admin_log row, in this database or through Clerk.
 */
#ifndef ADMIN_DELETION_H
#define ADMIN_DELETION_H

#include <stdint.h>

#include "admin/model.h"

/* Deletes the object of local id id (an accounts/ operation): 0 or -1. */
typedef int (*admin_remove_fn)(struct db_conn *db, int64_t id);

/* How a model deletes one object. */
struct admin_deletion {
	admin_remove_fn erase; /* in this database, given the object's id */
	/* The confirmation's related memberships: $1 = the object's id,
	 * rows of (id, label); NULL: none. */
	const char *related_sql;
	const char *note; /* a warning below them; NULL: none */
	/*
	 * Through Clerk: the Backend API's DELETE path of the object (ids
	 * encoded), and the event whose rule applies Clerk's answer. NULL:
	 * deleted here with erase.
	 */
	const char *clerk_path;
	const char *clerk_event;
	/* The id Clerk's answer names (the object's Clerk id). */
	const char *clerk_id;
};

/*
 * A model's delete view: GET shows the confirmation; POST deletes the
 * object as d says, with its admin_log row, then goes back to the
 * changelist with a message (or, when Clerk refused or did not answer,
 * shows the confirmation again with why; nothing is deleted then).
 */
int admin_delete_object(struct admin_ctx *c, const struct admin_object *o,
    const struct admin_deletion *d);

#endif
