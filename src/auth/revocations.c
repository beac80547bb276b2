/*
 * The refused sessions. The ids live in a core/strset behind a rwlock:
 * request threads take the read side for one probe, the poller and the
 * local webhook take the write side only to add ids they have already
 * read, never across I/O. bench/revocations.c measured about 60 ns a
 * check on one thread with 10,000 ids held, some 10 ns more than the same
 * probe with no lock at all (the best a read-copy-update pointer swap
 * could give a reader, at the price of copying the table on every add
 * and reclaiming the old one safely); with more threads than cores the
 * three (rwlock, no lock, mutex) were within noise of each other. A
 * request costs tens of µs: the lock is not worth avoiding. A count read
 * without the lock lets a set with nothing in it (an instance no revocation has
 * reached for a day) skip the lock.
 *
 * The poller reads, every POLL_MS, the sessions whose status refuses
 * their tokens (every status but active and pending) and whose row
 * changed at or after its cursor, down sessions_status_changed_idx. The
 * cursor is the database's own clock, as the sessions' updated_at is
 * (accounts/sessions.h), so the clocks of the instances' hosts never
 * matter. Ids older than WINDOW_MS are dropped.
 */
#include "auth/revocations.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts/sessions.h"
#include "core/log.h"
#include "core/strset.h"
#include "core/timeutil.h"
#include "db/db.h"

/* Between two reads: a revocation acknowledged elsewhere is refused here
 * within POLL_MS plus one read (DESIGN: within 1 s). */
#define POLL_MS 200
/* After a failed read (the database away): no faster than its backoff. */
#define RETRY_MS 1000
/*
 * Each read starts OVERLAP_MS before the previous one's clock. The rows'
 * updated_at is PostgreSQL's now(), the start of their transaction, and
 * SQLite's clock when the statement ran, both before their commit: a row
 * stamped earlier may become visible after one stamped later. A delivery's
 * transaction lasts milliseconds (a group commit's batch); rows read again
 * within the overlap are already held, and adding them changes nothing.
 */
#define OVERLAP_MS 5000
/*
 * How long an id is kept, and how far back the start reads. Clerk's
 * session tokens live 60 s (reference/clerk.md section 3.1): a session
 * ended a day ago can only have tokens that expired long ago, which the
 * verifier refuses on their own; keeping it longer would only cost
 * memory.
 */
#define WINDOW_MS      (24LL * 60 * 60 * 1000)
#define PRUNE_EVERY_MS 60000

/* What request threads touch: behind a pointer, so that the lock of a
 * const struct revocations can still be taken. */
struct shared {
	pthread_rwlock_t lock;
	struct strset   *set;   /* under lock */
	atomic_size_t    count; /* the set's size, read without the lock */
};

struct revocations {
	struct db     *db;
	struct shared *sh;
	/* The poller thread, woken early only to stop. */
	pthread_t       thread;
	bool            running;
	pthread_mutex_t mu;
	pthread_cond_t  wake;     /* on CLOCK_MONOTONIC */
	bool            stopping; /* under mu */
	/* The reader's state: revocations_start's, then the poller's. */
	bool    loaded;   /* the last day has been read once */
	int64_t since_ms; /* the next read's start (database clock) */
	int64_t pruned_ms;
	bool    failing; /* the last read failed (logged once) */
};

/* An id a read found, and when its row changed. */
struct found_id {
	char   *sid; /* owned */
	int64_t at;
};

/* The ids a read found, kept until the set is locked. */
struct found {
	struct found_id *ids;
	size_t           n, cap;
};

struct revocations *
revocations_new(struct db *db)
{
	struct revocations *rv = xcalloc(1, sizeof(*rv));
	pthread_condattr_t  attr;

	rv->db = db;
	rv->sh = xcalloc(1, sizeof(*rv->sh));
	pthread_rwlock_init(&rv->sh->lock, NULL);
	rv->sh->set = strset_new();
	atomic_init(&rv->sh->count, 0);
	pthread_mutex_init(&rv->mu, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&rv->wake, &attr);
	pthread_condattr_destroy(&attr);
	return rv;
}

bool
revocations_contains(const struct revocations *rv, const char *sid)
{
	bool hit;

	if (rv == NULL || sid == NULL || *sid == '\0' ||
	    atomic_load_explicit(&rv->sh->count, memory_order_acquire) == 0)
		return false;
	pthread_rwlock_rdlock(&rv->sh->lock);
	hit = strset_contains(rv->sh->set, sid);
	pthread_rwlock_unlock(&rv->sh->lock);
	return hit;
}

/* Adds sid under the write lock, which the caller holds. */
static void
add_locked(struct shared *sh, const char *sid, int64_t at)
{
	if (strset_add(sh->set, sid, at) == -1)
		log_warn("component=revocations msg=\"session id too long to "
		         "hold: its tokens are not refused\" sid=\"%.80s\"",
		    sid);
	atomic_store_explicit(&sh->count, strset_count(sh->set),
	    memory_order_release);
}

void
revocations_add(struct revocations *rv, const char *sid)
{
	if (rv == NULL || sid == NULL || *sid == '\0')
		return;
	pthread_rwlock_wrlock(&rv->sh->lock);
	add_locked(rv->sh, sid, time_now_ms());
	pthread_rwlock_unlock(&rv->sh->lock);
}

/* session_refused_fn: keeps one id of a read. */
static void
collect(void *arg, const char *sid, int64_t changed_ms)
{
	struct found *f = arg;

	if (f->n == f->cap) {
		f->cap = f->cap != 0 ? f->cap * 2 : 64;
		f->ids = xrealloc(f->ids, f->cap * sizeof(*f->ids));
	}
	f->ids[f->n].sid = xstrdup(sid);
	f->ids[f->n++].at = changed_ms;
}

/* Adds what a read found and, now and then, drops what is too old. */
static void
merge(struct revocations *rv, const struct found *f, int64_t db_now)
{
	size_t i;

	pthread_rwlock_wrlock(&rv->sh->lock);
	for (i = 0; i < f->n; i++)
		add_locked(rv->sh, f->ids[i].sid, f->ids[i].at);
	if (db_now - rv->pruned_ms >= PRUNE_EVERY_MS) {
		(void)strset_prune(rv->sh->set, db_now - WINDOW_MS);
		atomic_store_explicit(&rv->sh->count, strset_count(rv->sh->set),
		    memory_order_release);
		rv->pruned_ms = db_now;
	}
	pthread_rwlock_unlock(&rv->sh->lock);
}

/* One read of the feed; -1 when the database did not answer. */
static int
read_feed(struct revocations *rv)
{
	struct found    f = {NULL, 0, 0};
	struct db_conn *c = db_acquire(rv->db);
	int64_t         db_now = 0;
	int             rc = -1;

	/* The first read goes back a day by this host's clock: a few
	 * seconds of skew against the database's clock do not matter. */
	if (c != NULL)
		rc = session_refused_since(c,
		    rv->loaded ? rv->since_ms : time_now_ms() - WINDOW_MS,
		    &db_now, collect, &f);
	if (rc == -1 && !rv->failing)
		log_warn("component=revocations msg=\"cannot read the ended "
		         "sessions; retrying\" error=\"%s\"",
		    c != NULL ? db_errmsg(c) : "no database connection");
	db_release(rv->db, c);
	if (rc == 0) {
		if (rv->failing)
			log_info("component=revocations msg=\"reading the "
			         "ended sessions again\"");
		merge(rv, &f, db_now);
		rv->since_ms = db_now - OVERLAP_MS;
		rv->loaded = true;
	}
	rv->failing = rc != 0;
	while (f.n > 0)
		free(f.ids[--f.n].sid);
	free(f.ids);
	return rc == 0 ? 0 : -1;
}

/* Waits ms or until stopped, with rv->mu held; true when stopping. */
static bool
nap(struct revocations *rv, int ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (!rv->stopping &&
	    pthread_cond_timedwait(&rv->wake, &rv->mu, &until) != ETIMEDOUT)
		;
	return rv->stopping;
}

static void *
poller(void *arg)
{
	struct revocations *rv = arg;
	int                 wait_ms = rv->failing ? RETRY_MS : POLL_MS;

	pthread_mutex_lock(&rv->mu);
	while (!nap(rv, wait_ms)) {
		pthread_mutex_unlock(&rv->mu);
		wait_ms = read_feed(rv) == 0 ? POLL_MS : RETRY_MS;
		pthread_mutex_lock(&rv->mu);
	}
	pthread_mutex_unlock(&rv->mu);
	return NULL;
}

int
revocations_start(struct revocations *rv)
{
	int err;

	(void)read_feed(rv);
	if ((err = pthread_create(&rv->thread, NULL, poller, rv)) != 0) {
		log_error("component=revocations msg=\"cannot start the "
		          "poller\" errno=%d",
		    err);
		return -1;
	}
	rv->running = true;
	return 0;
}

void
revocations_stop(struct revocations *rv)
{
	if (rv == NULL || !rv->running)
		return;
	pthread_mutex_lock(&rv->mu);
	rv->stopping = true;
	pthread_cond_signal(&rv->wake);
	pthread_mutex_unlock(&rv->mu);
	pthread_join(rv->thread, NULL);
	rv->running = false;
}

void
revocations_free(struct revocations *rv)
{
	if (rv == NULL)
		return;
	revocations_stop(rv);
	pthread_cond_destroy(&rv->wake);
	pthread_mutex_destroy(&rv->mu);
	strset_free(rv->sh->set);
	pthread_rwlock_destroy(&rv->sh->lock);
	free(rv->sh);
	free(rv);
}
