/*
 * clerk_tombstones: the Clerk ids deleted in Clerk, with the time of the
 * deletion (ms), so that a late event cannot bring the object back.
 */
#ifndef ACCOUNTS_TOMBSTONES_H
#define ACCOUNTS_TOMBSTONES_H

#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

/* The deletion time of clerk_id: 1 with *deleted_at, 0 when none, -1. */
int tombstone_get(struct db_conn *c, const char *clerk_id,
    int64_t *deleted_at) MUST_CHECK;
/* Records that clerk_id (of kind) was deleted at deleted_at; a later time
 * already recorded stays. 0, or -1 on a database error. */
int tombstone_set(struct db_conn *c, const char *clerk_id, const char *kind,
    int64_t deleted_at) MUST_CHECK;

#endif
