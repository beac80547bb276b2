/*
 * The group-commit queue. Jobs wait in a FIFO guarded by one mutex; a
 * writer takes up to max_batch of them, runs them in one transaction and
 * calls their completion callbacks after COMMIT. The lock is held only to
 * take or add jobs, never across database work.
 */
#include "db/committer.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

struct job {
	struct job       *next;
	void             *arg;
	committer_job_fn  run;
	committer_done_fn done;
	int               status;
	size_t            nkeys;
	int64_t           keys[COMMITTER_MAX_KEYS];
};

struct committer {
	struct db      *db;
	pthread_mutex_t mu;
	pthread_cond_t  more;
	struct job     *head, *tail;
	size_t          queued; /* jobs between head and tail */
	bool            stopping;
	size_t          max_batch;
	long            linger_us;
	/* The size of the batch taken last (any writer): under mu. */
	size_t     last_batch;
	int        lingering; /* writers in linger(): under mu */
	int        nthreads;
	pthread_t *threads;
};

/* The absolute CLOCK_REALTIME time us microseconds from now. */
static struct timespec
deadline_in(long us)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_nsec += (us % 1000000) * 1000;
	t.tv_sec += us / 1000000 + t.tv_nsec / 1000000000;
	t.tv_nsec %= 1000000000;
	return t;
}

/*
 * Under load (the last batch held several jobs), waits for the queue to
 * fill a batch: a burst's requests arrive one after the other while the
 * previous batch commits, and taking each as it comes makes small
 * batches, each paying a commit (an fsync) and rewriting the same index
 * pages. The wait ends with a full batch, when no job arrived for a
 * quarter of linger_us (the burst's wave has arrived), or after linger_us
 * in all. A lone delivery on an idle server (last batch of one) never
 * waits. The queue is looked at once per quarter: a submit wakes a
 * lingering writer only when the batch is full (committer_submit), not
 * once per job. Called with mu held.
 */
static void
linger(struct committer *cm)
{
	struct timespec until, gap;
	size_t          seen = cm->queued;

	if (cm->linger_us <= 0 || cm->last_batch < 2)
		return;
	until = deadline_in(cm->linger_us);
	cm->lingering++;
	while (cm->queued < cm->max_batch && !cm->stopping) {
		bool last;

		gap = deadline_in(cm->linger_us / 4);
		last = gap.tv_sec > until.tv_sec ||
		    (gap.tv_sec == until.tv_sec &&
		        gap.tv_nsec >= until.tv_nsec);
		if (last)
			gap = until;
		if (pthread_cond_timedwait(&cm->more, &cm->mu, &gap) !=
		    ETIMEDOUT)
			continue; /* full, or stopping */
		if (last || cm->queued == seen)
			break;
		seen = cm->queued;
	}
	cm->lingering--;
}

/* Takes up to max jobs; NULL when stopping and the queue is empty. */
static struct job *
take_batch(struct committer *cm)
{
	struct job *batch, *last;
	size_t      n = 1;

	pthread_mutex_lock(&cm->mu);
	for (;;) {
		while (cm->head == NULL && !cm->stopping)
			pthread_cond_wait(&cm->more, &cm->mu);
		if (cm->head == NULL)
			break; /* stopping, and nothing left */
		linger(cm);
		/* Another writer may have taken the queue meanwhile. */
		if (cm->head != NULL)
			break;
	}
	batch = cm->head;
	if (batch != NULL) {
		last = batch;
		while (last->next != NULL && n < cm->max_batch) {
			last = last->next;
			n++;
		}
		cm->head = last->next;
		if (cm->head == NULL)
			cm->tail = NULL;
		last->next = NULL;
		cm->queued -= n;
		cm->last_batch = n;
	}
	pthread_mutex_unlock(&cm->mu);
	return batch;
}

/*
 * Runs the jobs of a batch one after the other; -1 at the first that
 * fails, and the caller rolls the whole batch back. No savepoints: they
 * would cost two round trips per job on PostgreSQL for a failure that
 * almost never happens (a deadlock with another instance's batch, a
 * connection lost), and writer_main() runs the jobs of a failed batch
 * again one transaction each.
 */
static int
run_jobs(struct db_conn *c, struct job *batch)
{
	struct job *j;

	for (j = batch; j != NULL; j = j->next) {
		if ((j->status = j->run(c, j->arg)) == -1)
			return -1;
	}
	return 0;
}

static size_t
batch_len(const struct job *batch)
{
	size_t n = 0;

	for (; batch != NULL; batch = batch->next)
		n++;
	return n;
}

static int
key_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Locks the keys of the batch's jobs, sorted and without duplicates: the
 * one order every writer takes them in. PostgreSQL's writers otherwise
 * deadlock when two batches hold the same organization's or user's rows
 * in opposite orders (a sign-up burst's memberships), and a deadlock is
 * found only after deadlock_timeout (1 s), then the batch runs again.
 */
static int
lock_batch_keys(struct db_conn *c, const struct job *batch)
{
	const struct job *j;
	int64_t          *keys;
	size_t            n = 0, m = 0, i;
	int               rc;

	if (!db_locks_keys(c))
		return 0; /* one writer (SQLite): nothing to order */
	for (j = batch; j != NULL; j = j->next)
		n += j->nkeys;
	if (n == 0)
		return 0;
	keys = xmalloc(n * sizeof(*keys));
	for (j = batch; j != NULL; j = j->next) {
		memcpy(keys + m, j->keys, j->nkeys * sizeof(*keys));
		m += j->nkeys;
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1, m = 1; i < n; i++) {
		if (keys[i] != keys[m - 1])
			keys[m++] = keys[i];
	}
	rc = db_lock_keys(c, keys, m);
	free(keys);
	return rc;
}

/*
 * Runs a batch in one transaction; -1 when nothing of it committed. Every
 * failure that is not a job's own (those the job reports itself) is
 * logged here with the database's reason, read before the ROLLBACK that
 * would replace it: a full disk shows as "database or disk is full
 * (sqlite code 13)", not as an empty error. *ckpt is set when the commit
 * filled SQLite's WAL: the caller checkpoints once the batch is answered.
 */
static int
run_batch(struct committer *cm, struct job *batch, bool *ckpt)
{
	struct db_conn *c = db_acquire(cm->db);
	int             rc = -1;

	if (c == NULL) {
		log_error("component=committer msg=\"no database connection\" "
		          "jobs=%zu",
		    batch_len(batch));
		return -1;
	}
	db_checkpoint_defer(c, true);
	if (db_begin(c) == -1) {
		log_error("component=committer msg=\"begin failed\" jobs=%zu "
		          "error=\"%s\"",
		    batch_len(batch), db_errmsg(c));
		goto out;
	}
	if (lock_batch_keys(c, batch) == -1) {
		log_error("component=committer msg=\"lock failed\" jobs=%zu "
		          "error=\"%s\"",
		    batch_len(batch), db_errmsg(c));
		(void)!db_rollback(c);
		goto out;
	}
	if (run_jobs(c, batch) == -1) {
		/* A job's database error (a deadlock, a lost connection): the
		 * batch's jobs run again one by one; the reason is read before
		 * the ROLLBACK replaces it. */
		log_warn("component=committer msg=\"batch rolled back\" "
		         "jobs=%zu error=\"%s\"",
		    batch_len(batch), db_errmsg(c));
		(void)!db_rollback(c);
		goto out;
	}
	if (db_commit(c) == -1) {
		log_error("component=committer msg=\"commit failed\" jobs=%zu "
		          "error=\"%s\"",
		    batch_len(batch), db_errmsg(c));
		/* SQLite may have rolled back already (a full disk, an I/O
		 * error): a failure here says nothing new. */
		(void)!db_rollback(c);
		goto out;
	}
	rc = 0;
out:
	if (db_checkpoint_due(c))
		*ckpt = true;
	db_checkpoint_defer(c, false);
	db_release(cm->db, c);
	return rc;
}

/*
 * The checkpoint a batch's commit left for later, run by the same writer
 * before its next batch: the WAL stays as bounded as with SQLite's own
 * (no other write of ours runs meanwhile, so it copies the whole WAL back
 * and the next commit starts it again from the beginning), but the
 * batch's answers no longer wait for it.
 */
static void
checkpoint(struct committer *cm)
{
	struct db_conn *c = db_acquire(cm->db);

	if (c == NULL)
		return; /* the next commit past the threshold asks again */
	if (db_checkpoint(c) == -1)
		log_warn("component=committer msg=\"checkpoint failed\" "
		         "error=\"%s\"",
		    db_errmsg(c));
	db_release(cm->db, c);
}

/*
 * Runs a batch; when a batch of several failed (a job's error, or the
 * commit's), nothing of it was kept, and each of its jobs is tried once
 * more in a transaction of its own before its caller hears of a failure.
 */
static void *
writer_main(void *arg)
{
	struct committer *cm = arg;
	struct job       *batch, *j, *next;

	while ((batch = take_batch(cm)) != NULL) {
		bool several = batch->next != NULL, ckpt = false;
		int  rc = run_batch(cm, batch, &ckpt);

		for (j = batch; j != NULL; j = next) {
			int status = rc == -1 ? -1 : 0;

			next = j->next;
			if (status == -1 && several) {
				j->next = NULL;
				status = run_batch(cm, j, &ckpt) == -1
				    ? -1
				    : j->status;
			}
			j->done(j->arg, status);
			free(j);
		}
		if (ckpt)
			checkpoint(cm);
	}
	return NULL;
}

struct committer *
committer_new(struct db *db, int nthreads, size_t max_batch, long linger_us)
{
	struct committer *cm = xcalloc(1, sizeof(*cm));
	int               i;

	cm->db = db;
	cm->max_batch = max_batch < 1 ? 1 : max_batch;
	cm->nthreads = nthreads < 1 ? 1 : nthreads;
	cm->linger_us = linger_us;
	pthread_mutex_init(&cm->mu, NULL);
	pthread_cond_init(&cm->more, NULL);
	cm->threads = xcalloc((size_t)cm->nthreads, sizeof(*cm->threads));
	for (i = 0; i < cm->nthreads; i++) {
		if (pthread_create(&cm->threads[i], NULL, writer_main, cm) !=
		    0) {
			log_error("component=committer msg=\"cannot start a "
			          "writer thread\"");
			abort();
		}
	}
	return cm;
}

void
committer_submit(struct committer *cm, void *arg, committer_job_fn run,
    committer_done_fn done, const int64_t *keys, size_t nkeys)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->arg = arg;
	j->run = run;
	j->done = done;
	j->nkeys = nkeys < COMMITTER_MAX_KEYS ? nkeys : COMMITTER_MAX_KEYS;
	if (j->nkeys > 0)
		memcpy(j->keys, keys, j->nkeys * sizeof(*keys));
	pthread_mutex_lock(&cm->mu);
	if (cm->tail != NULL)
		cm->tail->next = j;
	else
		cm->head = j;
	cm->tail = j;
	cm->queued++;
	if (cm->lingering == 0 || cm->queued >= cm->max_batch)
		pthread_cond_signal(&cm->more);
	pthread_mutex_unlock(&cm->mu);
}

void
committer_free(struct committer *cm)
{
	int i;

	if (cm == NULL)
		return;
	pthread_mutex_lock(&cm->mu);
	cm->stopping = true;
	pthread_cond_broadcast(&cm->more);
	pthread_mutex_unlock(&cm->mu);
	for (i = 0; i < cm->nthreads; i++)
		pthread_join(cm->threads[i], NULL);
	free(cm->threads);
	pthread_cond_destroy(&cm->more);
	pthread_mutex_destroy(&cm->mu);
	free(cm);
}
