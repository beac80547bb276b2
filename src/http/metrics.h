/*
 * Prometheus metrics (GET /metrics): requests by route and status, latency
 * histograms by route, webhook deliveries by type and outcome, the
 * session-token cache's hits and misses, machine-token verdicts, their
 * cache, and the Backend API verify calls with their latency. Counters are
 * atomics, so recording costs no lock; the route table must be registered
 * before serving.
 */
#ifndef HTTP_METRICS_H
#define HTTP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/router.h"

struct req;

/*
 * Remembers the route table (for labels) and the bearer token that opens
 * GET /metrics to other than loopback clients (MYSAAS_METRICS_TOKEN, NULL
 * when unset); call once before serving. Both must outlive the server.
 */
void metrics_init(const struct route *routes, size_t nroutes,
    const char *token);
/* Counts one finished request; route NULL when no route matched. */
void metrics_request(const struct route *route, int status, uint64_t ns);
/* Counts one webhook delivery (type as sent; outcome "applied" ...). */
void metrics_webhook(const char *type, const char *outcome);
/* Counts a session-token cache lookup. */
void metrics_token_cache(bool hit);
/*
 * Counts a machine-token verdict (DESIGN 13): type "api_key", "m2m_token"
 * or "oauth_token"; jwt for the JWT forms; outcome "accepted",
 * "refused", "unavailable" or "not_accepted" (others are not counted).
 */
void metrics_machine_verdict(const char *type, bool jwt, const char *outcome);
/* Counts a machine-verdict cache lookup: "hit", "miss" or "wait". */
void metrics_machine_cache(const char *result);
/* Counts a Backend API verify call: its status (0: no answer), time. */
void metrics_clerk_verify(const char *type, long status, uint64_t ns);
/* The GET /metrics handler: loopback clients, or the bearer token. */
int metrics_handler(struct req *r);

#endif
