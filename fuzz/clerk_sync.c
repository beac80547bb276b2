/*
 * Webhook payloads applied to the mirror (src/accounts/clerk_sync.c
 * through clerk_delivery.c, as the receiver applies them) in an in-memory
 * SQLite database migrated at start. Each input is one event, or a JSON
 * array of up to 8 events applied in order (so that one input can create,
 * update and delete); everything runs in one transaction rolled back at
 * the end, which puts the database back as it was for the next input.
 * Events take the svix ids msg_0, msg_1 and msg_2 in turn, so ids repeat.
 * Properties (DESIGN.md 5):
 * - no event makes a database error: a payload that cannot be applied
 *   must be answered 422 (failed), never 503 (retried for a day);
 * - an event refused as failed has written nothing to the mirror;
 * - an event that is delivered again is a duplicate.
 */
#include "accounts/clerk_delivery.h"

#include <jansson.h>

#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"
#include "fuzz.h"

#define NOW_MS  1700000000000LL
#define MAX_EVS 8

static struct db      *db;
static struct db_conn *conn;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char   path[] = ":memory:";
	struct db_url url = {DB_SQLITE, path, NULL, path};
	char          err[256] = "";
	int           applied = 0;

	(void)argc;
	(void)argv;
	log_setup(LOG_ERROR, LOG_TEXT);
	/* One connection: each connection to ":memory:" is its own database. */
	if ((db = db_open(&url, 1, err, sizeof(err))) == NULL ||
	    migrate_apply(db, &applied, err, sizeof(err)) == -1 ||
	    (conn = db_acquire(db)) == NULL) {
		(void)fprintf(stderr, "cannot set up the database: %s\n", err);
		abort();
	}
	return 0;
}

/* Rows changed on the connection so far (SQLite's total_changes()). */
static int64_t
changes(void)
{
	int64_t n = 0;

	FUZZ_CHECK(db_query_int(conn, "SELECT total_changes()", NULL, 0, &n,
	               NULL) == 1);
	return n;
}

/* The receiver's envelope check (api/webhook.c parse_event). */
static bool
is_envelope(const json_t *ev)
{
	return json_is_object(ev) &&
	    json_is_string(json_object_get(ev, "type")) &&
	    json_is_object(json_object_get(ev, "data"));
}

static void
fail_db(const char *what)
{
	(void)fprintf(stderr, "%s: database error: %s\n", what,
	    db_errmsg(conn));
	abort();
}

/* The rules alone, then the delivery as the receiver records it. */
static void
apply_one(json_t *ev, size_t i)
{
	static const char *const ids[] = {"msg_0", "msg_1", "msg_2"};
	struct sync_result       res;
	struct delivery          d;
	enum sync_outcome        o;
	int64_t                  before;
	char                    *payload;

	/* The receiver passes on nothing else (its parse_event). */
	if (!is_envelope(ev))
		return;
	before = changes();
	o = clerk_sync_apply(conn, ev, NOW_MS, &res);
	if (o == SYNC_DB_ERROR)
		fail_db(res.error);
	if (o == SYNC_FAILED) {
		FUZZ_CHECK(res.error[0] != '\0');
		FUZZ_CHECK(changes() == before);
	}
	payload = json_dumps(ev, JSON_COMPACT);
	FUZZ_CHECK(payload != NULL);
	memset(&d, 0, sizeof(d));
	d.svix_id = ids[i % ARRAY_LEN(ids)];
	d.type = json_string_value(json_object_get(ev, "type"));
	d.payload = payload;
	d.payload_len = strlen(payload);
	d.event = ev;
	d.received_ms = NOW_MS + (int64_t)i;
	if (clerk_delivery_process(conn, &d) == -1)
		fail_db(d.error);
	if (d.outcome == DELIVERY_FAILED)
		FUZZ_CHECK(d.error[0] != '\0');
	/* Once more, as Svix's redelivery: nothing is applied twice. */
	if (d.outcome != DELIVERY_FAILED) {
		if (clerk_delivery_process(conn, &d) == -1)
			fail_db(d.error);
		FUZZ_CHECK(d.outcome == DELIVERY_DUPLICATE);
	}
	free(payload);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	size_t  i;

	if (root == NULL)
		return 0;
	FUZZ_CHECK(db_begin(conn) == 0);
	if (json_is_array(root)) {
		for (i = 0; i < json_array_size(root) && i < MAX_EVS; i++)
			apply_one(json_array_get(root, i), i);
	} else {
		apply_one(root, 0);
	}
	FUZZ_CHECK(db_rollback(conn) == 0);
	json_decref(root);
	return 0;
}
