/*
 * The HTTP server: libmicrohttpd with an internal epoll thread pool. It owns
 * the listening socket, dispatches requests through the route table it is
 * given, runs the gate before gated routes, enforces the request limits,
 * adds the security headers and writes one access-log line per request.
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"

struct app;
struct db;
struct req;
struct route;
struct server;

/* What the server serves. Read-only while it runs. */
struct server_config {
	const struct route *routes;
	size_t              nroutes;
	/*
	 * Runs before the handler of every route whose flags intersect
	 * ROUTE_GATED: 0 to go on to the handler, HTTP_SUSPENDED, or the
	 * status it answered (the server renders the default body when it
	 * wrote none). NULL: gated routes answer 401.
	 */
	int (*gate)(struct req *r);
	/*
	 * Runs for every request once its answer is built (r->status, the
	 * body kept when r->keep_answer was set), before the answer is sent
	 * and while r still holds its database connection. NULL: nothing.
	 */
	void (*after)(struct req *r);
	/* The application's context, handed to handlers as r->app; the
	 * server never looks inside. */
	const struct app *app;
	struct db        *db; /* the pool req_db() draws from */
	/*
	 * Open connections at most; 0: as many as the open-files limit
	 * allows (raised to its hard limit at start) once reserved_fds and
	 * the server's own descriptors are set aside.
	 */
	int      max_connections;
	int      max_conns_per_ip; /* 0: no cap */
	unsigned reserved_fds;     /* what the application opens itself */
};

/*
 * Binds host:port (port 0 picks a free one) and starts threads worker
 * threads. NULL with one clear line in err (e.g. the port is in use).
 * cfg is copied; what it points to must outlive the server.
 */
struct server *server_start(const struct server_config *cfg, const char *host,
    int port, int threads, char *err, size_t errlen) MUST_CHECK;
/* The bound port. */
uint16_t server_port(const struct server *s);
/*
 * Stops accepting, waits up to grace_ms for in-flight requests to finish,
 * then stops the threads and frees the server.
 */
void server_stop(struct server *s, unsigned grace_ms);

#endif
