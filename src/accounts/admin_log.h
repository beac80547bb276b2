/*
 * admin_log: one row per change made in the admin (Django's LogEntry),
 * written in the transaction of the change.
 */
#ifndef ACCOUNTS_ADMIN_LOG_H
#define ACCOUNTS_ADMIN_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

struct admin_log_entry {
	int64_t     user_id;     /* the admin who acted */
	const char *action;      /* "add", "change" or "delete" */
	const char *object_type; /* "users.user", ... */
	const char *object_id;
	const char *repr; /* repr_len bytes, not NUL-terminated */
	size_t      repr_len;
	const char *message; /* NULL: "" */
};

/* Inserts e, dated now. 0, or -1 on a database error. */
int admin_log_add(struct db_conn *c,
    const struct admin_log_entry *e) MUST_CHECK;

#endif
