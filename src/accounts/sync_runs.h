/*
 * The record of "mysaas clerk sync": its runs (clerk_sync_runs) and the
 * objects each one changed (clerk_sync_changes). A run is started
 * 'running' and finished 'completed' or 'failed' with its counts; a change
 * is recorded in the transaction that made it. Each returns 0, or -1 on a
 * database error (db_errmsg(c) has the detail).
 */
#ifndef ACCOUNTS_SYNC_RUNS_H
#define ACCOUNTS_SYNC_RUNS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

/* What a run did with the items of one kind. */
struct sync_run_counts {
	int64_t seen;      /* read from the Backend API */
	int64_t applied;   /* the mirror changed */
	int64_t unchanged; /* already mirrored, or older than the mirror */
	int64_t failed;    /* not appliable */
};

/* The kinds of objects a run reads, in the order it reads them: the
 * catalog first, then what refers to organizations after them. */
enum sync_kind {
	SYNC_PERMISSIONS = 0,
	SYNC_ROLES,
	SYNC_ORGANIZATIONS,
	SYNC_USERS,
	SYNC_MEMBERSHIPS,
	SYNC_INVITATIONS,
	SYNC_DOMAINS,
	SYNC_KINDS
};

/* How a run ended. */
struct sync_run_result {
	bool                   ok;
	const char            *error; /* why it failed; NULL: none */
	struct sync_run_counts n[SYNC_KINDS];
};

/* Inserts a 'running' run started now; *id gets its id. */
int sync_run_start(struct db_conn *c, int64_t *id) MUST_CHECK;
/* Sets run id's status, end time (now), error and counts. */
int sync_run_finish(struct db_conn *c, int64_t id,
    const struct sync_run_result *res) MUST_CHECK;
/* Records that run run_id changed the object clerk_id, of object_type (as
 * admin_log.object_type). */
int sync_change_record(struct db_conn *c, int64_t run_id,
    const char *object_type, const char *clerk_id) MUST_CHECK;

#endif
