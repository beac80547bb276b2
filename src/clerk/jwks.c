/*
 * JWKS cache. The key set is an immutable array swapped under the mutex;
 * the mutex is never held across the network: one thread fetches (marked
 * by "fetching") while the others use the cached set or wait on a
 * condition variable for a bounded time. Failed fetches keep the old set
 * and are rate-limited like misses.
 */
#include "clerk/jwks.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clerk/backend_api.h"
#include "clerk/pubkey.h"
#include "core/log.h"

#define MAX_KEYS     32
#define WAIT_FETCH_S 6

struct jwks {
	char           *api_url;
	char           *secret_key;
	pthread_mutex_t mu;
	pthread_cond_t  fetched;
	bool            fetching;
	bool            have_set;
	time_t          fetched_at; /* last successful fetch */
	time_t          tried_at;   /* last attempt */
	size_t          nkeys;
	char           *kids[MAX_KEYS];
	EVP_PKEY       *keys[MAX_KEYS];
};

struct jwks *
jwks_new(const char *api_url, const char *secret_key)
{
	struct jwks *j = xcalloc(1, sizeof(*j));

	j->api_url = xstrdup(api_url);
	j->secret_key = xstrdup(secret_key != NULL ? secret_key : "");
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->fetched, NULL);
	return j;
}

static void
drop_keys(char **kids, EVP_PKEY **keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kids[i]);
		EVP_PKEY_free(keys[i]);
	}
}

void
jwks_free(struct jwks *j)
{
	if (j == NULL)
		return;
	drop_keys(j->kids, j->keys, j->nkeys);
	pthread_cond_destroy(&j->fetched);
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
		if (kid == NULL || strcmp(j->kids[i], kid) == 0) {
			if (EVP_PKEY_up_ref(j->keys[i]) != 1)
				return NULL;
			return j->keys[i];
		}
	}
	return NULL;
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

/* Under mu, as the fetching thread: fetch with the lock released. */
static void
refresh(struct jwks *j)
{
	char     *kids[MAX_KEYS];
	EVP_PKEY *keys[MAX_KEYS];
	size_t    n = 0;
	int       rc;

	j->fetching = true;
	j->tried_at = time(NULL);
	pthread_mutex_unlock(&j->mu);
	rc = fetch(j, kids, keys, &n);
	pthread_mutex_lock(&j->mu);
	if (rc == 0) {
		drop_keys(j->kids, j->keys, j->nkeys);
		memcpy(j->kids, kids, n * sizeof(kids[0]));
		memcpy(j->keys, keys, n * sizeof(keys[0]));
		j->nkeys = n;
		j->have_set = true;
		j->fetched_at = time(NULL);
	}
	j->fetching = false;
	pthread_cond_broadcast(&j->fetched);
}

static void
wait_for_fetch(struct jwks *j)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_FETCH_S;
	while (j->fetching) {
		if (pthread_cond_timedwait(&j->fetched, &j->mu, &until) ==
		    ETIMEDOUT)
			break;
	}
}

enum jwks_result
jwks_get(struct jwks *j, const char *kid, EVP_PKEY **key)
{
	enum jwks_result result;
	time_t           now = time(NULL);
	bool             stale, may_fetch;

	pthread_mutex_lock(&j->mu);
	*key = lookup(j, kid);
	stale = !j->have_set || now - j->fetched_at >= JWKS_TTL_S;
	if (*key != NULL && !stale)
		goto out;
	/* Fetches (misses, expiries, failures) at most every
	 * JWKS_MISS_INTERVAL_S: an unknown-kid flood cannot hammer Clerk. */
	may_fetch = now - j->tried_at >= JWKS_MISS_INTERVAL_S;
	if (j->fetching) {
		if (*key == NULL) {
			wait_for_fetch(j);
			*key = lookup(j, kid);
		}
	} else if (may_fetch) {
		EVP_PKEY_free(*key);
		refresh(j);
		*key = lookup(j, kid);
	}
out:
	result = *key != NULL ? JWKS_FOUND
	    : j->have_set     ? JWKS_UNKNOWN_KID
	                      : JWKS_UNAVAILABLE;
	pthread_mutex_unlock(&j->mu);
	return result;
}
