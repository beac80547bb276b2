/*
 * The cost of the revocation check on every authenticated request
 * (auth/revocations.c): revocations_contains() on a set of 10,000 refused
 * sessions, by 1 to 8 threads at once, for ids that are not in it (the
 * answer for nearly every request) and ids that are, against the same
 * probe with no lock at all (what a read-copy-update pointer swap would
 * cost a reader at best) and under a plain mutex. While the threads read,
 * a writer adds an id every 200 ms, as the poller does. Prints ns per
 * check. Usage: revocations [SECONDS_PER_RUN]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "auth/revocations.h"
#include "core/strset.h"

#define HELD    10000
#define THREADS 4

enum mode {
	MODE_RWLOCK, /* revocations_contains() */
	MODE_NOLOCK, /* strset_contains() bare */
	MODE_MUTEX,  /* strset_contains() under a mutex */
};

static struct revocations *rv;
static struct strset      *bare;
static pthread_mutex_t     mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool         stop;
static volatile bool       sink; /* keeps the answers from being dropped */
static char                ids[2][HELD][40]; /* [held][i] */

struct job {
	enum mode mode;
	bool      hit;
	long      n;
	int       seed;
};

static void
sid_of(int i, bool held, char out[40])
{
	(void)snprintf(out, 40, "sess_%s%022d", held ? "held_" : "other", i);
}

static void *
reader(void *arg)
{
	struct job *j = arg;
	long        n = 0;
	int         i = j->seed;
	bool        r = false;

	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		const char *sid = ids[j->hit][i++ % HELD];

		if (j->mode == MODE_RWLOCK) {
			r ^= revocations_contains(rv, sid);
		} else if (j->mode == MODE_NOLOCK) {
			r ^= strset_contains(bare, sid);
		} else {
			pthread_mutex_lock(&mu);
			r ^= strset_contains(bare, sid);
			pthread_mutex_unlock(&mu);
		}
		n++;
	}
	sink = r;
	j->n = n;
	return NULL;
}

static void *
writer(void *arg)
{
	const struct timespec period = {0, 200000000L};
	char                  sid[40];
	int                   i = 0;

	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		(void)nanosleep(&period, NULL);
		sid_of(HELD + i++, true, sid);
		revocations_add(rv, sid);
	}
	return NULL;
}

static double
run(enum mode mode, bool hit, int threads, double secs)
{
	pthread_t       t[THREADS], w;
	struct job      jobs[THREADS];
	struct timespec d = {(time_t)secs,
	    (long)((secs - (double)(time_t)secs) * 1e9)};
	long            total = 0;
	int             i;

	atomic_store(&stop, false);
	pthread_create(&w, NULL, writer, NULL);
	for (i = 0; i < threads; i++) {
		jobs[i] = (struct job){mode, hit, 0, i * 997};
		pthread_create(&t[i], NULL, reader, &jobs[i]);
	}
	(void)nanosleep(&d, NULL);
	atomic_store(&stop, true);
	for (i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		total += jobs[i].n;
	}
	pthread_join(w, NULL);
	/* Wall time per check of one thread. */
	return secs * 1e9 * threads / (double)total;
}

int
main(int argc, char **argv)
{
	static const char *const names[] = {"rwlock", "no lock", "mutex"};
	double                   secs = argc > 1 ? atof(argv[1]) : 1.0;
	char                     sid[40];
	int                      i, m, threads;

	rv = revocations_new(NULL);
	bare = strset_new();
	for (i = 0; i < HELD; i++) {
		sid_of(i, false, ids[0][i]);
		sid_of(i, true, ids[1][i]);
		sid_of(i, true, sid);
		revocations_add(rv, sid);
		if (strset_add(bare, sid, 0) == -1)
			return 1;
	}
	printf("ns per check (%d ids held, %ld cores), miss / hit\n", HELD,
	    sysconf(_SC_NPROCESSORS_ONLN));
	for (threads = 1; threads <= THREADS; threads *= 2) {
		for (m = 0; m < 3; m++)
			printf("%d thread(s) %-8s %6.1f / %6.1f\n", threads,
			    names[m], run((enum mode)m, false, threads, secs),
			    run((enum mode)m, true, threads, secs));
	}
	revocations_free(rv);
	strset_free(bare);
	return 0;
}
