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
#include "clerk/backend_api.h"
#include "core/timeutil.h"
#include "db/db.h"

#define PAGE         100
#define MAX_PAGES    100000
#define MAX_RETRIES  5
#define RETRY_WAIT_S 2

struct counts {
	long seen;
	long applied;
	long unchanged;
	long failed;
};

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
	fprintf(stderr, "mysaas: %s\n", s->error);
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
	static const char *const sql =
	    "INSERT INTO clerk_sync_changes (run_id, object_type, clerk_id, "
	    "created_at) VALUES ($1, $2, $3, $4)";
	const char *id = json_string_value(json_object_get(item, "id"));
	char        now[ISO_TIME_SIZE];

	/* An applied item always has a string id (the rules check it). */
	if (id == NULL)
		return 0;
	time_iso_from_ms(time_now_ms(), now);
	struct db_param p[] = {DB_INT(s->run_id), DB_TEXT(k->object_type),
	    DB_TEXT(id), DB_TEXT(now)};

	return db_exec(c, sql, p, ARRAY_LEN(p), NULL);
}

/* Applies one item on c, inside the page's transaction; -1 on a database
 * error (the caller rolls back). */
static int
apply_item(struct sync_run *s, struct db_conn *c, const struct kind *k,
    json_t *item, struct counts *n)
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
    struct counts *n)
{
	struct db_conn *c = db_acquire(s->db);
	struct counts   got = {0};
	json_t         *item;
	size_t          i;
	int             rc = -1;

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
progress(const struct sync_run *s, const char *what, const struct counts *n,
    bool done)
{
	if (s->tty)
		fprintf(stdout, "\r%-13s %7ld synced%s", what, n->seen,
		    done ? "\n" : "");
	else if (done)
		fprintf(stdout, "%-13s %7ld synced\n", what, n->seen);
	fflush(stdout);
}

/* Pages through a {"data": [...], "total_count"} listing by offset. */
static int
sync_listing(struct sync_run *s, const struct kind *k, const char *path,
    struct counts *n)
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
sync_users(struct sync_run *s, struct counts *n)
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
	static const char *const sql =
	    "INSERT INTO clerk_sync_runs (status, started_at) "
	    "VALUES ('running', $1) RETURNING id";
	struct db_conn *c = db_acquire(s->db);
	struct db_rows *rows = NULL;
	char            now[ISO_TIME_SIZE];
	int             rc = -1;

	time_iso_from_ms(time_now_ms(), now);
	struct db_param p[] = {DB_TEXT(now)};

	if (c == NULL || db_begin(c) == -1)
		goto out;
	if ((rows = db_query(c, sql, p, ARRAY_LEN(p))) == NULL ||
	    db_rows_next(rows) != 1)
		goto out;
	s->run_id = db_col_int(rows, 0);
	db_rows_free(rows);
	rows = NULL;
	rc = db_commit(c);
out:
	if (rc == -1)
		fprintf(stderr,
		    "mysaas: cannot record the sync run (has \"mysaas "
		    "migrate\" run?): %s\n",
		    c != NULL ? db_errmsg(c) : "no database connection");
	db_rows_free(rows);
	if (c != NULL)
		db_release(s->db, c);
	return rc;
}

/* Sets the run's status, end time, counts and error. */
static int
run_finish(struct sync_run *s, bool ok, const struct counts *orgs,
    const struct counts *users, const struct counts *members)
{
	static const char *const sql =
	    "UPDATE clerk_sync_runs SET status = $2, finished_at = $3, "
	    "error = $4, organizations_seen = $5, organizations_applied = $6, "
	    "organizations_unchanged = $7, organizations_failed = $8, "
	    "users_seen = $9, users_applied = $10, users_unchanged = $11, "
	    "users_failed = $12, memberships_seen = $13, "
	    "memberships_applied = $14, memberships_unchanged = $15, "
	    "memberships_failed = $16 WHERE id = $1";
	struct db_conn *c = db_acquire(s->db);
	char            now[ISO_TIME_SIZE];
	int             rc;

	time_iso_from_ms(time_now_ms(), now);
	struct db_param p[] = {DB_INT(s->run_id),
	    DB_TEXT(ok ? "completed" : "failed"), DB_TEXT(now),
	    s->error[0] != '\0' ? DB_TEXT(s->error) : DB_NULLP,
	    DB_INT(orgs->seen), DB_INT(orgs->applied), DB_INT(orgs->unchanged),
	    DB_INT(orgs->failed), DB_INT(users->seen), DB_INT(users->applied),
	    DB_INT(users->unchanged), DB_INT(users->failed),
	    DB_INT(members->seen), DB_INT(members->applied),
	    DB_INT(members->unchanged), DB_INT(members->failed)};

	rc = c != NULL ? db_exec(c, sql, p, ARRAY_LEN(p), NULL) : -1;
	if (rc == -1)
		fprintf(stderr,
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
	struct config   cfg;
	struct db_url   url;
	struct sync_run s = {0};
	struct counts   orgs = {0}, users = {0}, members = {0};
	bool            ok;
	int             rc = 1;

	(void)argv;
	if (argc > 0) {
		(void)cli_usage(stderr, "clerk");
		return EXIT_USAGE;
	}
	if (cli_config_load(&cfg, &url) == -1)
		return 1;
	if (cfg.clerk_secret_key == NULL) {
		fprintf(stderr,
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
	ok = sync_listing(&s, &kind_orgs, "/v1/organizations", &orgs) == 0 &&
	    sync_users(&s, &users) == 0 &&
	    sync_listing(&s, &kind_members, "/v1/organization_memberships",
	        &members) == 0;
	if (run_finish(&s, ok, &orgs, &users, &members) == 0 && ok) {
		printf("Synced %ld organizations, %ld users, %ld memberships: "
		       "%ld applied, %ld unchanged, %ld failed (sync run "
		       "%lld).\n",
		    orgs.seen, users.seen, members.seen,
		    orgs.applied + users.applied + members.applied,
		    orgs.unchanged + users.unchanged + members.unchanged,
		    orgs.failed + users.failed + members.failed,
		    (long long)s.run_id);
		rc = 0;
	}
	db_close(s.db);
out:
	cli_config_cleanup(&cfg, &url);
	return rc;
}
