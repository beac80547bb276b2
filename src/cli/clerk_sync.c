/*
 * "mysaas clerk sync": backfills organizations, users and memberships from
 * Clerk's Backend API, page by page, through the same rules as webhooks
 * (clerk_sync_apply), so it is idempotent and never overwrites newer data.
 * Shows progress on a terminal and a summary at the end.
 *
 * Each run is recorded in clerk_sync_runs: inserted 'running' before the
 * first request, set to 'completed' or 'failed' with its counts at the end.
 * A run that is interrupted (killed, crashed, or that lost its database)
 * stays 'running'. Every object whose apply really changed the mirror gets
 * a clerk_sync_changes row in the transaction of that change, so the row
 * exists exactly when the change was committed; an item already mirrored
 * as it is (sync_result.changed false) or older than the mirror counts as
 * unchanged and gets none, so a second run with nothing new records no
 * change. Objects that an item creates as a side effect (the stub user or
 * organization of a membership that arrives first, the email taken from
 * another user) are not recorded separately.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accounts/clerk_sync.h"
#include "accounts/sync_runs.h"
#include "clerk/backend_api.h"
#include "core/timeutil.h"
#include "db/db.h"

#define PAGE         100
#define MAX_PAGES    100000
#define MAX_RETRIES  5
#define RETRY_WAIT_S 2

/* One kind of object: how it is listed, applied and recorded. */
struct kind {
	const char *what;        /* progress and summary label */
	const char *event_type;  /* each item is applied as this event */
	const char *object_type; /* clerk_sync_changes.object_type */
};

static const struct kind kind_orgs = {"organizations", "organization.updated",
    "users.organization"};
static const struct kind kind_users = {"users", "user.updated", "users.user"};
static const struct kind kind_members = {"memberships",
    "organizationMembership.updated", "users.organizationmembership"};

struct sync_run {
	const struct config *cfg;
	struct db           *db;
	bool                 tty;
	int64_t              run_id;     /* clerk_sync_runs.id */
	char                 error[512]; /* why the run failed; "" */
};

/* Prints why the run fails (stderr) and keeps it for the run's row. */
static void run_error(struct sync_run *s, const char *fmt, ...)
    PRINTF_LIKE(2, 3);

static void
run_error(struct sync_run *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "mysaas: %s\n", s->error);
}

/* GET with retries on 429 and 5xx; the page's JSON or NULL. */
static json_t *
get_page(struct sync_run *s, const char *path)
{
	json_t *body = NULL;
	long    status = 0;
	int     i;

	for (i = 0; i < MAX_RETRIES; i++) {
		if (clerk_api_get(s->cfg->clerk_api_url,
		        s->cfg->clerk_secret_key, path, &status, &body) == 0 &&
		    status == 200)
			return body;
		json_decref(body);
		body = NULL;
		if (status != 429 && status < 500 && status != 0)
			break;
		/* NOLINTNEXTLINE(concurrency-mt-unsafe): a one-thread CLI */
		sleep(RETRY_WAIT_S); /* rate limited or unavailable: back off */
	}
	run_error(s, "the Backend API answered %ld to GET %s%s", status, path,
	    status == 401 ? " (check CLERK_SECRET_KEY)" : "");
	return NULL;
}

/* Records that item (of kind k) was changed by this run, on c. */
static int
record_change(const struct sync_run *s, struct db_conn *c, const struct kind *k,
    const json_t *item)
{
	const char *id = json_string_value(json_object_get(item, "id"));

	/* An applied item always has a string id (the rules check it). */
	if (id == NULL)
		return 0;
	return sync_change_record(c, s->run_id, k->object_type, id);
}

/* Applies one item on c, inside the page's transaction; -1 on a database
 * error (the caller rolls back). */
static int
apply_item(struct sync_run *s, struct db_conn *c, const struct kind *k,
    json_t *item, struct sync_run_counts *n)
{
	struct sync_result res;
	json_t            *event =
	    json_pack("{s:s, s:O}", "type", k->event_type, "data", item);
	int rc = 0;

	switch (clerk_sync_apply(c, event, time_now_ms(), &res)) {
	case SYNC_APPLIED:
		if (!res.changed) {
			n->unchanged++;
		} else if (record_change(s, c, k, item) == 0) {
			n->applied++;
		} else {
			run_error(s, "database: %s", db_errmsg(c));
			rc = -1;
		}
		break;
	case SYNC_IGNORED:
		n->unchanged++;
		break;
	case SYNC_FAILED:
		n->failed++;
		break;
	default:
		run_error(s, "%s", res.error);
		rc = -1;
		break;
	}
	n->seen++;
	json_decref(event);
	return rc;
}

/*
 * Applies each item of list in one transaction, with the change rows;
 * the counts are added to n once it is committed. -1 on a database error.
 */
static int
apply_page(struct sync_run *s, const struct kind *k, json_t *list,
    struct sync_run_counts *n)
{
	struct db_conn        *c = db_acquire(s->db);
	struct sync_run_counts got = {0};
	json_t                *item;
	size_t                 i;
	int                    rc = -1;

	if (c == NULL || db_begin(c) == -1) {
		run_error(s, "database: %s",
		    c != NULL ? db_errmsg(c) : "no connection");
		goto out;
	}
	json_array_foreach(list, i, item)
	{
		if (apply_item(s, c, k, item, &got) == -1) {
			(void)!db_rollback(c);
			goto out;
		}
	}
	if (db_commit(c) == -1) {
		run_error(s, "database: %s", db_errmsg(c));
		goto out;
	}
	n->seen += got.seen;
	n->applied += got.applied;
	n->unchanged += got.unchanged;
	n->failed += got.failed;
	rc = 0;
out:
	if (c != NULL)
		db_release(s->db, c);
	return rc;
}

static void
progress(const struct sync_run *s, const char *what,
    const struct sync_run_counts *n, bool done)
{
	if (s->tty)
		(void)fprintf(stdout, "\r%-13s %7lld synced%s", what,
		    (long long)n->seen, done ? "\n" : "");
	else if (done)
		(void)fprintf(stdout, "%-13s %7lld synced\n", what,
		    (long long)n->seen);
	(void)fflush(stdout);
}

/* Pages through a {"data": [...], "total_count"} listing by offset. */
static int
sync_listing(struct sync_run *s, const struct kind *k, const char *path,
    struct sync_run_counts *n)
{
	long offset = 0, pages;

	for (pages = 0; pages < MAX_PAGES; pages++) {
		char    path_q[256];
		json_t *body, *data;
		size_t  got;

		(void)snprintf(path_q, sizeof(path_q), "%s?limit=%d&offset=%ld",
		    path, PAGE, offset);
		if ((body = get_page(s, path_q)) == NULL)
			return -1;
		data = json_object_get(body, "data");
		got = json_array_size(data);
		if (got > 0 && apply_page(s, k, data, n) == -1) {
			json_decref(body);
			return -1;
		}
		json_decref(body);
		progress(s, k->what, n, false);
		if (got < PAGE)
			break;
		offset += (long)got;
	}
	progress(s, k->what, n, true);
	return 0;
}

/* Users come as a bare array; page with the starting_after cursor. */
static int
sync_users(struct sync_run *s, struct sync_run_counts *n)
{
	char last[128] = "";
	long pages;

	for (pages = 0; pages < MAX_PAGES; pages++) {
		char        path[256];
		json_t     *body;
		const char *id;
		size_t      got;

		(void)snprintf(path, sizeof(path),
		    "/v1/users?limit=%d&order_by=-created_at%s%s", PAGE,
		    last[0] != '\0' ? "&starting_after=" : "", last);
		if ((body = get_page(s, path)) == NULL)
			return -1;
		got = json_array_size(body);
		if (got > 0 && apply_page(s, &kind_users, body, n) == -1) {
			json_decref(body);
			return -1;
		}
		id = json_string_value(
		    json_object_get(json_array_get(body, got - 1), "id"));
		if (got > 0 && id != NULL)
			(void)snprintf(last, sizeof(last), "%s", id);
		json_decref(body);
		progress(s, kind_users.what, n, false);
		if (got < PAGE || id == NULL)
			break;
	}
	progress(s, kind_users.what, n, true);
	return 0;
}

/* Inserts the run's row ('running'); s->run_id gets its id. */
static int
run_start(struct sync_run *s)
{
	struct db_conn *c = db_acquire(s->db);
	int             rc = -1;

	if (c == NULL || db_begin(c) == -1)
		goto out;
	if (sync_run_start(c, &s->run_id) == -1)
		goto out;
	rc = db_commit(c);
out:
	if (rc == -1)
		(void)fprintf(stderr,
		    "mysaas: cannot record the sync run (has \"mysaas "
		    "migrate\" run?): %s\n",
		    c != NULL ? db_errmsg(c) : "no database connection");
	if (c != NULL)
		db_release(s->db, c);
	return rc;
}

/* Sets the run's status, end time, counts and error (res->error is
 * s->error). */
static int
run_finish(struct sync_run *s, struct sync_run_result *res)
{
	struct db_conn *c = db_acquire(s->db);
	int             rc;

	res->error = s->error;
	rc = c != NULL ? sync_run_finish(c, s->run_id, res) : -1;
	if (rc == -1)
		(void)fprintf(stderr,
		    "mysaas: cannot record the end of sync run %lld, which "
		    "stays 'running': %s\n",
		    (long long)s->run_id,
		    c != NULL ? db_errmsg(c) : "no database connection");
	if (c != NULL)
		db_release(s->db, c);
	return rc;
}

int
cli_clerk_sync(int argc, char **argv)
{
	struct config           cfg;
	struct db_url           url;
	struct sync_run         s = {0};
	struct sync_run_result  res = {0};
	struct sync_run_counts *orgs = &res.orgs, *users = &res.users;
	struct sync_run_counts *members = &res.members;
	int                     rc = 1;

	(void)argv;
	if (argc > 0) {
		(void)cli_usage(stderr, "clerk");
		return EXIT_USAGE;
	}
	if (cli_config_load(&cfg, &url) == -1)
		return 1;
	if (cfg.clerk_secret_key == NULL) {
		(void)fprintf(stderr,
		    "mysaas: CLERK_SECRET_KEY: set it to read from "
		    "Clerk's Backend API (Clerk dashboard, API "
		    "keys)\n");
		goto out;
	}
	s.cfg = &cfg;
	s.tty = isatty(STDOUT_FILENO) == 1;
	if ((s.db = cli_db_open(&url, 1)) == NULL)
		goto out;
	if (run_start(&s) == -1) {
		db_close(s.db);
		goto out;
	}
	res.ok = sync_listing(&s, &kind_orgs, "/v1/organizations", orgs) == 0 &&
	    sync_users(&s, users) == 0 &&
	    sync_listing(&s, &kind_members, "/v1/organization_memberships",
	        members) == 0;
	if (run_finish(&s, &res) == 0 && res.ok) {
		printf("Synced %lld organizations, %lld users, %lld "
		       "memberships: %lld applied, %lld unchanged, %lld failed "
		       "(sync run %lld).\n",
		    (long long)orgs->seen, (long long)users->seen,
		    (long long)members->seen,
		    /* The cast is for %lld, not to widen. */
		    /* NOLINTNEXTLINE(bugprone-misplaced-widening-cast) */
		    (long long)(orgs->applied + users->applied +
		        members->applied),
		    (long long)(orgs->unchanged + users->unchanged +
		        members->unchanged),
		    (long long)(orgs->failed + users->failed + members->failed),
		    (long long)s.run_id);
		rc = 0;
	}
	db_close(s.db);
out:
	cli_config_cleanup(&cfg, &url);
	return rc;
}
