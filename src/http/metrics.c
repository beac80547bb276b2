/*
 * Metrics registry: fixed-size tables of relaxed atomic counters indexed by
 * route and by a small set of statuses, outcomes and event types, rendered
 * in the Prometheus text format on demand. Nothing here allocates while
 * recording.
 */
#include "http/metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdatomic.h>
#include <string.h>

#include "core/buf.h"
#include "http/req.h"

#define MAX_ROUTES 64

static const int statuses[] = {200, 201, 204, 302, 303, 307, 400, 401, 403, 404,
    405, 413, 422, 429, 431, 499, 500, 503};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]) + 1) /* + other */

static const double buckets_ms[] = {0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500,
    1000};
#define NBUCKETS (sizeof(buckets_ms) / sizeof(buckets_ms[0]))

static const char *const event_types[] = {"user.created", "user.updated",
    "user.deleted", "organization.created", "organization.updated",
    "organization.deleted", "organizationMembership.created",
    "organizationMembership.updated", "organizationMembership.deleted",
    "other"};
#define NTYPES (sizeof(event_types) / sizeof(event_types[0]))

static const char *const outcomes[] = {"applied", "ignored", "duplicate",
    "failed", "rejected", "error"};
#define NOUTCOMES (sizeof(outcomes) / sizeof(outcomes[0]))

static const char *const machine_types[] = {"api_key", "m2m_token",
    "oauth_token"};
#define NMTYPES (sizeof(machine_types) / sizeof(machine_types[0]))
static const char *const machine_outcomes[] = {"accepted", "refused",
    "unavailable", "not_accepted"};
#define NMOUTCOMES (sizeof(machine_outcomes) / sizeof(machine_outcomes[0]))
static const char *const machine_cache_results[] = {"hit", "miss", "wait"};
#define NMCACHE \
	(sizeof(machine_cache_results) / sizeof(machine_cache_results[0]))
/* The statuses of verify calls kept apart; then "other" and "none". */
static const long verify_statuses[] = {200, 400, 401, 403, 404, 422, 429, 500,
    502, 503, 504};
#define NVSTATUS (sizeof(verify_statuses) / sizeof(verify_statuses[0]) + 2)

struct route_stats {
	atomic_ulong by_status[NSTATUS];
	atomic_ulong buckets[NBUCKETS];
	atomic_ulong count;
	atomic_ulong sum_us;
};

static const struct route *table;
static size_t              ntable;
static const char         *bearer_token; /* NULL: loopback clients only */
/* One more row for requests that matched no route. */
static struct route_stats stats[MAX_ROUTES + 1];
static atomic_ulong       webhooks[NTYPES][NOUTCOMES];
static atomic_ulong       cache_hits, cache_misses;
static atomic_ulong       machine_verdicts[NMTYPES][2][NMOUTCOMES];
static atomic_ulong       machine_cache[NMCACHE];
static atomic_ulong       verify_calls[NMTYPES][NVSTATUS];
static atomic_ulong       verify_buckets[NMTYPES][NBUCKETS];
static atomic_ulong       verify_count[NMTYPES], verify_sum_us[NMTYPES];

void
metrics_init(const struct route *routes, size_t nroutes, const char *token)
{
	bearer_token = token;
	table = routes;
	ntable = nroutes < MAX_ROUTES ? nroutes : MAX_ROUTES;
}

static size_t
status_index(int status)
{
	size_t i;

	for (i = 0; i < NSTATUS - 1; i++) {
		if (statuses[i] == status)
			return i;
	}
	return NSTATUS - 1;
}

void
metrics_request(const struct route *route, int status, uint64_t ns)
{
	size_t              row = MAX_ROUTES, i;
	struct route_stats *s;
	double              ms = (double)ns / 1e6;

	if (route != NULL && table != NULL && route >= table &&
	    route < table + ntable)
		row = (size_t)(route - table);
	s = &stats[row];
	atomic_fetch_add_explicit(&s->by_status[status_index(status)], 1,
	    memory_order_relaxed);
	for (i = 0; i < NBUCKETS; i++) {
		if (ms <= buckets_ms[i]) {
			atomic_fetch_add_explicit(&s->buckets[i], 1,
			    memory_order_relaxed);
			break;
		}
	}
	atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->sum_us, ns / 1000, memory_order_relaxed);
}

void
metrics_webhook(const char *type, const char *outcome)
{
	size_t t = NTYPES - 1, o;

	for (o = 0; o < NOUTCOMES; o++) {
		if (strcmp(outcomes[o], outcome) == 0)
			break;
	}
	if (o == NOUTCOMES)
		return;
	for (size_t i = 0; type != NULL && i < NTYPES - 1; i++) {
		if (strcmp(event_types[i], type) == 0)
			t = i;
	}
	atomic_fetch_add_explicit(&webhooks[t][o], 1, memory_order_relaxed);
}

void
metrics_token_cache(bool hit)
{
	atomic_fetch_add_explicit(hit ? &cache_hits : &cache_misses, 1,
	    memory_order_relaxed);
}

/* The index of s in names (n of them), or n. */
static size_t
index_of(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++) {
		if (strcmp(names[i], s) == 0)
			return i;
	}
	return n;
}

static void
bump(atomic_ulong *a)
{
	atomic_fetch_add_explicit(a, 1, memory_order_relaxed);
}

void
metrics_machine_verdict(const char *type, bool jwt, const char *outcome)
{
	size_t t = index_of(machine_types, NMTYPES, type);
	size_t o = index_of(machine_outcomes, NMOUTCOMES, outcome);

	if (t < NMTYPES && o < NMOUTCOMES)
		bump(&machine_verdicts[t][jwt ? 1 : 0][o]);
}

void
metrics_machine_cache(const char *result)
{
	size_t i = index_of(machine_cache_results, NMCACHE, result);

	if (i < NMCACHE)
		bump(&machine_cache[i]);
}

void
metrics_clerk_verify(const char *type, long status, uint64_t ns)
{
	size_t t = index_of(machine_types, NMTYPES, type), i;
	double ms = (double)ns / 1e6;

	if (t == NMTYPES)
		return;
	for (i = 0; i < NVSTATUS - 2 && verify_statuses[i] != status; i++)
		;
	if (status == 0)
		i = NVSTATUS - 1;
	bump(&verify_calls[t][i]);
	for (i = 0; i < NBUCKETS; i++) {
		if (ms <= buckets_ms[i]) {
			bump(&verify_buckets[t][i]);
			break;
		}
	}
	bump(&verify_count[t]);
	atomic_fetch_add_explicit(&verify_sum_us[t], ns / 1000,
	    memory_order_relaxed);
}

static unsigned long
get(atomic_ulong *a)
{
	return atomic_load_explicit(a, memory_order_relaxed);
}

static const char *
route_label(size_t row)
{
	return row < ntable ? table[row].pattern : "unmatched";
}

static const char *
method_label(size_t row)
{
	return row < ntable ? table[row].method : "";
}

static void
render_requests(struct buf *b)
{
	size_t row, i;

	(void)!buf_append_cstr(b,
	    "# HELP mysaas_http_requests_total HTTP requests by route and "
	    "status.\n# TYPE mysaas_http_requests_total counter\n");
	for (row = 0; row <= MAX_ROUTES; row++) {
		if (row >= ntable && row != MAX_ROUTES)
			continue;
		for (i = 0; i < NSTATUS; i++) {
			unsigned long n = get(&stats[row].by_status[i]);

			if (n == 0)
				continue;
			(void)!buf_appendf(b,
			    "mysaas_http_requests_total{method=\"%s\",route=\""
			    "%s\",status=\"%s%d\"} %lu\n",
			    method_label(row), route_label(row),
			    i == NSTATUS - 1 ? "other" : "",
			    i == NSTATUS - 1 ? 0 : statuses[i], n);
		}
	}
}

static void
render_latency(struct buf *b)
{
	size_t row, i;

	(void)!buf_append_cstr(b,
	    "# HELP mysaas_http_request_duration_seconds Time to answer, by "
	    "route.\n# TYPE mysaas_http_request_duration_seconds histogram\n");
	for (row = 0; row <= MAX_ROUTES; row++) {
		unsigned long cum = 0, count = get(&stats[row].count);

		if ((row >= ntable && row != MAX_ROUTES) || count == 0)
			continue;
		for (i = 0; i < NBUCKETS; i++) {
			cum += get(&stats[row].buckets[i]);
			(void)!buf_appendf(b,
			    "mysaas_http_request_duration_seconds_bucket{"
			    "route=\"%s\",le=\"%g\"} %lu\n",
			    route_label(row), buckets_ms[i] / 1000, cum);
		}
		(void)!buf_appendf(b,
		    "mysaas_http_request_duration_seconds_bucket{route=\"%s\","
		    "le=\"+Inf\"} %lu\n"
		    "mysaas_http_request_duration_seconds_sum{route=\"%s\"} "
		    "%.6f\n"
		    "mysaas_http_request_duration_seconds_count{route=\"%s\"} "
		    "%lu\n",
		    route_label(row), count, route_label(row),
		    (double)get(&stats[row].sum_us) / 1e6, route_label(row),
		    count);
	}
}

static void
render_others(struct buf *b)
{
	size_t t, o;

	(void)!buf_append_cstr(b,
	    "# HELP mysaas_webhook_events_total Clerk webhook deliveries by "
	    "type and outcome.\n# TYPE mysaas_webhook_events_total counter\n");
	for (t = 0; t < NTYPES; t++) {
		for (o = 0; o < NOUTCOMES; o++) {
			unsigned long n = get(&webhooks[t][o]);

			if (n > 0)
				(void)!buf_appendf(b,
				    "mysaas_webhook_events_total{type=\"%s\","
				    "status=\"%s\"} %lu\n",
				    event_types[t], outcomes[o], n);
		}
	}
	(void)!buf_appendf(b,
	    "# HELP mysaas_token_cache_total Session-token cache lookups.\n"
	    "# TYPE mysaas_token_cache_total counter\n"
	    "mysaas_token_cache_total{result=\"hit\"} %lu\n"
	    "mysaas_token_cache_total{result=\"miss\"} %lu\n",
	    get(&cache_hits), get(&cache_misses));
}

static void
render_verify_calls(struct buf *b)
{
	size_t t, i;

	(void)!buf_append_cstr(b,
	    "# HELP mysaas_clerk_verify_calls_total Backend API verify calls "
	    "by token type and status (none: no answer).\n"
	    "# TYPE mysaas_clerk_verify_calls_total counter\n");
	for (t = 0; t < NMTYPES; t++) {
		for (i = 0; i < NVSTATUS; i++) {
			unsigned long n = get(&verify_calls[t][i]);

			if (n == 0)
				continue;
			if (i < NVSTATUS - 2)
				(void)!buf_appendf(b,
				    "mysaas_clerk_verify_calls_total{type=\"%"
				    "s\""
				    ",status=\"%ld\"} %lu\n",
				    machine_types[t], verify_statuses[i], n);
			else
				(void)!buf_appendf(b,
				    "mysaas_clerk_verify_calls_total{type=\"%"
				    "s\""
				    ",status=\"%s\"} %lu\n",
				    machine_types[t],
				    i == NVSTATUS - 1 ? "none" : "other", n);
		}
	}
	(void)!buf_append_cstr(b,
	    "# HELP mysaas_clerk_verify_duration_seconds Time of a Backend "
	    "API verify call, by token type.\n"
	    "# TYPE mysaas_clerk_verify_duration_seconds histogram\n");
	for (t = 0; t < NMTYPES; t++) {
		unsigned long cum = 0, count = get(&verify_count[t]);

		if (count == 0)
			continue;
		for (i = 0; i < NBUCKETS; i++) {
			cum += get(&verify_buckets[t][i]);
			(void)!buf_appendf(b,
			    "mysaas_clerk_verify_duration_seconds_bucket{type="
			    "\"%s\",le=\"%g\"} %lu\n",
			    machine_types[t], buckets_ms[i] / 1000, cum);
		}
		(void)!buf_appendf(b,
		    "mysaas_clerk_verify_duration_seconds_bucket{type=\"%s\","
		    "le=\"+Inf\"} %lu\n"
		    "mysaas_clerk_verify_duration_seconds_sum{type=\"%s\"} "
		    "%.6f\n"
		    "mysaas_clerk_verify_duration_seconds_count{type=\"%s\"} "
		    "%lu\n",
		    machine_types[t], count, machine_types[t],
		    (double)get(&verify_sum_us[t]) / 1e6, machine_types[t],
		    count);
	}
}

static void
render_machine(struct buf *b)
{
	size_t t, f, o;

	(void)!buf_append_cstr(b,
	    "# HELP mysaas_machine_verifications_total Machine-token verdicts "
	    "by type, form and outcome.\n"
	    "# TYPE mysaas_machine_verifications_total counter\n");
	for (t = 0; t < NMTYPES; t++) {
		for (f = 0; f < 2; f++) {
			for (o = 0; o < NMOUTCOMES; o++) {
				unsigned long n =
				    get(&machine_verdicts[t][f][o]);

				if (n > 0)
					(void)!buf_appendf(b,
					    "mysaas_machine_verifications_"
					    "total{type=\"%s\",form=\"%s\","
					    "outcome=\"%s\"} %lu\n",
					    machine_types[t],
					    f == 1 ? "jwt" : "opaque",
					    machine_outcomes[o], n);
			}
		}
	}
	(void)!buf_append_cstr(b,
	    "# HELP mysaas_machine_cache_total Machine-verdict cache "
	    "lookups.\n# TYPE mysaas_machine_cache_total counter\n");
	for (o = 0; o < NMCACHE; o++)
		(void)!buf_appendf(b,
		    "mysaas_machine_cache_total{result=\"%s\"} %lu\n",
		    machine_cache_results[o], get(&machine_cache[o]));
	render_verify_calls(b);
}

/* Loopback clients, or "Authorization: Bearer <MYSAAS_METRICS_TOKEN>". */
static bool
allowed(struct req *r)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char                     *token = bearer_token;
	const char                     *auth = req_header(r, "Authorization");

	if (token != NULL && auth != NULL && strncmp(auth, "Bearer ", 7) == 0 &&
	    strlen(auth + 7) == strlen(token) &&
	    CRYPTO_memcmp(auth + 7, token, strlen(token)) == 0)
		return true;
	if (ci == NULL || ci->client_addr == NULL)
		return false;
	if (ci->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *in =
		    (const struct sockaddr_in *)(const void *)ci->client_addr;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ci->client_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
		    (const struct sockaddr_in6 *)(const void *)ci->client_addr;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return false;
}

int
metrics_handler(struct req *r)
{
	struct buf b;
	int        status;

	if (!allowed(r))
		return resp_detail(r, HTTP_FORBIDDEN,
		    "Metrics are served to local clients or with "
		    "MYSAAS_METRICS_TOKEN");
	buf_init(&b, 4UL * 1024 * 1024);
	render_requests(&b);
	render_latency(&b);
	render_others(&b);
	render_machine(&b);
	status = resp_bytes(r, HTTP_OK, "text/plain; version=0.0.4",
	    b.data != NULL ? b.data : "", b.len);
	buf_cleanup(&b);
	return status;
}
