/*
 * Group commit: writes submitted from many request threads are run by a
 * few writer threads, each batch in one transaction (one fsync). When a
 * job fails, its batch is rolled back and each of its jobs runs again
 * alone, so a job must leave nothing but database writes behind a failed
 * run. A job's completion callback runs only after its batch committed,
 * so an answer sent from it is durable.
 */
#ifndef DB_COMMITTER_H
#define DB_COMMITTER_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"
#include "db/db.h"

struct committer;

/* Runs one job on c; -1 on a database error (its batch is rolled back). */
typedef int (*committer_job_fn)(struct db_conn *c, void *job);
/*
 * Called once per job from a writer thread after the batch ended: status 0
 * when the job ran and committed, -1 when it failed or the commit did.
 */
typedef void (*committer_done_fn)(void *job, int status);

/*
 * Starts nthreads writers taking up to max_batch jobs per transaction;
 * under load a writer waits up to linger_us for a fuller batch (0: never).
 */
struct committer *committer_new(struct db *db, int nthreads, size_t max_batch,
    long linger_us) MUST_CHECK;
/* The keys a job may name (committer_submit). */
#define COMMITTER_MAX_KEYS 8
/*
 * Queues a job; never blocks on the database. keys (nkeys, at most
 * COMMITTER_MAX_KEYS) name what the job writes: a batch locks its jobs'
 * keys in one order before running them (db_lock_keys), so batches of
 * several writers wait for each other instead of deadlocking.
 */
void committer_submit(struct committer *cm, void *job, committer_job_fn run,
    committer_done_fn done, const int64_t *keys, size_t nkeys);
/* Finishes every queued job, stops the writers and frees cm. */
void committer_free(struct committer *cm);

#endif
