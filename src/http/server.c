/*
 * libmicrohttpd glue. The daemon runs MYSAAS_THREADS worker threads, each
 * with its own epoll loop over its connections. One acceptor thread of
 * ours accepts on the listening socket, which we bind ourselves (so
 * "address in use" can be told apart from other failures), and hands each
 * connection to the daemon, which gives it to worker fd % threads: the
 * workers get equal shares. Left to accept by themselves, the workers
 * raced for each connection and one could hold most keep-alive clients
 * while another idled, and its clients waited. The server's configuration
 * (routes, gate, app) is read-only while the daemon runs; a request's
 * state belongs to the thread that runs it.
 */
/* A feature-test macro: its reserved name is the point. */
/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#define _GNU_SOURCE /* accept4 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "db/db.h"
#include "http/metrics.h"
#include "http/req.h"
#include "http/resp_internal.h"

/*
 * Per-connection memory pool: it holds the request line, the headers and
 * the read/write buffers, so it must exceed the 16 KiB header limit, which
 * we enforce ourselves to answer with our own JSON 431.
 */
#define CONNECTION_MEMORY_LIMIT (32 * 1024)
#define LISTEN_BACKLOG          1024
/*
 * Connections beyond which the acceptor leaves new ones waiting in the
 * backlog (32 KiB of pool each). It counts those handed over and not yet
 * taken by their worker too: libmicrohttpd counts a connection only once
 * its worker takes it from its queue, and a worker busy for seconds
 * (waiting for a database connection) would otherwise be handed an
 * unbounded queue. libmicrohttpd's own limit is set higher still: past
 * it, libmicrohttpd 0.9.75 left handed-over connections unanswered.
 */
#define CONNECTION_LIMIT     1000
#define MHD_CONNECTION_LIMIT (2 * CONNECTION_LIMIT + LISTEN_BACKLOG)
/* How often the acceptor looks at the stop flag while idle. */
#define ACCEPT_POLL_MS 200
/* How long it waits when CONNECTION_LIMIT connections are open. */
#define ACCEPT_FULL_WAIT_MS 10
/* Connections accepted in one go before polling again. */
#define ACCEPT_BATCH 64
/* How much of an oversized chunked body we read before hanging up. */
#define MAX_DISCARD_BYTES (16L * 1024 * 1024)

struct server {
	struct MHD_Daemon   *daemon;
	struct server_config cfg;
	int                  listen_fd;
	uint16_t             port;
	atomic_long          in_flight;
	atomic_ulong         next_id;
	uint32_t             id_prefix;
	pthread_t            acceptor;
	bool                 acceptor_running;
	atomic_bool          stopping;
	atomic_long          open_connections; /* taken by a worker */
	atomic_long          handed_over;      /* and not taken yet */
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The access line is built in a stack buffer without printf: it is
 * written once per request. Values are bounded so it always fits.
 */
#define ACCESS_QUOTED_MAX 512 /* bytes of a method or path kept */
#define ACCESS_ACTOR_MAX  128 /* bytes of an actor (a Clerk user id) kept */

struct line {
	char   data[160 + 2 * (4 * ACCESS_QUOTED_MAX + 2) +
            (8 + 4 * ACCESS_ACTOR_MAX + 2)];
	size_t len;
};

static void
line_put(struct line *l, const char *p, size_t n)
{
	memcpy(l->data + l->len, p, n);
	l->len += n;
}

static void
line_put_u64(struct line *l, uint64_t v, int min_digits)
{
	char digits[24];
	int  n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 || n < min_digits);
	while (n > 0)
		l->data[l->len++] = digits[--n];
}

/* Appends s (at most max bytes of it) in quotes, escaped by log_escape. */
static void
line_put_quoted(struct line *l, struct str s, size_t max)
{
	l->data[l->len++] = '"';
	(void)log_escape(l->data + l->len, sizeof(l->data) - l->len, s.p, max);
	l->len += strlen(l->data + l->len);
	l->data[l->len++] = '"';
}

static void
log_access(const struct req *r)
{
	struct line line;
	uint64_t    ns = now_ns() - r->start_ns;
	uint64_t    us = (ns + 500) / 1000;

	metrics_request(r->match.route, r->status, ns);
	line.len = 0;
	line_put(&line, "req=", 4);
	line_put(&line, r->id, strnlen(r->id, sizeof(r->id)));
	line_put(&line, " method=", 8);
	line_put_quoted(&line, r->method, ACCESS_QUOTED_MAX);
	line_put(&line, " path=", 6);
	line_put_quoted(&line, r->path, ACCESS_QUOTED_MAX);
	line_put(&line, " status=", 8);
	line_put_u64(&line, (uint64_t)(r->status >= 0 ? r->status : 0), 1);
	line_put(&line, " bytes=", 7);
	line_put_u64(&line, r->response_bytes, 1);
	line_put(&line, " ms=", 4);
	line_put_u64(&line, us / 1000, 1);
	line_put(&line, ".", 1);
	line_put_u64(&line, us % 1000, 3);
	/* Who acted for the user (impersonation, DESIGN 6). */
	if (r->auth.actor != NULL) {
		line_put(&line, " actor=", 7);
		line_put_quoted(&line, str_from_cstr(r->auth.actor),
		    ACCESS_ACTOR_MAX);
	}
	log_text(r->status >= 500 ? LOG_WARN : LOG_INFO, line.data, line.len);
}

static void
req_release_db(void *p)
{
	struct req *r = p;

	if (r->db != NULL) {
		db_release(r->srv->db, r->db);
		r->db = NULL;
	}
}

static struct req *
req_new(struct server *s, struct MHD_Connection *conn, const char *url,
    const char *method)
{
	struct arena *a = arena_new();
	struct req   *r = arena_alloc(a, sizeof(*r));
	unsigned long n = atomic_fetch_add(&s->next_id, 1);

	memset(r, 0, sizeof(*r));
	r->arena = a;
	r->conn = conn;
	r->app = s->cfg.app;
	r->srv = &s->cfg;
	r->start_ns = now_ns();
	r->method = str_from_cstr(method);
	r->path = str_from_cstr(url);
	r->status = HTTP_INTERNAL_ERROR;
	(void)snprintf(r->id, sizeof(r->id), "%08x%08lx", s->id_prefix,
	    n & 0xffffffffUL);
	buf_init(&r->body, HTTP_MAX_BODY);
	arena_defer(a, req_release_db, r);
	atomic_fetch_add(&s->in_flight, 1);
	return r;
}

struct header_sum {
	size_t total;
};

static enum MHD_Result
sum_header(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct header_sum *h = cls;

	(void)kind;
	/* name ": " value CRLF, as on the wire */
	h->total += strlen(key) + 4 + (value != NULL ? strlen(value) : 0);
	return MHD_YES;
}

/* Rejections decided from the request head alone; 0 when none applies. */
static int
check_head(struct req *r)
{
	struct header_sum h = {0};
	const char       *cl;

	(void)MHD_get_connection_values(r->conn, MHD_HEADER_KIND, sum_header,
	    &h);
	if (h.total > HTTP_MAX_HEADER_BYTES)
		return resp_detail(r, HTTP_HEADERS_TOO_LARGE,
		    "Request header fields too large");
	cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL) {
		int64_t len;

		if (str_to_i64(str_from_cstr(cl), 0, INT64_MAX, &len) == 0 &&
		    len > HTTP_MAX_BODY) {
			/*
			 * Answering while the client still sends makes many
			 * clients see a reset instead of the 413: read and
			 * drop the body first, unless it is absurdly large.
			 */
			if (len > MAX_DISCARD_BYTES)
				return resp_detail(r, HTTP_PAYLOAD_TOO_LARGE,
				    "Request body too large (limit 1 MiB)");
			r->body_too_large = true;
		}
	}
	return 0;
}

static void
dispatch(struct req *r)
{
	char               allow[64];
	enum router_result rr;

	if (r->body_too_large) {
		r->status = resp_detail(r, HTTP_PAYLOAD_TOO_LARGE,
		    "Request body too large (limit 1 MiB)");
		return;
	}
	rr = router_match(r->srv->routes, r->srv->nroutes, r->method, r->path,
	    &r->match, allow, sizeof(allow));
	if (rr == ROUTER_NOT_FOUND) {
		r->status = resp_detail(r, HTTP_NOT_FOUND, "Not Found");
		return;
	}
	if (rr == ROUTER_METHOD_NOT_ALLOWED) {
		r->status = resp_detail(r, HTTP_METHOD_NOT_ALLOWED,
		    "Method Not Allowed");
		resp_header(r, MHD_HTTP_HEADER_ALLOW, allow);
		return;
	}
	r->status = req_rerun(r);
}

int
req_rerun(struct req *r)
{
	int status;

	if ((r->match.route->flags & ROUTE_GATED) != 0) {
		/* Without a gate, a gated route is closed. */
		int denied =
		    r->srv->gate != NULL ? r->srv->gate(r) : HTTP_UNAUTHORIZED;

		if (denied == HTTP_SUSPENDED)
			return HTTP_SUSPENDED;
		if (denied != 0) {
			if (r->response == NULL)
				resp_default(r, denied);
			return denied;
		}
	}
	status = r->match.route->handler(r);
	if (status != HTTP_SUSPENDED && r->response == NULL)
		resp_default(r, status);
	return status;
}

static enum MHD_Result
finish(struct req *r)
{
	enum MHD_Result rc;

	r->done = true;
	if (r->response == NULL)
		resp_default(r, r->status);
	if (r->srv->after != NULL)
		r->srv->after(r);
	/*
	 * The answer is built: its database connection goes back to the pool
	 * now, not once the answer has been sent. A thread that has answered
	 * many clients whose sockets are slow to drain would otherwise hold
	 * as many connections and starve the next request (seen under a
	 * burst: requests waiting for a connection that never freed up).
	 */
	req_release_db(r);
	rc = resp_queue(r);
	return rc;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct server *s = cls;
	struct req    *r = *req_cls;
	int            early;

	(void)version;
	if (r == NULL) {
		r = req_new(s, conn, url, method);
		*req_cls = r;
		if ((early = check_head(r)) != 0) {
			r->status = early;
			return finish(r);
		}
		/*
		 * Answer on the next call, once libmicrohttpd has finished
		 * reading the request: a response queued now makes it close
		 * the connection instead of keeping it alive.
		 */
		return MHD_YES;
	}
	if (r->done) {
		*upload_data_size = 0; /* discard what follows a rejection */
		return MHD_YES;
	}
	if (r->suspended) {
		/* Resumed: the handler's second half answers (or waits
		 * again). */
		r->suspended = false;
		r->status = r->resume(r);
		if (r->status == HTTP_SUSPENDED)
			return MHD_YES;
		return finish(r);
	}
	if (*upload_data_size > 0) {
		if (!r->body_too_large &&
		    buf_append(&r->body, upload_data, *upload_data_size) == -1)
			r->body_too_large = true;
		if (r->body_too_large) {
			/*
			 * A chunked body past the limit is read and dropped
			 * so the client gets its 413, but not forever.
			 */
			r->discarded += *upload_data_size;
			if (r->discarded > MAX_DISCARD_BYTES)
				return MHD_NO;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	dispatch(r);
	if (r->status == HTTP_SUSPENDED)
		return MHD_YES;
	return finish(r);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct req    *r = *req_cls;

	(void)conn;
	if (r == NULL)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->done)
		r->status = 499; /* the client went away first */
	log_access(r);
	if (r->response != NULL)
		MHD_destroy_response(r->response); /* built, never queued */
	buf_cleanup(&r->body);
	arena_free(r->arena);
	*req_cls = NULL;
	atomic_fetch_sub(&s->in_flight, 1);
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char   line[512];
	size_t n;

	(void)cls;
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	log_debug("component=http msg=\"%s\"", line);
}

/* Binds and listens; -1 with a reason in err. */
static int
listen_on(const char *host, int port, int *fd_out, uint16_t *bound, char *err,
    size_t errlen)
{
	struct addrinfo         hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t               sslen = sizeof(ss);
	char                    portstr[8];
	int                     fd = -1, one = 1, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	(void)snprintf(portstr, sizeof(portstr), "%d", port);
	if ((gai = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		(void)snprintf(err, errlen, "HOST: cannot resolve \"%s\" (%s)",
		    host, gai_strerror(gai));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol);
	if (fd == -1) {
		(void)snprintf(err, errlen, "cannot create a socket");
		goto fail;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1) {
		if (errno == EADDRINUSE)
			(void)snprintf(err, errlen,
			    "PORT: %s:%d is already in use; stop the other "
			    "server or set PORT to a free port",
			    host, port);
		else if (errno == EACCES)
			(void)snprintf(err, errlen,
			    "PORT: permission denied binding %s:%d; use a "
			    "port above 1023",
			    host, port);
		else
			(void)snprintf(err, errlen,
			    "HOST: cannot listen on %s:%d (address not "
			    "available on this machine)",
			    host, port);
		goto fail;
	}
	if (listen(fd, LISTEN_BACKLOG) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		(void)snprintf(err, errlen, "cannot listen on %s:%d", host,
		    port);
		goto fail;
	}
	/* getsockname() filled ss: the analyzer does not model it. */
	/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
	*bound = ntohs(ss.ss_family == AF_INET6
	        ? ((struct sockaddr_in6 *)&ss)->sin6_port
	        : ((struct sockaddr_in *)&ss)->sin_port);
	freeaddrinfo(res);
	*fd_out = fd;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

/*
 * Accepts what the backlog holds (a bounded batch) and hands it to the
 * daemon; false once the listening socket is unusable.
 */
static bool
accept_batch(struct server *s)
{
	int i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t               len = sizeof(ss);
		char                    why[128];
		int                     fd;

		fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return true;
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Out of descriptors: let clients wait in the
				 * backlog rather than spin. */
				log_warn("msg=\"cannot accept\" error=\"%s\"",
				    str_errno(errno, why, sizeof(why)));
				(void)poll(NULL, 0, ACCEPT_POLL_MS);
				return true;
			}
			return false;
		}
		/* The daemon closes fd itself when it cannot take it. */
		atomic_fetch_add(&s->handed_over, 1);
		if (MHD_add_connection(s->daemon, fd, (struct sockaddr *)&ss,
		        len) == MHD_YES)
			continue;
		atomic_fetch_sub(&s->handed_over, 1);
		log_warn("msg=\"connection refused by the HTTP server\" "
		         "error=\"%s\"",
		    str_errno(errno, why, sizeof(why)));
	}
	return true;
}

/* Counts the connections the workers have taken and not yet closed. */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct server *s = cls;

	(void)conn;
	(void)socket_ctx;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&s->open_connections, 1);
		atomic_fetch_sub(&s->handed_over, 1);
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		atomic_fetch_sub(&s->open_connections, 1);
	}
}

static void *
acceptor_main(void *arg)
{
	struct server *s = arg;
	struct pollfd  p = {.fd = s->listen_fd, .events = POLLIN};

	while (!atomic_load(&s->stopping)) {
		int n;

		if (atomic_load(&s->open_connections) +
		        atomic_load(&s->handed_over) >=
		    CONNECTION_LIMIT) {
			(void)poll(NULL, 0, ACCEPT_FULL_WAIT_MS);
			continue;
		}
		n = poll(&p, 1, ACCEPT_POLL_MS);

		if (n == -1 && errno != EINTR)
			break;
		if (n > 0 && !atomic_load(&s->stopping) && !accept_batch(s))
			break;
	}
	return NULL;
}

struct server *
server_start(const struct server_config *cfg, const char *host, int port,
    int threads, char *err, size_t errlen)
{
	struct server *s = xcalloc(1, sizeof(*s));
	unsigned int   flags;

	s->cfg = *cfg;
	s->listen_fd = -1;
	atomic_init(&s->in_flight, 0);
	atomic_init(&s->next_id, 1);
	atomic_init(&s->stopping, false);
	atomic_init(&s->open_connections, 0);
	atomic_init(&s->handed_over, 0);
	if (RAND_bytes((unsigned char *)&s->id_prefix, sizeof(s->id_prefix)) !=
	    1)
		s->id_prefix = (uint32_t)getpid();
	if (listen_on(host, port, &s->listen_fd, &s->port, err, errlen) == -1)
		goto fail;
	flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG | MHD_USE_SUSPEND_RESUME;
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_LISTEN_SOCKET, s->listen_fd, MHD_OPTION_THREAD_POOL_SIZE,
	    (unsigned int)threads, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)HTTP_IDLE_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY_LIMIT,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)MHD_CONNECTION_LIMIT,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
	if (s->daemon == NULL) {
		(void)snprintf(err, errlen,
		    "cannot start the HTTP server on %s:%d", host, port);
		goto fail;
	}
	/* The workers stop accepting by themselves: the acceptor deals. */
	if (MHD_quiesce_daemon(s->daemon) != s->listen_fd ||
	    fcntl(s->listen_fd, F_SETFL,
	        fcntl(s->listen_fd, F_GETFL) | O_NONBLOCK) == -1 ||
	    pthread_create(&s->acceptor, NULL, acceptor_main, s) != 0) {
		(void)snprintf(err, errlen,
		    "cannot start the HTTP server's acceptor on %s:%d", host,
		    port);
		goto fail;
	}
	s->acceptor_running = true;
	return s;
fail:
	if (s->daemon != NULL)
		MHD_stop_daemon(s->daemon);
	if (s->listen_fd != -1)
		close(s->listen_fd);
	free(s);
	return NULL;
}

uint16_t
server_port(const struct server *s)
{
	return s->port;
}

void
server_stop(struct server *s, unsigned grace_ms)
{
	unsigned waited = 0;

	if (s == NULL)
		return;
	/* Stop accepting; the listening socket is ours to close. */
	atomic_store(&s->stopping, true);
	if (s->acceptor_running)
		(void)pthread_join(s->acceptor, NULL);
	close(s->listen_fd);
	while (atomic_load(&s->in_flight) > 0 && waited < grace_ms) {
		struct timespec ts = {0, 10L * 1000 * 1000};

		nanosleep(&ts, NULL);
		waited += 10;
	}
	MHD_stop_daemon(s->daemon);
	free(s);
}
