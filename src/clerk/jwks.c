/*
 * JWKS cache. The key set is an immutable array swapped under the mutex;
 * the mutex is never held across the network. One fetcher thread reads the
 * set when asked (first use, expiry, an unknown kid) and then calls back
 * the requests that waited for it. "generation" counts finished fetches:
 * a ticket is the generation a waiter needs to see pass. Fetches, failed
 * ones included, happen at most every JWKS_MISS_INTERVAL_S, so a flood of
 * unknown kids cannot hammer Clerk.
 */
#include "clerk/jwks.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clerk/backend_api.h"
#include "clerk/pubkey.h"
#include "core/log.h"

#define MAX_KEYS 32

struct waiter {
	struct waiter *next;
	jwks_ready_fn  ready;
	void          *arg;
};

struct jwks {
	char           *api_url;
	char           *secret_key;
	pthread_t       thread;
	pthread_mutex_t mu;
	pthread_cond_t  wake;
	bool            stopping;
	bool            want_fetch; /* a fetch is asked for or under way */
	uint64_t        generation; /* finished fetches */
	bool            have_set;
	time_t          fetched_at; /* last successful fetch */
	time_t          tried_at;   /* last attempt started */
	struct waiter  *waiters;
	size_t          nkeys;
	char           *kids[MAX_KEYS];
	EVP_PKEY       *keys[MAX_KEYS];
};

static void
drop_keys(char **kids, EVP_PKEY **keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kids[i]);
		EVP_PKEY_free(keys[i]);
	}
}

/* Fetches and parses the set, without the lock; -1 on failure (logged). */
static int
fetch(struct jwks *j, char **kids, EVP_PKEY **keys, size_t *n)
{
	json_t *body = NULL, *list, *k;
	long    status = 0;
	size_t  i;

	*n = 0;
	if (clerk_api_get(j->api_url, j->secret_key, "/v1/jwks", &status,
	        &body) == -1)
		return -1;
	list = json_object_get(body, "keys");
	if (status != 200 || !json_is_array(list)) {
		log_warn("component=jwks msg=\"unusable answer\" status=%ld",
		    status);
		json_decref(body);
		return -1;
	}
	json_array_foreach(list, i, k)
	{
		const char *kid = json_string_value(json_object_get(k, "kid"));
		EVP_PKEY   *key;

		if (kid == NULL || *n == MAX_KEYS)
			continue;
		if ((key = clerk_pubkey_from_jwk(k)) == NULL)
			continue; /* not an RS256 signing key */
		kids[*n] = xstrdup(kid);
		keys[*n] = key;
		(*n)++;
	}
	json_decref(body);
	log_info("component=jwks msg=fetched keys=%zu", *n);
	return 0;
}

/* One fetch, run by the fetcher thread with mu held on entry and exit. */
static struct waiter *
fetch_once(struct jwks *j)
{
	char          *kids[MAX_KEYS];
	EVP_PKEY      *keys[MAX_KEYS];
	struct waiter *done;
	size_t         n = 0;
	int            rc;

	j->tried_at = time(NULL);
	pthread_mutex_unlock(&j->mu);
	rc = fetch(j, kids, keys, &n);
	pthread_mutex_lock(&j->mu);
	if (rc == 0) {
		drop_keys(j->kids, j->keys, j->nkeys);
		memcpy(j->kids, kids, n * sizeof(kids[0]));
		/* An array of pointers, copied as such. */
		/* NOLINTNEXTLINE(bugprone-sizeof-expression) */
		memcpy(j->keys, keys, n * sizeof(keys[0]));
		j->nkeys = n;
		j->have_set = true;
		j->fetched_at = time(NULL);
	}
	j->generation++;
	j->want_fetch = false;
	done = j->waiters;
	j->waiters = NULL;
	return done;
}

static void *
fetcher_main(void *arg)
{
	struct jwks *j = arg;

	pthread_mutex_lock(&j->mu);
	while (!j->stopping) {
		struct waiter *w, *next;

		if (!j->want_fetch) {
			pthread_cond_wait(&j->wake, &j->mu);
			continue;
		}
		w = fetch_once(j);
		pthread_mutex_unlock(&j->mu);
		for (; w != NULL; w = next) {
			next = w->next;
			w->ready(w->arg);
			free(w);
		}
		pthread_mutex_lock(&j->mu);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

struct jwks *
jwks_new(const char *api_url, const char *secret_key)
{
	struct jwks *j = xcalloc(1, sizeof(*j));

	j->api_url = xstrdup(api_url);
	j->secret_key = xstrdup(secret_key != NULL ? secret_key : "");
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->wake, NULL);
	j->want_fetch = true; /* warm the cache before the first request */
	if (pthread_create(&j->thread, NULL, fetcher_main, j) != 0) {
		log_error("component=jwks msg=\"cannot start the fetcher\"");
		abort();
	}
	return j;
}

void
jwks_free(struct jwks *j)
{
	struct waiter *w, *next;

	if (j == NULL)
		return;
	pthread_mutex_lock(&j->mu);
	j->stopping = true;
	pthread_cond_signal(&j->wake);
	pthread_mutex_unlock(&j->mu);
	pthread_join(j->thread, NULL);
	/* Nobody can still wait: the server stopped before this. */
	for (w = j->waiters; w != NULL; w = next) {
		next = w->next;
		w->ready(w->arg);
		free(w);
	}
	drop_keys(j->kids, j->keys, j->nkeys);
	pthread_cond_destroy(&j->wake);
	pthread_mutex_destroy(&j->mu);
	free(j->api_url);
	free(j->secret_key);
	free(j);
}

/* Under mu: a new reference to kid's key, or NULL. */
static EVP_PKEY *
lookup(struct jwks *j, const char *kid)
{
	size_t i;

	for (i = 0; i < j->nkeys; i++) {
		if (strcmp(j->kids[i], kid) == 0)
			return EVP_PKEY_up_ref(j->keys[i]) == 1 ? j->keys[i]
			                                        : NULL;
	}
	return NULL;
}

enum jwks_result
jwks_get(struct jwks *j, const char *kid, EVP_PKEY **key, uint64_t *ticket)
{
	enum jwks_result result;
	time_t           now = time(NULL);
	bool             stale, may_fetch;

	*key = NULL;
	*ticket = 0;
	pthread_mutex_lock(&j->mu);
	if (kid == NULL) {
		result = j->have_set ? JWKS_UNKNOWN_KID : JWKS_UNAVAILABLE;
		pthread_mutex_unlock(&j->mu);
		return result;
	}
	*key = lookup(j, kid);
	stale = !j->have_set || now - j->fetched_at >= JWKS_TTL_S;
	may_fetch = now - j->tried_at >= JWKS_MISS_INTERVAL_S;
	if (*key != NULL) {
		/* An expired set is re-read in the background; meanwhile its
		 * keys still serve. */
		if (stale && may_fetch && !j->want_fetch) {
			j->want_fetch = true;
			pthread_cond_signal(&j->wake);
		}
		result = JWKS_FOUND;
	} else if (j->want_fetch || may_fetch) {
		if (!j->want_fetch) {
			j->want_fetch = true;
			pthread_cond_signal(&j->wake);
		}
		*ticket = j->generation + 1;
		result = JWKS_PENDING;
	} else {
		result = j->have_set ? JWKS_UNKNOWN_KID : JWKS_UNAVAILABLE;
	}
	pthread_mutex_unlock(&j->mu);
	return result;
}

void
jwks_on_ready(struct jwks *j, uint64_t ticket, jwks_ready_fn ready, void *arg)
{
	struct waiter *w;

	pthread_mutex_lock(&j->mu);
	if (j->generation >= ticket) {
		pthread_mutex_unlock(&j->mu);
		ready(arg);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->ready = ready;
	w->arg = arg;
	w->next = j->waiters;
	j->waiters = w;
	pthread_mutex_unlock(&j->mu);
}
