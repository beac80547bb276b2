/*
 * "mysaas serve": migrate, listen, wait for SIGINT/SIGTERM, shut down
 * gracefully. The signals are blocked before any thread starts so that only
 * the main thread, in sigwait(), receives them.
 */
#include "cli/cli.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts/idempotency.h"
#include "app.h"
#include "auth/gate.h"
#include "auth/revocations.h"
#include "clerk/svix.h"
#include "db/committer.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "db/db.h"
#include "db/migrate.h"
#include "docs/docs.h"
#include "http/metrics.h"
#include "http/server.h"

#define SHUTDOWN_GRACE_MS 10000
#define PG_WRITERS        4
#define PG_BATCH          32
#define WRITE_LINGER_US   1000

struct serve_opts {
	const char *host;
	int         port; /* 0: from configuration */
	bool        migrate;
};

static int usage_error(const char *fmt, ...) PRINTF_LIKE(1, 2);

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	(void)fprintf(stderr, "mysaas serve: ");
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "\n");
	(void)cli_usage(stderr, "serve");
	return EXIT_USAGE;
}

/* 0, EXIT_USAGE, or -1 for --help (printed). */
static int
parse_args(int argc, char **argv, struct serve_opts *o)
{
	int i;

	o->host = NULL;
	o->port = 0;
	o->migrate = true;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--no-migrate") == 0) {
			o->migrate = false;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			(void)cli_usage(stdout, "serve");
			return -1;
		} else if (strcmp(a, "--host") == 0 ||
		    strcmp(a, "--port") == 0) {
			if (i + 1 == argc)
				return usage_error("%s needs a value", a);
			if (a[2] == 'h') {
				o->host = argv[++i];
			} else if (config_port_parse(argv[++i], &o->port) ==
			    -1) {
				return usage_error("--port: expected a port "
				                   "from 1 to 65535, got "
				                   "\"%s\"",
				    argv[i]);
			}
		} else {
			return usage_error("unknown argument \"%s\"", a);
		}
	}
	if (o->host != NULL && *o->host == '\0')
		return usage_error("%s", "--host needs a value");
	return 0;
}

static int
prepare_schema(struct db *db, bool migrate)
{
	char err[512];
	int  n;

	if (migrate) {
		if (migrate_apply(db, &n, err, sizeof(err)) == -1) {
			(void)fprintf(stderr, "mysaas: %s\n", err);
			return -1;
		}
		return 0;
	}
	if ((n = migrate_pending(db, err, sizeof(err))) > 0)
		log_warn("component=migrate msg=\"%d migration(s) pending; run "
		         "mysaas migrate\"",
		    n);
	return 0;
}

/*
 * Group commit: SQLite has one writer at a time, so one writer thread
 * batches up to 256 deliveries per transaction (one fsync). PostgreSQL
 * takes several writers with smaller batches; a job that loses a deadlock
 * against another instance's batch is retried alone (committer.c). Under
 * load SQLite's writer waits up to WRITE_LINGER_US for a fuller batch: at
 * 32 connections, 3 KB deliveries, its batches went from about 12 to 18
 * deliveries (docs/BENCHMARKS.md, issue 16); an idle server's lone
 * delivery never waits. PostgreSQL's writers do not wait: while one
 * lingers the others commit, and with 400-byte deliveries the rate fell
 * by a third to a half.
 */
static struct committer *
start_committer(struct db *db)
{
	if (db_kind(db) == DB_SQLITE)
		return committer_new(db, 1, 256, WRITE_LINGER_US);
	return committer_new(db, PG_WRITERS, PG_BATCH, 0);
}

static int
load_secret(const struct config *cfg, struct svix_secret *s, bool *has)
{
	*has = cfg->clerk_webhook_signing_secret != NULL;
	if (*has &&
	    svix_secret_parse(cfg->clerk_webhook_signing_secret, s) == -1) {
		(void)fprintf(stderr,
		    "mysaas: configuration error: "
		    "CLERK_WEBHOOK_SIGNING_SECRET: expected whsec_ "
		    "followed by base64 (Clerk dashboard, Webhooks, "
		    "Signing secret)\n");
		return -1;
	}
	return 0;
}

/* Seconds between two rounds of housekeeping while serving. */
#define HOUSEKEEPING_INTERVAL_S 30
/*
 * Expired Idempotency-Key answers deleted per statement, and statements
 * per round: up to 10,000 rows every 30 s (28.8 million a day), each
 * statement short enough not to hold up the requests' writes.
 */
#define SWEEP_BATCH   500
#define SWEEP_BATCHES 20

/*
 * Deletes the expired answers of Idempotency-Keys, a batch at a time, off
 * the request path (every instance does; a row deleted twice is gone
 * once). A database that cannot be reached now is tried next round.
 */
static void
sweep_idempotency_keys(struct db *db)
{
	struct db_conn *c;
	int64_t         n = SWEEP_BATCH, total = 0;
	int             i;

	if ((c = db_acquire(db)) == NULL)
		return;
	for (i = 0; i < SWEEP_BATCHES && n == SWEEP_BATCH; i++) {
		if (idempotency_sweep(c, time_now_ms(), SWEEP_BATCH, &n) ==
		    -1) {
			log_warn("component=idempotency msg=\"sweep failed\" "
			         "error=\"%s\"",
			    db_errmsg(c));
			break;
		}
		total += n;
	}
	db_release(db, c);
	if (total > 0)
		log_debug("component=idempotency msg=swept rows=%lld",
		    (long long)total);
}

/*
 * Waits for SIGINT or SIGTERM in set. Meanwhile, every
 * HOUSEKEEPING_INTERVAL_S, deletes expired Idempotency-Key answers and
 * hands the heap memory that is free back to the system: glibc keeps each
 * worker thread's arena at the high-water mark of its busiest moment, so
 * resident memory would otherwise creep up over hours of bursts.
 */
static void
wait_for_signal(const sigset_t *set, struct db *db, int *sig)
{
	const struct timespec interval = {HOUSEKEEPING_INTERVAL_S, 0};

	for (;;) {
		*sig = sigtimedwait(set, NULL, &interval);
		if (*sig > 0)
			return;
		if (errno == EAGAIN) {
			sweep_idempotency_keys(db);
			(void)malloc_trim(0);
		}
	}
}

static int
run(const struct config *cfg, const struct db_url *url,
    const struct serve_opts *o)
{
	struct svix_secret   secret;
	struct auth_gate    *gate = NULL;
	struct app           app;
	struct server_config sc;
	struct server       *srv;
	struct db           *db;
	sigset_t             set;
	char                 err[512];
	const char          *host = o->host != NULL ? o->host : cfg->host;
	int                  port = o->port != 0 ? o->port : cfg->port, sig = 0;
	/* + 3: the admin's own, the pool's slack, the revocation poller
	 * (and the housekeeping of the main thread). */
	int  db_pool_size = cfg->threads + PG_WRITERS + 3;
	int  rc = 1;
	bool has_secret;

	if (load_secret(cfg, &secret, &has_secret) == -1)
		return 1;
	if (auth_gate_new(cfg, &gate, err, sizeof(err)) == -1) {
		(void)fprintf(stderr, "mysaas: configuration error: %s\n", err);
		svix_secret_cleanup(&secret);
		return 1;
	}
	if ((db = cli_db_open(url, db_pool_size)) == NULL) {
		auth_gate_free(gate);
		return 1;
	}
	if (prepare_schema(db, o->migrate) == -1) {
		auth_gate_free(gate);
		db_close(db);
		return 1;
	}
	memset(&app, 0, sizeof(app));
	app.cfg = cfg;
	app.db = db;
	metrics_init(app_routes, app_nroutes, cfg->metrics_token);
	if (docs_openapi_init(app_routes, app_nroutes) == -1) {
		(void)fprintf(stderr,
		    "mysaas: the embedded OpenAPI document does "
		    "not parse\n");
		auth_gate_free(gate);
		db_close(db);
		return 1;
	}
	app.webhook_secret = has_secret ? &secret : NULL;
	app.session_gate = gate;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	app.committer = start_committer(db);
	app.revocations = revocations_new(db);
	if (revocations_start(app.revocations) == -1) {
		(void)fprintf(stderr,
		    "mysaas: cannot start the revocation poller\n");
		goto fail;
	}
	memset(&sc, 0, sizeof(sc));
	sc.routes = app_routes;
	sc.nroutes = app_nroutes;
	sc.gate = app_gate;
	sc.after = app_after;
	sc.app = &app;
	sc.db = db;
	sc.max_connections = cfg->max_connections;
	/*
	 * Behind a trusted proxy every peer is a proxy (the reading that
	 * trusts X-Forwarded-For from any of them), whose connections carry
	 * many clients: the per-address cap belongs to the proxy then.
	 */
	sc.max_conns_per_ip = cfg->trust_proxy ? 0 : cfg->max_conns_per_ip;
	/*
	 * Up to 3 descriptors per database connection (SQLite: the file, its
	 * WAL and shared memory; PostgreSQL: a socket), and Clerk requests
	 * and the files the server reads.
	 */
	sc.reserved_fds = 3U * (unsigned)db_pool_size + 64U;
	srv = server_start(&sc, host, port, cfg->threads, err, sizeof(err));
	if (srv == NULL) {
		(void)fprintf(stderr, "mysaas: %s\n", err);
		goto fail;
	}
	log_info("msg=listening url=http://%s:%u threads=%d database=%s", host,
	    (unsigned)server_port(srv), cfg->threads,
	    db_kind(db) == DB_SQLITE ? "sqlite" : "postgres");
	wait_for_signal(&set, db, &sig);
	log_info("msg=\"shutting down\" signal=%s",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
	server_stop(srv, SHUTDOWN_GRACE_MS);
	rc = 0;
fail:
	/* After the server: no request reads the set any more. */
	revocations_free(app.revocations);
	committer_free(app.committer);
	auth_gate_free(gate);
	db_close(db);
	svix_secret_cleanup(&secret);
	docs_openapi_cleanup();
	if (rc == 0)
		log_info("msg=stopped");
	return rc;
}

int
cli_serve(int argc, char **argv)
{
	struct serve_opts o;
	struct config     cfg;
	struct db_url     url;
	int               rc;

	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc == -1 ? 0 : rc;
	if (cli_config_load(&cfg, &url) == -1)
		return 1;
	rc = run(&cfg, &url, &o);
	cli_config_cleanup(&cfg, &url);
	return rc;
}
