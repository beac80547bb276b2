/*
 * libmicrohttpd glue. The daemon runs MYSAAS_THREADS worker threads, each
 * with its own epoll loop over its connections. The connection keeper
 * (conns.c) accepts on the listening socket, which we bind ourselves (so
 * "address in use" can be told apart from other failures), holds each
 * connection until its first bytes arrive, and then hands it to the
 * daemon, which gives it to worker fd % threads: the workers get equal
 * shares. Left to accept by themselves, the workers raced for each
 * connection and one could hold most keep-alive clients while another
 * idled, and its clients waited. The keeper also keeps the deadlines of a
 * request's head and body, which libmicrohttpd lacks; the hooks below
 * tell it where each connection stands. The server's configuration
 * (routes, gate, app) is read-only while the daemon runs; a request's
 * state belongs to the thread that runs it.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "db/db.h"
#include "http/conns.h"
#include "http/metrics.h"
#include "http/req.h"
#include "http/resp_internal.h"
#include "http/target.h"

/*
 * Per-connection memory pool: it holds the request line, the headers and
 * the read/write buffers, so it must exceed the 16 KiB header limit, which
 * we enforce ourselves to answer with our own JSON 431. libmicrohttpd
 * mallocs it when a worker takes the connection (untouched pages cost
 * nothing), but zeroes all of it at each keep-alive reset: an idle
 * keep-alive connection costs some 33 KiB of resident memory, one that
 * has sent nothing yet (held by the keeper) almost none.
 */
#define CONNECTION_MEMORY_LIMIT (32 * 1024)
#define LISTEN_BACKLOG          1024
/*
 * Idle keep-alive connections the daemon may hold (about 34 MiB); past
 * that the oldest is closed. Never-used idle connections are not counted:
 * the keeper holds those for the price of a descriptor.
 */
#define MAX_IDLE_KEEPALIVE 1024
/*
 * The descriptor table is never larger than this, nor the connection cap
 * (the configuration's ceiling is the same).
 */
#define MAX_FDS (1U << 20)
/*
 * Descriptors kept out of the connection cap besides those the
 * application asks for (server_config.reserved_fds): standard streams,
 * the listening socket, the keeper's epoll set, each worker's epoll set
 * and wake-up channel, and the connections the keeper has shut down and
 * the daemon not yet released.
 */
#define OWN_FDS(threads) (128U + 4U * (unsigned)(threads))
#define MIN_CONNECTIONS  16U
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
	struct conns        *conns;
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
#define ACCESS_TYPE_MAX   32  /* bytes of a token type kept */

struct line {
	char   data[160 + 2 * (4 * ACCESS_QUOTED_MAX + 2) +
            (8 + 4 * ACCESS_ACTOR_MAX + 2) + ACCESS_TYPE_MAX + 12];
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
	/* The kind of token presented, never the token (DESIGN 13). */
	if (r->auth.token_type != NULL) {
		line_put(&line, " token_type=", 12);
		line_put(&line, r->auth.token_type,
		    strnlen(r->auth.token_type, ACCESS_TYPE_MAX));
	}
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

/* The connection's socket, for the keeper's hooks. */
static int
conn_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	return ci != NULL ? ci->connect_fd : -1;
}

static struct req *
req_new(struct server *s, struct MHD_Connection *conn)
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
	r->status = HTTP_INTERNAL_ERROR;
	(void)snprintf(r->id, sizeof(r->id), "%08x%08lx", s->id_prefix,
	    n & 0xffffffffUL);
	buf_init(&r->body, HTTP_MAX_BODY);
	arena_defer(a, req_release_db, r);
	return r;
}

/*
 * libmicrohttpd's URI callback: the request line is read, and uri is the
 * target as sent, before it is split at '?' and decoded in place (after
 * which a %00 would end the path and the query's names silently). The
 * request begins here; its struct req reaches the handler as *req_cls.
 */
static void *
on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct req *r = req_new(cls, conn);

	if (uri == NULL) {
		r->target_rejected = true;
		return r;
	}
	/*
	 * A raw NUL ends uri early too: the handler's first call compares
	 * this length with where the line puts the version (on_request).
	 */
	r->target_len = strlen(uri);
	r->target_rejected =
	    target_check((struct str){uri, r->target_len}) == -1;
	return r;
}

/*
 * The first handler call: the head is complete. False when the target
 * holds a control byte: the line is "METHOD SP target SP HTTP/x.y" and
 * libmicrohttpd ended the target by writing a NUL over the space before
 * the version, in place, so a target that ends earlier held a raw NUL.
 */
static bool
head_begin(struct server *s, struct req *r, const char *url, const char *method,
    const char *version)
{
	r->head_done = true;
	r->method = str_from_cstr(method);
	r->path = str_from_cstr(url);
	atomic_fetch_add(&s->in_flight, 1);
	conns_head_done(s->conns, conn_fd(r->conn));
	if (r->target_rejected)
		return false;
	return version == NULL || *version == '\0' ||
	    url + r->target_len == version - 1;
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

	if (r == NULL) {
		/* No URI callback ran (it always does): nothing to check. */
		r = on_uri(s, NULL, conn);
		r->target_rejected = false;
		*req_cls = r;
	}
	if (!r->head_done) {
		if (!head_begin(s, r, url, method, version)) {
			conns_body_done(s->conns, conn_fd(conn));
			r->status = HTTP_BAD_REQUEST;
			resp_error(r, HTTP_BAD_REQUEST,
			    "Invalid request target: control character");
			return finish(r);
		}
		if ((early = check_head(r)) != 0) {
			conns_body_done(s->conns, conn_fd(conn));
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
	if (*upload_data_size > 0 &&
	    !conns_body_progress(s->conns, conn_fd(conn), *upload_data_size))
		return MHD_NO; /* too slow: closed, logged as 408 */
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
	conns_body_done(s->conns, conn_fd(conn));
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
	int            fd = conn_fd(conn);

	if (r == NULL)
		return;
	if (r->head_done) {
		if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !r->done)
			r->status = conns_was_cut(s->conns, fd)
			    ? HTTP_REQUEST_TIMEOUT
			    : 499; /* the client went away first */
		log_access(r);
		atomic_fetch_sub(&s->in_flight, 1);
	}
	/* Else its head never came in full: no access line, as before. */
	conns_request_done(s->conns, fd);
	if (r->response != NULL)
		MHD_destroy_response(r->response); /* built, never queued */
	buf_cleanup(&r->body);
	arena_free(r->arena);
	*req_cls = NULL;
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
 * libmicrohttpd's own cap, which must never bite: the keeper keeps the
 * count. It is shared out evenly among the workers, while connections go
 * to worker fd % threads, so each worker may take the whole cap; past its
 * share, libmicrohttpd 0.9.75 closed handed-over connections.
 */
static unsigned int
mhd_connection_limit(unsigned max, int threads)
{
	return (max + LISTEN_BACKLOG) * (unsigned)threads;
}

/* Hands a connection from the keeper to the daemon. */
static int
handoff(void *ctx, int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct server *s = ctx;
	char           why[128];

	/* The daemon closes fd itself when it cannot take it. */
	if (MHD_add_connection(s->daemon, fd, sa, salen) == MHD_YES)
		return 0;
	log_warn("msg=\"connection refused by the HTTP server\" "
	         "error=\"%s\"",
	    str_errno(errno, why, sizeof(why)));
	return -1;
}

/* Tells the keeper when a worker takes a connection and releases it. */
static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct server *s = cls;

	(void)socket_ctx;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		conns_started(s->conns, conn_fd(conn));
	else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
		conns_closed(s->conns, conn_fd(conn));
}

/*
 * Raises the soft limit on open files to the hard one (many connections
 * are the point) and returns it, at most MAX_FDS.
 */
static unsigned
open_files_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit want = rl;

		want.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl = want;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > MAX_FDS)
		return MAX_FDS;
	return (unsigned)rl.rlim_cur;
}

/* The connection cap: what the descriptors allow, or less if asked. */
static unsigned
connection_cap(const struct server_config *cfg, unsigned nofile, int threads)
{
	unsigned reserve = cfg->reserved_fds + OWN_FDS(threads);
	unsigned fit = nofile > reserve ? nofile - reserve : 0;
	unsigned cap = fit;

	if (cfg->max_connections > 0 && (unsigned)cfg->max_connections < fit)
		cap = (unsigned)cfg->max_connections;
	if (cap < MIN_CONNECTIONS)
		cap = MIN_CONNECTIONS;
	if (cfg->max_connections > 0 && (unsigned)cfg->max_connections > cap)
		log_warn("msg=\"connection cap lowered to what open files "
		         "allow\" asked=%d max_connections=%u open_files=%u",
		    cfg->max_connections, cap, nofile);
	else if (fit < MIN_CONNECTIONS)
		log_warn("msg=\"too few open files for the connection cap\" "
		         "open_files=%u max_connections=%u",
		    nofile, cap);
	return cap;
}

static int
start_conns(struct server *s, unsigned nofile, unsigned max, char *err,
    size_t errlen)
{
	struct conns_config cc;

	memset(&cc, 0, sizeof(cc));
	cc.listen_fd = s->listen_fd;
	cc.max_fd = nofile;
	cc.max_connections = max;
	cc.max_per_address =
	    s->cfg.max_conns_per_ip > 0 ? (unsigned)s->cfg.max_conns_per_ip : 0;
	cc.max_keepalive = max < MAX_IDLE_KEEPALIVE ? max : MAX_IDLE_KEEPALIVE;
	cc.handoff = handoff;
	cc.ctx = s;
	if ((s->conns = conns_new(&cc, err, errlen)) == NULL)
		return -1;
	if (conns_start(s->conns) == -1) {
		(void)snprintf(err, errlen,
		    "cannot start the accepting thread");
		return -1;
	}
	log_info("msg=\"connection limits\" open_files=%u max_connections=%u "
	         "max_conns_per_ip=%u max_idle_keepalive=%u idle_timeout_s=%d "
	         "head_timeout_s=%d body_stall_s=%d body_min_rate=%d",
	    nofile, max, cc.max_per_address, cc.max_keepalive,
	    HTTP_IDLE_TIMEOUT_S, HTTP_HEAD_TIMEOUT_S, HTTP_BODY_STALL_S,
	    HTTP_BODY_MIN_RATE);
	return 0;
}

struct server *
server_start(const struct server_config *cfg, const char *host, int port,
    int threads, char *err, size_t errlen)
{
	struct server *s = xcalloc(1, sizeof(*s));
	unsigned int   flags, nofile, max;

	s->cfg = *cfg;
	s->listen_fd = -1;
	atomic_init(&s->in_flight, 0);
	atomic_init(&s->next_id, 1);
	nofile = open_files_limit();
	max = connection_cap(cfg, nofile, threads);
	if (RAND_bytes((unsigned char *)&s->id_prefix, sizeof(s->id_prefix)) !=
	    1)
		s->id_prefix = (uint32_t)getpid();
	if (listen_on(host, port, &s->listen_fd, &s->port, err, errlen) == -1)
		goto fail;
	/*
	 * The daemon never sees the listening socket: every connection comes
	 * from the keeper, which must know of it before any hook runs.
	 */
	flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG | MHD_USE_SUSPEND_RESUME |
	    MHD_USE_NO_LISTEN_SOCKET;
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)HTTP_IDLE_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY_LIMIT,
	    MHD_OPTION_CONNECTION_LIMIT, mhd_connection_limit(max, threads),
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, s, MHD_OPTION_END);
	if (s->daemon == NULL) {
		(void)snprintf(err, errlen,
		    "cannot start the HTTP server on %s:%d", host, port);
		goto fail;
	}
	if (fcntl(s->listen_fd, F_SETFL,
	        fcntl(s->listen_fd, F_GETFL) | O_NONBLOCK) == -1) {
		(void)snprintf(err, errlen,
		    "cannot start the HTTP server's acceptor on %s:%d", host,
		    port);
		goto fail;
	}
	if (start_conns(s, nofile, max, err, errlen) == -1)
		goto fail;
	return s;
fail:
	conns_free(s->conns);
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
	/*
	 * Stop accepting (connections that sent nothing are closed); the
	 * listening socket is ours to close.
	 */
	conns_stop(s->conns);
	close(s->listen_fd);
	while (atomic_load(&s->in_flight) > 0 && waited < grace_ms) {
		struct timespec ts = {0, 10L * 1000 * 1000};

		nanosleep(&ts, NULL);
		waited += 10;
	}
	MHD_stop_daemon(s->daemon);
	conns_free(s->conns);
	free(s);
}
