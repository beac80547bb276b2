/*
 * The connection keeper: accepts on the listening socket, holds each
 * connection until its first bytes arrive, then hands it to the HTTP
 * daemon, and keeps the deadlines libmicrohttpd does not (its only timer
 * is an idle timeout that every byte resets):
 *
 *   - idle: a connection with no request under way (never used, or kept
 *     alive after one) is closed after HTTP_IDLE_TIMEOUT_S;
 *   - head: a request head must be complete HTTP_HEAD_TIMEOUT_S after its
 *     first byte, however it trickles in (nginx's client_header_timeout,
 *     h2o's http1-request-timeout);
 *   - body: a request body is cut when no byte of it comes for
 *     HTTP_BODY_STALL_S (nginx's client_body_timeout), or when it falls
 *     behind HTTP_BODY_MIN_RATE bytes a second after its first
 *     HTTP_BODY_STALL_S (Apache's mod_reqtimeout MinRate).
 *
 * It also caps the open connections (the oldest idle one is closed to
 * admit a new client when the cap is reached, as nginx reuses idle
 * keep-alive connections), the connections of one client address, and the
 * idle keep-alive connections the daemon holds (each keeps a zeroed 32 KiB
 * buffer).
 *
 * Thread-safety: one thread of its own accepts and keeps the deadlines;
 * the conns_* hooks are called from the daemon's threads. One mutex guards
 * the per-descriptor table. A connection the daemon holds is closed by
 * shutdown(2) under that mutex: the daemon then sees the end of the stream
 * and releases it in its own thread, and since it reports the close
 * (conns_closed, under the same mutex) before it closes the descriptor,
 * the descriptor cannot be another socket by then.
 */
#ifndef HTTP_CONNS_H
#define HTTP_CONNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "core/mem.h"

struct conns;

/*
 * Gives a connection whose first bytes have arrived to the HTTP daemon:
 * 0 once it took it; -1 when it could not, having closed fd itself.
 */
typedef int (*conns_handoff_fn)(void *ctx, int fd, const struct sockaddr *sa,
    socklen_t salen);

struct conns_config {
	int              listen_fd;       /* non-blocking, listening */
	unsigned         max_fd;          /* descriptors are below this */
	unsigned         max_connections; /* open at once */
	unsigned         max_per_address; /* 0: no cap */
	unsigned         max_keepalive;   /* idle ones the daemon holds */
	conns_handoff_fn handoff;
	void            *ctx;
};

/*
 * A keeper for cfg's listening socket (which stays the caller's). NULL
 * with a reason in err.
 */
struct conns *conns_new(const struct conns_config *cfg, char *err,
    size_t errlen) MUST_CHECK;
/*
 * Starts accepting in a thread of its own; -1 if it cannot start. The
 * hooks may be called from then on, so c must be where they find it.
 */
int conns_start(struct conns *c) MUST_CHECK;
/*
 * Stops accepting and closes the connections not yet handed over; those
 * the daemon holds stay its own. The hooks below stay callable.
 */
void conns_stop(struct conns *c);
/* Frees c once the daemon has stopped (no hook can run any more). */
void conns_free(struct conns *c);

/* The daemon took fd (MHD_CONNECTION_NOTIFY_STARTED). */
void conns_started(struct conns *c, int fd);
/* The head of fd's request is complete (the first handler call). */
void conns_head_done(struct conns *c, int fd);
/*
 * n more body bytes arrived; false when the body is too slow and the
 * connection must be closed (the handler then returns MHD_NO).
 */
bool conns_body_progress(struct conns *c, int fd, size_t n) MUST_CHECK;
/* fd's request is read in full: no deadline while it is answered. */
void conns_body_done(struct conns *c, int fd);
/* fd's request is over; the connection waits for the next one. */
void conns_request_done(struct conns *c, int fd);
/* True when a deadline of this module is closing fd. */
bool conns_was_cut(struct conns *c, int fd) MUST_CHECK;
/* The daemon is closing fd (MHD_CONNECTION_NOTIFY_CLOSED). */
void conns_closed(struct conns *c, int fd);

#endif
