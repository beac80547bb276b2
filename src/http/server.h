/*
 * The HTTP server: libmicrohttpd with an internal epoll thread pool. It owns
 * the listening socket, dispatches requests through the app's route table,
 * enforces the request limits, adds the security headers and writes one
 * access-log line per request.
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stdint.h>

#include "app.h"
#include "core/mem.h"

struct server;

/*
 * Binds host:port (port 0 picks a free one) and starts threads worker
 * threads. NULL with one clear line in err (e.g. the port is in use).
 * app must outlive the server.
 */
struct server *server_start(const struct app *app, const char *host, int port,
    int threads, char *err, size_t errlen) MUST_CHECK;
/* The bound port. */
uint16_t server_port(const struct server *s);
/*
 * Stops accepting, waits up to grace_ms for in-flight requests to finish,
 * then stops the threads and frees the server.
 */
void server_stop(struct server *s, unsigned grace_ms);

#endif
