/*
 * "mysaas clerk sync": backfills organizations, users and memberships from
 * Clerk's Backend API, page by page, through the same rules as webhooks
 * (clerk_sync_apply), so it is idempotent and never overwrites newer data.
 * Shows progress on a terminal and a summary at the end.
 */
#include "cli/cli.h"

#include <jansson.h>
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

struct sync_run {
	const struct config *cfg;
	struct db           *db;
	bool                 tty;
};

/* GET with retries on 429 and 5xx; the page's JSON or NULL. */
static json_t *
get_page(const struct sync_run *s, const char *path)
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
	fprintf(stderr, "mysaas: the Backend API answered %ld to GET %s%s\n",
	    status, path, status == 401 ? " (check CLERK_SECRET_KEY)" : "");
	return NULL;
}

/* Applies each item of list as an event of type; -1 on a database error. */
static int
apply_page(const struct sync_run *s, const char *type, json_t *list,
    struct counts *n)
{
	struct db_conn *c = db_acquire(s->db);
	json_t         *item;
	size_t          i;
	int             rc = -1;

	if (c == NULL || db_begin(c) == -1)
		goto out;
	json_array_foreach(list, i, item)
	{
		struct sync_result res;
		json_t            *event =
		    json_pack("{s:s, s:O}", "type", type, "data", item);

		switch (clerk_sync_apply(c, event, time_now_ms(), &res)) {
		case SYNC_APPLIED:
			n->applied++;
			break;
		case SYNC_IGNORED:
			n->unchanged++;
			break;
		case SYNC_FAILED:
			n->failed++;
			break;
		default:
			json_decref(event);
			fprintf(stderr, "mysaas: %s\n", res.error);
			(void)!db_rollback(c);
			goto out;
		}
		n->seen++;
		json_decref(event);
	}
	rc = db_commit(c);
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
sync_listing(const struct sync_run *s, const char *what, const char *path,
    const char *type, struct counts *n)
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
		if (got > 0 && apply_page(s, type, data, n) == -1) {
			json_decref(body);
			return -1;
		}
		json_decref(body);
		progress(s, what, n, false);
		if (got < PAGE)
			break;
		offset += (long)got;
	}
	progress(s, what, n, true);
	return 0;
}

/* Users come as a bare array; page with the starting_after cursor. */
static int
sync_users(const struct sync_run *s, struct counts *n)
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
		if (got > 0 && apply_page(s, "user.updated", body, n) == -1) {
			json_decref(body);
			return -1;
		}
		id = json_string_value(
		    json_object_get(json_array_get(body, got - 1), "id"));
		if (got > 0 && id != NULL)
			(void)snprintf(last, sizeof(last), "%s", id);
		json_decref(body);
		progress(s, "users", n, false);
		if (got < PAGE || id == NULL)
			break;
	}
	progress(s, "users", n, true);
	return 0;
}

int
cli_clerk_sync(int argc, char **argv)
{
	struct config   cfg;
	struct sync_run s;
	struct counts   orgs = {0}, users = {0}, members = {0};
	int             rc = 1;

	(void)argv;
	if (argc > 0) {
		(void)cli_usage(stderr, "clerk");
		return EXIT_USAGE;
	}
	if (cli_config_load(&cfg) == -1)
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
	if ((s.db = cli_db_open(&cfg, 1)) == NULL)
		goto out;
	if (sync_listing(&s, "organizations", "/v1/organizations",
	        "organization.updated", &orgs) == 0 &&
	    sync_users(&s, &users) == 0 &&
	    sync_listing(&s, "memberships", "/v1/organization_memberships",
	        "organizationMembership.updated", &members) == 0) {
		printf("Synced %ld organizations, %ld users, %ld memberships: "
		       "%ld applied, %ld unchanged, %ld failed.\n",
		    orgs.seen, users.seen, members.seen,
		    orgs.applied + users.applied + members.applied,
		    orgs.unchanged + users.unchanged + members.unchanged,
		    orgs.failed + users.failed + members.failed);
		rc = 0;
	}
	db_close(s.db);
out:
	config_cleanup(&cfg);
	return rc;
}
