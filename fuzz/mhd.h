/*
 * A libmicrohttpd daemon for the targets that read what libmicrohttpd
 * decodes (form bodies, query strings), run in the fuzzer's own thread:
 * no listening socket and no thread of its own; a request goes in over one
 * end of a socketpair given to the daemon with MHD_add_connection(), and
 * MHD_run() is called until the answer is back. The handler builds a
 * struct req as the server does (an arena, the buffered body) and hands it
 * to the target's function on the request's last call.
 */
#ifndef FUZZ_MHD_H
#define FUZZ_MHD_H

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fuzz.h"
#include "http/req.h"

typedef void (*mhd_fuzz_fn)(struct req *r);

static struct MHD_Daemon *mhd_daemon;
static mhd_fuzz_fn        mhd_target;
static int                mhd_fd = -1;

static enum MHD_Result
mhd_handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **req_cls)
{
	struct req          *r = *req_cls;
	struct MHD_Response *resp;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	if (r == NULL) {
		struct arena *a = arena_new();

		r = arena_alloc(a, sizeof(*r));
		memset(r, 0, sizeof(*r));
		r->arena = a;
		r->conn = conn;
		buf_init(&r->body, 2 * 1024 * 1024);
		*req_cls = r;
		return MHD_YES;
	}
	if (*size > 0) {
		FUZZ_CHECK(buf_append(&r->body, data, *size) == 0);
		*size = 0;
		return MHD_YES;
	}
	mhd_target(r);
	resp = MHD_create_response_from_buffer(2, (void *)(uintptr_t) "ok",
	    MHD_RESPMEM_PERSISTENT);
	(void)MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	buf_cleanup(&r->body);
	arena_free(r->arena);
	*req_cls = NULL;
	return MHD_YES;
}

static void
mhd_start(mhd_fuzz_fn fn)
{
	(void)signal(SIGPIPE, SIG_IGN);
	mhd_target = fn;
	mhd_daemon = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL,
	    mhd_handler, NULL, MHD_OPTION_END);
	FUZZ_CHECK(mhd_daemon != NULL);
}

static void
mhd_connect(void)
{
	struct sockaddr_un sa;
	int                sv[2];

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	FUZZ_CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	FUZZ_CHECK(MHD_add_connection(mhd_daemon, sv[1],
	               (const struct sockaddr *)&sa, sizeof(sa)) == MHD_YES);
	mhd_fd = sv[0];
}

static void
mhd_disconnect(void)
{
	if (mhd_fd >= 0)
		(void)close(mhd_fd);
	mhd_fd = -1;
}

/* Where the n bytes of what start in the len bytes of p, or NULL. */
static const char *
mhd_find(const char *p, size_t len, const char *what, size_t n)
{
	size_t i;

	for (i = 0; i + n <= len; i++) {
		if (memcmp(p + i, what, n) == 0)
			return p + i;
	}
	return NULL;
}

/* True once resp holds a whole answer (it always has a Content-Length). */
static bool
mhd_answered(const char *resp, size_t len)
{
	const char *end, *cl;
	size_t      head;

	if ((end = mhd_find(resp, len, "\r\n\r\n", 4)) == NULL)
		return false;
	head = (size_t)(end - resp) + 4;
	cl = mhd_find(resp, head, "Content-Length: ", 16);
	if (cl == NULL)
		return true;
	return len - head >= strtoul(cl + 16, NULL, 10);
}

/*
 * Sends one request (head, then body) and runs the daemon until the whole
 * answer is back or the daemon closed the connection. A request that gets
 * no answer after many rounds is a finding (a hang).
 */
static void
mhd_exchange(const char *head, size_t hlen, const char *body, size_t blen)
{
	char   resp[4096];
	size_t sent = 0, got = 0, total = hlen + blen;
	int    round;

	if (mhd_fd < 0)
		mhd_connect();
	for (round = 0; round < 1000000; round++) {
		ssize_t n;

		if (sent < total) {
			const char *p =
			    sent < hlen ? head + sent : body + (sent - hlen);
			size_t left = sent < hlen ? hlen - sent : total - sent;

			n = send(mhd_fd, p, left, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				mhd_disconnect();
				return;
			}
		}
		(void)MHD_run(mhd_daemon);
		n = recv(mhd_fd, resp + got, sizeof(resp) - got, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			mhd_disconnect(); /* the daemon closed it: a new one */
			return;
		}
		if (n > 0) {
			got += (size_t)n;
			/* Answered early (the rest unsent), or too long to
			 * read: the connection is of no further use. */
			if (got == sizeof(resp) ||
			    (mhd_answered(resp, got) && sent < total))
				mhd_disconnect();
			if (got == sizeof(resp) || mhd_answered(resp, got))
				return;
		}
	}
	FUZZ_CHECK(!"no answer from the daemon");
}

#endif
