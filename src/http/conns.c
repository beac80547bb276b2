/*
 * The connection keeper (see conns.h for what it keeps and why).
 *
 * Every connection has one entry in a table indexed by its descriptor,
 * and is in one state:
 *
 *   WAITING  ours: accepted, no byte yet; in our epoll set
 *   HANDED   given to the daemon, not taken by its worker yet
 *   HEAD     the daemon is reading a request head
 *   BODY     ... a request body
 *   BUSY     the request is being answered (or waits, suspended)
 *   IDLE     kept alive by the daemon between requests
 *   CLOSING  shut down by us; the daemon has yet to release it
 *
 * WAITING, IDLE, HEAD and BODY entries are also on a list of their own,
 * in the order they entered it, so each deadline is found at a list's
 * head and the oldest idle connection too.
 *
 * The first byte of a connection's first head is seen here, in our epoll
 * set. That of a later head on a kept-alive connection is not: the daemon
 * reads it, and epoll reports a socket only if it is still readable when
 * asked, which a reader in another thread races. The kernel keeps the time
 * of each socket's last received data (TCP_INFO's tcpi_last_data_recv):
 * each tick looks at it for the idle connections, and one that received
 * data since it went idle is reading a head since then.
 *
 * A connection costs us one entry (56 bytes) until its first byte:
 * libmicrohttpd allocates a connection's 32 KiB buffer pool when it takes
 * the connection, and zeroes all of it at every keep-alive reset, so an
 * idle connection it holds costs some 33 KiB of resident memory where a
 * waiting one costs nothing.
 */
/* A feature-test macro: its reserved name is the point. */
/* NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
#define _GNU_SOURCE /* accept4 */
#include "http/conns.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/str.h"
#include "http/http.h"
#include "http/peers.h"

/* How often deadlines are looked at: they are kept to within this. */
#define TICK_MS 100
/* Connections accepted in one go before looking at events again. */
#define ACCEPT_BATCH 64
#define EVENTS       256
/*
 * Connections shut down but not yet released by the daemon do not count
 * against the cap (the daemon releases them within milliseconds), but
 * no more than this many beyond it, so descriptors stay bounded.
 */
#define CLOSING_SLACK 64
/* Closures by the server are summed up in one log line this often. */
#define REPORT_MS 10000

#define IDLE_MS      (HTTP_IDLE_TIMEOUT_S * 1000L)
#define HEAD_MS      (HTTP_HEAD_TIMEOUT_S * 1000L)
#define STALL_MS     (HTTP_BODY_STALL_S * 1000L)
#define NO_FD        (-1)
#define LISTEN_TAG   UINT64_MAX
#define WATCH_EVENTS (EPOLLIN | EPOLLRDHUP | EPOLLONESHOT)

enum conn_state {
	CONN_FREE = 0,
	CONN_WAITING,
	CONN_HANDED,
	CONN_HEAD,
	CONN_BODY,
	CONN_BUSY,
	CONN_IDLE,
	CONN_CLOSING,
};

struct conn {
	int64_t  since_ms; /* when it entered its state (BODY: last byte) */
	int64_t  body_start_ms;
	uint64_t body_bytes;
	int      prev, next; /* on its state's list */
	uint32_t gen;        /* tells a stale epoll event from a live one */
	uint8_t  state;
	bool     cut; /* closed by a deadline: logged as 408 */
	uint8_t  addr[PEERS_KEY_LEN];
};

struct conn_list {
	int      head, tail;
	unsigned count;
};

/* What the server closed or refused since the last report. */
struct conns_stats {
	unsigned long idle, head, body, evicted, refused_address;
	unsigned long full;     /* accepting paused: the cap, none idle */
	unsigned long handoffs; /* connections the daemon could not take */
};

struct conns {
	struct conns_config cfg;
	pthread_mutex_t     lock;
	struct conn        *table; /* cfg.max_fd entries */
	struct conn_list    waiting, idle, head, body;
	unsigned            open, closing;
	struct peers        peers;
	struct conns_stats  stats;
	int                 epfd;
	bool                listening; /* the thread's own */
	int64_t             next_report_ms;
	pthread_t           thread;
	bool                running;
	atomic_bool         stopping;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t
tag(int fd, uint32_t gen)
{
	return (uint64_t)gen << 32 | (uint32_t)fd;
}

/* The table entry of fd, or NULL for a descriptor out of its range. */
static struct conn *
entry(struct conns *c, int fd)
{
	if (c == NULL || fd < 0 || (unsigned)fd >= c->cfg.max_fd)
		return NULL;
	return &c->table[fd];
}

/* Lists (under the lock). */

static struct conn_list *
list_of(struct conns *c, enum conn_state st)
{
	switch (st) {
	case CONN_WAITING:
		return &c->waiting;
	case CONN_IDLE:
		return &c->idle;
	case CONN_HEAD:
		return &c->head;
	case CONN_BODY:
		return &c->body;
	default:
		return NULL;
	}
}

static void
list_push(struct conns *c, struct conn_list *l, int fd)
{
	struct conn *e = &c->table[fd];

	e->prev = l->tail;
	e->next = NO_FD;
	if (l->tail != NO_FD)
		c->table[l->tail].next = fd;
	else
		l->head = fd;
	l->tail = fd;
	l->count++;
}

static void
list_remove(struct conns *c, struct conn_list *l, int fd)
{
	struct conn *e = &c->table[fd];

	if (e->prev != NO_FD)
		c->table[e->prev].next = e->next;
	else
		l->head = e->next;
	if (e->next != NO_FD)
		c->table[e->next].prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NO_FD;
	l->count--;
}

/* Moves fd to st as of now (to the tail of st's list, even if there). */
static void
set_state(struct conns *c, int fd, enum conn_state st, int64_t now)
{
	struct conn      *e = &c->table[fd];
	struct conn_list *from = list_of(c, (enum conn_state)e->state);
	struct conn_list *to = list_of(c, st);

	if (from != NULL)
		list_remove(c, from, fd);
	if (e->state != CONN_CLOSING && st == CONN_CLOSING)
		c->closing++;
	else if (e->state == CONN_CLOSING && st != CONN_CLOSING)
		c->closing--;
	e->state = (uint8_t)st;
	e->since_ms = now;
	if (to != NULL)
		list_push(c, to, fd);
}

/* Entries (under the lock). */

/* Forgets fd's connection; the descriptor is someone else's to close. */
static void
release(struct conns *c, int fd)
{
	struct conn *e = &c->table[fd];

	set_state(c, fd, CONN_FREE, 0);
	peers_release(&c->peers, e->addr);
	c->open--;
}

/* Forgets and closes a connection we hold (WAITING). */
static void
drop_waiting(struct conns *c, int fd)
{
	release(c, fd);
	(void)close(fd);
}

/*
 * Closes a connection the daemon holds: it sees the end of the stream and
 * releases it in its own thread. deadline: a request was under way.
 */
static void
cut(struct conns *c, int fd, bool deadline, int64_t now)
{
	c->table[fd].cut = deadline;
	set_state(c, fd, CONN_CLOSING, now);
	(void)shutdown(fd, SHUT_RDWR);
}

/* Closes the connection idle the longest; false when none is idle. */
static bool
evict_oldest_idle(struct conns *c, int64_t now)
{
	int w = c->waiting.head, i = c->idle.head;

	if (w == NO_FD && i == NO_FD)
		return false;
	c->stats.evicted++;
	if (i == NO_FD ||
	    (w != NO_FD && c->table[w].since_ms <= c->table[i].since_ms))
		drop_waiting(c, w);
	else
		cut(c, i, false, now);
	return true;
}

/*
 * True when one more connection may be accepted, closing the oldest idle
 * one to make room if need be (pending: a client waits in the backlog).
 */
static bool
make_room(struct conns *c, bool pending, int64_t now)
{
	unsigned max = c->cfg.max_connections;

	if (c->open >= max + CLOSING_SLACK)
		return false;
	if (c->open - c->closing < max)
		return true;
	return pending && evict_oldest_idle(c, now);
}

/* Whether a client waits in the backlog (we are its only acceptor). */
static bool
backlog_pending(const struct conns *c)
{
	struct pollfd p = {.fd = c->cfg.listen_fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1;
}

/*
 * Moves the idle connections that received data since they went idle to
 * HEAD, as of the last data received (at most a tick after their first
 * byte).
 */
static void
notice_heads(struct conns *c, int64_t now)
{
	int fd = c->idle.head;

	while (fd != NO_FD) {
		struct conn    *e = &c->table[fd];
		int             next = e->next;
		struct tcp_info ti;
		socklen_t       len = sizeof(ti);
		int64_t         idle_ms = now - e->since_ms;

		memset(&ti, 0, sizeof(ti));
		/* The margin: the clocks differ, by a jiffy or so. */
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
		    len >= offsetof(struct tcp_info, tcpi_last_data_recv) +
		            sizeof(ti.tcpi_last_data_recv) &&
		    (int64_t)ti.tcpi_last_data_recv + 10 < idle_ms)
			set_state(c, fd, CONN_HEAD,
			    now - (int64_t)ti.tcpi_last_data_recv);
		fd = next;
	}
}

/* Closes what is past its deadline, at the heads of the lists. */
static void
expire(struct conns *c, int64_t now)
{
	int fd;

	notice_heads(c, now);

	while ((fd = c->waiting.head) != NO_FD &&
	    now - c->table[fd].since_ms >= IDLE_MS) {
		drop_waiting(c, fd);
		c->stats.idle++;
	}
	while ((fd = c->idle.head) != NO_FD &&
	    now - c->table[fd].since_ms >= IDLE_MS) {
		cut(c, fd, false, now);
		c->stats.idle++;
	}
	while ((fd = c->head.head) != NO_FD &&
	    now - c->table[fd].since_ms >= HEAD_MS) {
		cut(c, fd, true, now);
		c->stats.head++;
	}
	while ((fd = c->body.head) != NO_FD &&
	    now - c->table[fd].since_ms >= STALL_MS) {
		cut(c, fd, true, now);
		c->stats.body++;
	}
}

/* The accepting thread. */

static void
watch(struct conns *c, int fd, uint32_t gen, int op)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = WATCH_EVENTS;
	ev.data.u64 = tag(fd, gen);
	if (epoll_ctl(c->epfd, op, fd, &ev) == -1 && op == EPOLL_CTL_ADD) {
		pthread_mutex_lock(&c->lock);
		drop_waiting(c, fd);
		pthread_mutex_unlock(&c->lock);
	}
}

static void
set_listening(struct conns *c, bool on)
{
	struct epoll_event ev;

	if (c->listening == on)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = on ? EPOLLIN : 0;
	ev.data.u64 = LISTEN_TAG;
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->cfg.listen_fd, &ev) == 0)
		c->listening = on;
}

/* Takes an accepted connection in, or refuses it. */
static void
admit(struct conns *c, int fd, const struct sockaddr_storage *ss, int64_t now)
{
	uint8_t      key[PEERS_KEY_LEN];
	struct conn *e = entry(c, fd);
	uint32_t     gen;

	if (e == NULL) {
		(void)close(fd);
		return;
	}
	peers_key(ss, key);
	pthread_mutex_lock(&c->lock);
	if (e->state != CONN_FREE) {
		/*
		 * The descriptor is free again, so the daemon closed it
		 * without a word: it does so only when it fails to take a
		 * connection it was handed (out of memory).
		 */
		release(c, fd);
	}
	if (!peers_take(&c->peers, key)) {
		c->stats.refused_address++;
		pthread_mutex_unlock(&c->lock);
		(void)close(fd);
		return;
	}
	gen = ++e->gen;
	memcpy(e->addr, key, PEERS_KEY_LEN);
	e->cut = false;
	c->open++;
	set_state(c, fd, CONN_WAITING, now);
	pthread_mutex_unlock(&c->lock);
	watch(c, fd, gen, EPOLL_CTL_ADD);
}

enum room {
	ROOM_YES,
	ROOM_NO_CLIENT, /* at the cap, and no client waits */
	ROOM_FULL,      /* at the cap, and none is idle */
};

/*
 * Whether one more connection may be accepted; at the cap, the oldest idle
 * one is closed to make room, but only for a client that waits.
 */
static enum room
room_for_one(struct conns *c, int64_t now)
{
	bool ok;

	pthread_mutex_lock(&c->lock);
	ok = make_room(c, false, now);
	pthread_mutex_unlock(&c->lock);
	if (ok)
		return ROOM_YES;
	if (!backlog_pending(c))
		return ROOM_NO_CLIENT;
	pthread_mutex_lock(&c->lock);
	ok = make_room(c, true, now);
	if (!ok)
		c->stats.full++;
	pthread_mutex_unlock(&c->lock);
	return ok ? ROOM_YES : ROOM_FULL;
}

static void
accept_some(struct conns *c, int64_t now)
{
	int i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t               len = sizeof(ss);
		enum room               room = room_for_one(c, now);
		int                     fd;

		if (room == ROOM_NO_CLIENT)
			return;
		if (room == ROOM_FULL) {
			/* Clients wait in the backlog; the next tick looks
			 * again. */
			set_listening(c, false);
			return;
		}
		memset(&ss, 0, sizeof(ss));
		fd = accept4(c->cfg.listen_fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1) {
			admit(c, fd, &ss, now);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			char why[128];

			/* Out of descriptors or memory: the next tick tries
			 * again, clients wait in the backlog. */
			log_warn("msg=\"cannot accept\" error=\"%s\"",
			    str_errno(errno, why, sizeof(why)));
			set_listening(c, false);
		}
		return;
	}
}

/* The first bytes of a WAITING connection: over to the daemon. */
static void
hand_over(struct conns *c, int fd, uint32_t gen, int64_t now)
{
	struct sockaddr_storage ss;
	socklen_t               len = sizeof(ss);
	struct conn            *e = &c->table[fd];
	char                    b;
	ssize_t                 n;

	n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		watch(c, fd, gen, EPOLL_CTL_MOD);
		return;
	}
	memset(&ss, 0, sizeof(ss));
	pthread_mutex_lock(&c->lock);
	if (n <= 0 || getpeername(fd, (struct sockaddr *)&ss, &len) == -1) {
		/* Closed before a byte, or reset: nothing to serve. */
		drop_waiting(c, fd);
		pthread_mutex_unlock(&c->lock);
		return;
	}
	set_state(c, fd, CONN_HANDED, now);
	pthread_mutex_unlock(&c->lock);
	if (c->cfg.handoff(c->cfg.ctx, fd, (struct sockaddr *)&ss, len) == 0)
		return;
	/* The daemon closed fd; only this thread reuses descriptors. */
	pthread_mutex_lock(&c->lock);
	if (e->gen == gen && e->state == CONN_HANDED)
		release(c, fd);
	c->stats.handoffs++;
	pthread_mutex_unlock(&c->lock);
}

static void
on_event(struct conns *c, uint64_t data, int64_t now)
{
	int          fd = (int)(uint32_t)data;
	uint32_t     gen = (uint32_t)(data >> 32);
	struct conn *e = entry(c, fd);
	bool         waiting;

	if (e == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	waiting = e->gen == gen && e->state == CONN_WAITING;
	pthread_mutex_unlock(&c->lock);
	if (waiting)
		hand_over(c, fd, gen, now);
}

static void
report(struct conns *c, int64_t now)
{
	struct conns_stats st;
	unsigned           open;
	enum log_level     level;

	if (now < c->next_report_ms)
		return;
	c->next_report_ms = now + REPORT_MS;
	pthread_mutex_lock(&c->lock);
	st = c->stats;
	open = c->open;
	memset(&c->stats, 0, sizeof(c->stats));
	pthread_mutex_unlock(&c->lock);
	/*
	 * Idle closures alone are routine (browsers open spare sockets), and
	 * closing idle connections for new ones is what the cap is for.
	 */
	level =
	    st.head + st.body + st.refused_address + st.full + st.handoffs > 0
	    ? LOG_WARN
	    : LOG_INFO;
	if (level == LOG_INFO && st.evicted == 0)
		return;
	log_write(level,
	    "msg=\"connections closed or refused by the server\" "
	    "head_timeout=%lu body_timeout=%lu idle_timeout=%lu "
	    "idle_evicted=%lu refused_per_address=%lu cap_full=%lu "
	    "handoff_failed=%lu open=%u",
	    st.head, st.body, st.idle, st.evicted, st.refused_address, st.full,
	    st.handoffs, open);
}

static void *
conns_main(void *arg)
{
	struct conns      *c = arg;
	struct epoll_event ev[EVENTS];
	int64_t            next_tick = now_ms() + TICK_MS;

	while (!atomic_load(&c->stopping)) {
		int     n = epoll_wait(c->epfd, ev, EVENTS, TICK_MS), i;
		int64_t now = now_ms();
		bool    accept_now = false;

		if (n == -1 && errno != EINTR) {
			char why[128];

			log_error("msg=\"the accepting thread stops\" "
			          "error=\"%s\"",
			    str_errno(errno, why, sizeof(why)));
			break;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.u64 == LISTEN_TAG)
				accept_now = true;
			else
				on_event(c, ev[i].data.u64, now);
		}
		if (accept_now)
			accept_some(c, now);
		if (now >= next_tick) {
			next_tick = now + TICK_MS;
			pthread_mutex_lock(&c->lock);
			expire(c, now);
			pthread_mutex_unlock(&c->lock);
			set_listening(c, true);
			report(c, now);
		}
	}
	return NULL;
}

struct conns *
conns_new(const struct conns_config *cfg, char *err, size_t errlen)
{
	struct conns      *c = xcalloc(1, sizeof(*c));
	struct epoll_event ev;

	c->cfg = *cfg;
	if (c->cfg.max_keepalive == 0)
		c->cfg.max_keepalive = 1;
	c->waiting.head = c->waiting.tail = NO_FD;
	c->idle.head = c->idle.tail = NO_FD;
	c->head.head = c->head.tail = NO_FD;
	c->body.head = c->body.tail = NO_FD;
	/* Lazily backed: only the pages of descriptors in use are touched. */
	c->table = xcalloc(cfg->max_fd, sizeof(*c->table));
	peers_init(&c->peers, cfg->max_per_address);
	atomic_init(&c->stopping, false);
	c->next_report_ms = now_ms() + REPORT_MS;
	(void)pthread_mutex_init(&c->lock, NULL);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = LISTEN_TAG;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd == -1 ||
	    epoll_ctl(c->epfd, EPOLL_CTL_ADD, cfg->listen_fd, &ev) == -1) {
		(void)snprintf(err, errlen,
		    "cannot watch the listening socket");
		conns_free(c);
		return NULL;
	}
	c->listening = true;
	return c;
}

int
conns_start(struct conns *c)
{
	if (pthread_create(&c->thread, NULL, conns_main, c) != 0)
		return -1;
	c->running = true;
	return 0;
}

void
conns_stop(struct conns *c)
{
	if (c == NULL || !c->running)
		return;
	atomic_store(&c->stopping, true);
	(void)pthread_join(c->thread, NULL);
	c->running = false;
	pthread_mutex_lock(&c->lock);
	while (c->waiting.head != NO_FD)
		drop_waiting(c, c->waiting.head);
	pthread_mutex_unlock(&c->lock);
}

void
conns_free(struct conns *c)
{
	if (c == NULL)
		return;
	conns_stop(c);
	if (c->epfd != -1)
		(void)close(c->epfd);
	(void)pthread_mutex_destroy(&c->lock);
	peers_cleanup(&c->peers);
	free(c->table);
	free(c);
}

/* The daemon's hooks. */

void
conns_started(struct conns *c, int fd)
{
	struct conn *e = entry(c, fd);

	if (e == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	/* The head's clock starts when the daemon can read it. */
	if (e->state == CONN_HANDED)
		set_state(c, fd, CONN_HEAD, now_ms());
	pthread_mutex_unlock(&c->lock);
}

void
conns_head_done(struct conns *c, int fd)
{
	struct conn *e = entry(c, fd);

	if (e == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	/* IDLE: the next head came before our thread saw its first byte. */
	if (e->state == CONN_HEAD || e->state == CONN_IDLE) {
		int64_t now = now_ms();

		set_state(c, fd, CONN_BODY, now);
		e->body_start_ms = now;
		e->body_bytes = 0;
	}
	pthread_mutex_unlock(&c->lock);
}

bool
conns_body_progress(struct conns *c, int fd, size_t n)
{
	struct conn *e = entry(c, fd);
	bool         ok = true;

	if (e == NULL)
		return true;
	pthread_mutex_lock(&c->lock);
	if (e->state == CONN_BODY) {
		int64_t now = now_ms(), late;

		e->body_bytes += n;
		set_state(c, fd, CONN_BODY, now);
		/* Each HTTP_BODY_MIN_RATE bytes buy one more second. */
		late = now - e->body_start_ms - STALL_MS;
		if (late > 0 &&
		    e->body_bytes * 1000 <
		        (uint64_t)late * HTTP_BODY_MIN_RATE) {
			e->cut = true;
			set_state(c, fd, CONN_CLOSING, now);
			c->stats.body++;
			ok = false;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return ok;
}

void
conns_body_done(struct conns *c, int fd)
{
	struct conn *e = entry(c, fd);

	if (e == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	if (e->state == CONN_BODY)
		set_state(c, fd, CONN_BUSY, now_ms());
	pthread_mutex_unlock(&c->lock);
}

void
conns_request_done(struct conns *c, int fd)
{
	struct conn *e = entry(c, fd);

	if (e == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	if (e->state == CONN_HEAD || e->state == CONN_BODY ||
	    e->state == CONN_BUSY || e->state == CONN_IDLE) {
		int64_t now = now_ms();

		set_state(c, fd, CONN_IDLE, now);
		while (c->idle.count > c->cfg.max_keepalive) {
			cut(c, c->idle.head, false, now);
			c->stats.evicted++;
		}
	}
	pthread_mutex_unlock(&c->lock);
}

bool
conns_was_cut(struct conns *c, int fd)
{
	struct conn *e = entry(c, fd);
	bool         was;

	if (e == NULL)
		return false;
	pthread_mutex_lock(&c->lock);
	was = e->cut;
	pthread_mutex_unlock(&c->lock);
	return was;
}

void
conns_closed(struct conns *c, int fd)
{
	struct conn *e = entry(c, fd);

	if (e == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	if (e->state != CONN_FREE)
		release(c, fd);
	pthread_mutex_unlock(&c->lock);
}
