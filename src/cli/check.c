/*
 * "mysaas check": is this configuration usable? Checks the database (it
 * answers, the schema is up to date), the Clerk keys (well-formed, and the
 * JWKS reachable with the secret key) and warns about what is merely
 * missing. One line per check; exit 0 only when nothing is broken.
 */
#include "cli/cli.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <string.h>

#include "clerk/backend_api.h"
#include "clerk/pubkey.h"
#include "clerk/svix.h"
#include "db/db.h"
#include "db/migrate.h"

struct tally {
	int errors;
	int warnings;
};

static void
report(struct tally *t, const char *level, const char *what, const char *msg)
{
	if (strcmp(level, "error") == 0)
		t->errors++;
	else if (strcmp(level, "warn") == 0)
		t->warnings++;
	printf("%-5s %-28s %s\n", level, what, msg);
}

static void
check_database(const struct db_url *url, struct tally *t)
{
	struct db      *db = cli_db_open(url, 1);
	struct db_conn *c;
	char            err[512], msg[600];
	int             pending;

	if (db == NULL) {
		report(t, "error", "DATABASE_URL", "cannot be opened");
		return;
	}
	if ((c = db_acquire(db)) == NULL || db_ping(c) == -1) {
		report(t, "error", "DATABASE_URL",
		    "the database does not answer");
	} else {
		db_release(db, c);
		c = NULL;
		pending = migrate_pending(db, err, sizeof(err));
		if (pending == -1) {
			report(t, "error", "DATABASE_URL", err);
		} else if (pending > 0) {
			(void)snprintf(msg, sizeof(msg),
			    "%d migration(s) pending: run mysaas migrate",
			    pending);
			report(t, "error", "DATABASE_URL", msg);
		} else {
			(void)snprintf(msg, sizeof(msg),
			    "%s, schema up to date", url->display);
			report(t, "ok", "DATABASE_URL", msg);
		}
	}
	if (c != NULL)
		db_release(db, c);
	db_close(db);
}

static void
check_jwks(const struct config *cfg, struct tally *t)
{
	json_t *body = NULL;
	long    status = 0;
	char    msg[300];

	if (clerk_api_get(cfg->clerk_api_url, cfg->clerk_secret_key, "/v1/jwks",
	        &status, &body) == -1) {
		(void)snprintf(msg, sizeof(msg), "%s is not reachable",
		    cfg->clerk_api_url);
		report(t, "error", "CLERK_SECRET_KEY", msg);
	} else if (status != 200 ||
	    json_array_size(json_object_get(body, "keys")) == 0) {
		(void)snprintf(msg, sizeof(msg),
		    "the JWKS request answered %ld%s", status,
		    status == 401 ? " (wrong secret key?)" : "");
		report(t, "error", "CLERK_SECRET_KEY", msg);
	} else {
		report(t, "ok", "CLERK_SECRET_KEY",
		    "JWKS reachable: session tokens can be verified");
	}
	json_decref(body);
}

static void
check_clerk(const struct config *cfg, struct tally *t)
{
	struct svix_secret s;
	char               host[256];

	if (cfg->clerk_publishable_key == NULL)
		report(t, "warn", "CLERK_PUBLISHABLE_KEY",
		    "not set: pages show a notice instead of sign-in");
	else if (clerk_frontend_api_host(cfg->clerk_publishable_key, host,
	             sizeof(host)) == -1)
		report(t, "error", "CLERK_PUBLISHABLE_KEY",
		    "not a Clerk publishable key");
	else
		report(t, "ok", "CLERK_PUBLISHABLE_KEY", host);
	if (cfg->clerk_webhook_signing_secret == NULL)
		report(t, "warn", "CLERK_WEBHOOK_SIGNING_SECRET",
		    "not set: the webhook endpoint answers 503");
	else if (svix_secret_parse(cfg->clerk_webhook_signing_secret, &s) == -1)
		report(t, "error", "CLERK_WEBHOOK_SIGNING_SECRET",
		    "expected whsec_ followed by base64");
	else
		report(t, "ok", "CLERK_WEBHOOK_SIGNING_SECRET", "well-formed");
	svix_secret_cleanup(&s);
	if (cfg->clerk_jwt_key != NULL) {
		EVP_PKEY *k = clerk_pubkey_from_config(cfg->clerk_jwt_key);

		if (k == NULL)
			report(t, "error", "CLERK_JWT_KEY",
			    "not an RSA public key in PEM");
		else
			report(t, "ok", "CLERK_JWT_KEY",
			    "tokens are verified with no network");
		EVP_PKEY_free(k);
	} else if (cfg->clerk_secret_key != NULL) {
		check_jwks(cfg, t);
	} else {
		report(t, "warn", "CLERK_SECRET_KEY",
		    "neither it nor CLERK_JWT_KEY is set: the API answers 401");
	}
	if (cfg->clerk_authorized_parties == NULL)
		report(t, "warn", "CLERK_AUTHORIZED_PARTIES",
		    "not set: the azp claim of tokens is not checked");
	else
		report(t, "ok", "CLERK_AUTHORIZED_PARTIES",
		    cfg->clerk_authorized_parties);
}

int
cli_check(int argc, char **argv)
{
	struct config cfg;
	struct db_url url;
	struct tally  t = {0, 0};

	if (argc > 0) {
		if (strcmp(argv[0], "-h") == 0 ||
		    strcmp(argv[0], "--help") == 0) {
			(void)cli_usage(stdout, "check");
			return 0;
		}
		(void)fprintf(stderr, "mysaas check: unknown argument \"%s\"\n",
		    argv[0]);
		(void)cli_usage(stderr, "check");
		return EXIT_USAGE;
	}
	if (cli_config_load(&cfg, &url) == -1)
		return 1;
	report(&t, "ok", "configuration", "environment and .env are valid");
	check_database(&url, &t);
	check_clerk(&cfg, &t);
	printf("%d error(s), %d warning(s)\n", t.errors, t.warnings);
	cli_config_cleanup(&cfg, &url);
	return t.errors == 0 ? 0 : 1;
}
