/*
 * "mysaas clerk sync": backfills the role and permission catalog, then
 * organizations, users and memberships, then the organizations'
 * invitations and domains from Clerk's Backend API, page by page (500
 * items, Clerk's largest page), through the same rules as webhooks
 * (clerk_sync_apply), so it is idempotent and never overwrites newer data.
 * A page that Clerk refuses for now (429, 5xx) or that gets no answer is
 * asked for again after Clerk's Retry-After, else after a doubling wait,
 * a bounded number of times; one policy for every kind. Shows progress on
 * a terminal and a summary at the end.
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

#define PAGE         500 /* Clerk's largest limit (reference/clerk.md 7) */
#define MAX_PAGES    100000
#define MAX_ATTEMPTS 5  /* per page */
#define FIRST_WAIT_S 1  /* without Retry-After: 1, 2, 4, 8 s */
#define MAX_WAIT_S   60 /* a longer Retry-After is cut to this */

/* One kind of object: how it is listed, applied and recorded. */
struct kind {
	const char *what;        /* progress and summary label */
	const char *path;        /* its list; NULL: users, by cursor */
	const char *event_type;  /* each item is applied as this event */
	const char *object_type; /* clerk_sync_changes.object_type */
};

/* In the order of enum sync_kind, which is the order of the run. */
static const struct kind kinds[SYNC_KINDS] = {
    [SYNC_PERMISSIONS] = {"permissions", "/v1/organization_permissions",
        "permission.updated", "users.permission"},
    [SYNC_ROLES] = {"roles", "/v1/organization_roles", "role.updated",
        "users.role"},
    [SYNC_ORGANIZATIONS] = {"organizations", "/v1/organizations",
        "organization.updated", "users.organization"},
    [SYNC_USERS] = {"users", NULL, "user.updated", "users.user"},
    [SYNC_MEMBERSHIPS] = {"memberships", "/v1/organization_memberships",
        "organizationMembership.updated", "users.organizationmembership"},
    /* Any status: the payload's own status is stored. */
    [SYNC_INVITATIONS] = {"invitations", "/v1/organization_invitations",
        "organizationInvitation.created", "users.organizationinvitation"},
    [SYNC_DOMAINS] = {"domains", "/v1/organization_domains",
        "organizationDomain.updated", "users.organizationdomain"},
};

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

/* Whether a GET that got status (0: no answer) may succeed later. */
static bool
is_transient(long status)
{
	return status == 0 || status == 429 || status >= 500;
}

/* Seconds to wait before attempt + 1: Clerk's Retry-After when it sent
 * one, else a wait that doubles with each attempt. */
static unsigned
retry_wait(const struct clerk_api_answer *a, int attempt)
{
	if (a->retry_after >= 0)
		return a->retry_after < MAX_WAIT_S ? (unsigned)a->retry_after
		                                   : MAX_WAIT_S;
	return FIRST_WAIT_S << (attempt - 1);
}

/* GET with retries on 429, 5xx and no answer; the page's JSON or NULL. */
static json_t *
get_page(struct sync_run *s, const char *path)
{
	struct clerk_api_answer a = {0};
	json_t                 *body = NULL;
	long                    status = 0;
	int                     attempt;

	for (attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
		unsigned wait;

		/* No answer leaves a.status 0, which is retried. */
		(void)!clerk_api_call("GET", s->cfg->clerk_api_url,
		    s->cfg->clerk_secret_key, path, NULL, &a);
		status = a.status;
		if (status == 200 && a.json != NULL) {
			body = a.json;
			a.json = NULL;
		}
		wait = retry_wait(&a, attempt);
		clerk_api_answer_cleanup(&a);
		if (body != NULL || !is_transient(status) ||
		    attempt == MAX_ATTEMPTS)
			break;
		/* NOLINTNEXTLINE(concurrency-mt-unsafe): a one-thread CLI */
		(void)sleep(wait); /* rate limited or unavailable: back off */
	}
	if (body == NULL && status == 0)
		run_error(s, "the Backend API did not answer GET %s", path);
	else if (body == NULL)
		run_error(s, "the Backend API answered %ld to GET %s%s%s",
		    status, path, status == 200 ? " (not JSON)" : "",
		    status == 401 ? " (check CLERK_SECRET_KEY)" : "");
	return body;
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

/* Pages through a {"data": [...], "total_count"} listing by offset, to
 * the first page shorter than PAGE. */
static int
sync_listing(struct sync_run *s, const struct kind *k,
    struct sync_run_counts *n)
{
	long offset = 0, pages;

	for (pages = 0; pages < MAX_PAGES; pages++) {
		char    path_q[256];
		json_t *body, *data;
		size_t  got;

		(void)snprintf(path_q, sizeof(path_q), "%s?limit=%d&offset=%ld",
		    k->path, PAGE, offset);
		if ((body = get_page(s, path_q)) == NULL)
			return -1;
		if (!json_is_array(data = json_object_get(body, "data"))) {
			run_error(s,
			    "the Backend API answered GET %s without a data "
			    "list",
			    path_q);
			json_decref(body);
			return -1;
		}
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
		if (!json_is_array(body)) {
			run_error(s,
			    "the Backend API answered GET %s with no list",
			    path);
			json_decref(body);
			return -1;
		}
		got = json_array_size(body);
		if (got > 0 &&
		    apply_page(s, &kinds[SYNC_USERS], body, n) == -1) {
			json_decref(body);
			return -1;
		}
		id = json_string_value(
		    json_object_get(json_array_get(body, got - 1), "id"));
		if (got > 0 && id != NULL)
			(void)snprintf(last, sizeof(last), "%s", id);
		json_decref(body);
		progress(s, kinds[SYNC_USERS].what, n, false);
		if (got < PAGE || id == NULL)
			break;
	}
	progress(s, kinds[SYNC_USERS].what, n, true);
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

/* Reads every kind in turn; stops at the first that fails. */
static bool
sync_all(struct sync_run *s, struct sync_run_result *res)
{
	size_t k;

	for (k = 0; k < SYNC_KINDS; k++) {
		int rc = kinds[k].path != NULL
		    ? sync_listing(s, &kinds[k], &res->n[k])
		    : sync_users(s, &res->n[k]);

		if (rc == -1)
			return false;
	}
	return true;
}

/* "Synced 3 permissions, ..., 1 domains: 9 applied, 0 unchanged, 0
 * failed (sync run 4)." on stdout. */
static void
summary(const struct sync_run *s, const struct sync_run_result *res)
{
	struct sync_run_counts all = {0};
	size_t                 k;

	(void)fputs("Synced", stdout);
	for (k = 0; k < SYNC_KINDS; k++) {
		(void)printf("%s %lld %s", k > 0 ? "," : "",
		    (long long)res->n[k].seen, kinds[k].what);
		all.applied += res->n[k].applied;
		all.unchanged += res->n[k].unchanged;
		all.failed += res->n[k].failed;
	}
	(void)printf(": %lld applied, %lld unchanged, %lld failed (sync run "
	             "%lld).\n",
	    (long long)all.applied, (long long)all.unchanged,
	    (long long)all.failed, (long long)s->run_id);
}

int
cli_clerk_sync(int argc, char **argv)
{
	struct config          cfg;
	struct db_url          url;
	struct sync_run        s = {0};
	struct sync_run_result res = {0};
	int                    rc = 1;

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
	res.ok = sync_all(&s, &res);
	if (run_finish(&s, &res) == 0 && res.ok) {
		summary(&s, &res);
		rc = 0;
	}
	db_close(s.db);
out:
	cli_config_cleanup(&cfg, &url);
	return rc;
}
