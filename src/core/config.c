/*
 * Configuration loading. Runs once in main() before any thread starts.
 * Every variable of the design's configuration table is read here and
 * nowhere else; a bad value is refused with a line that names it.
 */
#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dotenv.h"
#include "core/str.h"

#define MAX_THREADS 1024
/*
 * Open connections: the descriptor limit decides by default
 * (server_start); a configured figure may only lower it. The ceiling
 * keeps the per-descriptor tables of the server sensible.
 */
#define MIN_CONNECTIONS      16
#define MAX_CONNECTIONS      1000000
#define DEFAULT_CONNS_PER_IP 256

/* Variables this program knows; unknown MYSAAS_* names are typos. */
static const char *const known_mysaas_vars[] = {
    "MYSAAS_THREADS",
    "MYSAAS_TRUST_PROXY",
    "MYSAAS_MAX_CONNECTIONS",
    "MYSAAS_MAX_CONNS_PER_IP",
    "MYSAAS_METRICS_TOKEN",
    "MYSAAS_SUPERUSER_PASSWORD",
};

static char *
dup_or_null(const char *s)
{
	return (s != NULL && *s != '\0') ? xstrdup(s) : NULL;
}

int
config_port_parse(const char *s, int *port)
{
	int64_t v;

	if (str_to_i64(str_from_cstr(s), 1, 65535, &v) == -1 || s[0] == '+')
		return -1;
	*port = (int)v;
	return 0;
}

static int
parse_bool(const char *s, bool *out)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0 ||
	    strcmp(s, "yes") == 0 || strcmp(s, "on") == 0)
		*out = true;
	else if (strcmp(s, "0") == 0 || strcmp(s, "false") == 0 ||
	    strcmp(s, "no") == 0 || strcmp(s, "off") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

static int
default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > MAX_THREADS / 2)
		n = MAX_THREADS / 2;
	return (int)(2 * n);
}

static const char *
get(config_lookup_fn lookup, void *ctx, const char *name)
{
	const char *v = lookup(name, ctx);

	return (v != NULL && *v != '\0') ? v : NULL;
}

static int
parse_connections(struct config *cfg, config_lookup_fn lookup, void *ctx,
    char *err, size_t errlen)
{
	const char *v;
	int64_t     n;

	cfg->max_connections = 0;
	if ((v = get(lookup, ctx, "MYSAAS_MAX_CONNECTIONS")) != NULL) {
		if (str_to_i64(str_from_cstr(v), MIN_CONNECTIONS,
		        MAX_CONNECTIONS, &n) == -1) {
			(void)snprintf(err, errlen,
			    "MYSAAS_MAX_CONNECTIONS: expected a whole number "
			    "from %d to %d, got \"%.40s\"",
			    MIN_CONNECTIONS, MAX_CONNECTIONS, v);
			return -1;
		}
		cfg->max_connections = (int)n;
	}
	cfg->max_conns_per_ip = DEFAULT_CONNS_PER_IP;
	if ((v = get(lookup, ctx, "MYSAAS_MAX_CONNS_PER_IP")) != NULL) {
		if (str_to_i64(str_from_cstr(v), 0, MAX_CONNECTIONS, &n) ==
		    -1) {
			(void)snprintf(err, errlen,
			    "MYSAAS_MAX_CONNS_PER_IP: expected a whole number "
			    "from 0 (no cap) to %d, got \"%.40s\"",
			    MAX_CONNECTIONS, v);
			return -1;
		}
		cfg->max_conns_per_ip = (int)n;
	}
	return 0;
}

static int
parse_network(struct config *cfg, config_lookup_fn lookup, void *ctx, char *err,
    size_t errlen)
{
	const char *v;
	int64_t     n;

	cfg->host = xstrdup((v = get(lookup, ctx, "HOST")) ? v : "127.0.0.1");
	cfg->port = 8000;
	if ((v = get(lookup, ctx, "PORT")) != NULL &&
	    config_port_parse(v, &cfg->port) == -1) {
		(void)snprintf(err, errlen,
		    "PORT: expected a TCP port number from 1 to 65535, "
		    "got \"%.40s\"",
		    v);
		return -1;
	}
	cfg->threads = default_threads();
	if ((v = get(lookup, ctx, "MYSAAS_THREADS")) != NULL) {
		if (str_to_i64(str_from_cstr(v), 1, MAX_THREADS, &n) == -1) {
			(void)snprintf(err, errlen,
			    "MYSAAS_THREADS: expected a whole number from 1 "
			    "to %d, got \"%.40s\"",
			    MAX_THREADS, v);
			return -1;
		}
		cfg->threads = (int)n;
	}
	if ((v = get(lookup, ctx, "MYSAAS_TRUST_PROXY")) != NULL &&
	    parse_bool(v, &cfg->trust_proxy) == -1) {
		(void)snprintf(err, errlen,
		    "MYSAAS_TRUST_PROXY: expected 0 or 1, got \"%.40s\"", v);
		return -1;
	}
	return parse_connections(cfg, lookup, ctx, err, errlen);
}

/* Kept as text: its user parses it (db_url_parse), so core needs no libpq. */
static void
parse_database(struct config *cfg, config_lookup_fn lookup, void *ctx)
{
	const char *v = get(lookup, ctx, "DATABASE_URL");

	cfg->database_url = xstrdup(v != NULL ? v : "sqlite:data/mysaas.db");
}

static int
parse_logging(struct config *cfg, config_lookup_fn lookup, void *ctx, char *err,
    size_t errlen)
{
	const char *v;

	cfg->log_level = LOG_INFO;
	cfg->log_format = LOG_TEXT;
	if ((v = get(lookup, ctx, "LOG_LEVEL")) != NULL &&
	    log_level_parse(v, &cfg->log_level) == -1) {
		(void)snprintf(err, errlen,
		    "LOG_LEVEL: expected error, warn, info or debug, "
		    "got \"%.40s\"",
		    v);
		return -1;
	}
	if ((v = get(lookup, ctx, "LOG_FORMAT")) != NULL &&
	    log_format_parse(v, &cfg->log_format) == -1) {
		(void)snprintf(err, errlen,
		    "LOG_FORMAT: expected text or json, got \"%.40s\"", v);
		return -1;
	}
	return 0;
}

static bool
is_http_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0;
}

static int
parse_clerk(struct config *cfg, config_lookup_fn lookup, void *ctx, char *err,
    size_t errlen)
{
	const char *v, *name;

	name = "CLERK_PUBLISHABLE_KEY";
	if ((v = get(lookup, ctx, name)) == NULL) {
		name = "NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY";
		v = get(lookup, ctx, name);
	}
	if (v != NULL && strncmp(v, "pk_test_", 8) != 0 &&
	    strncmp(v, "pk_live_", 8) != 0) {
		(void)snprintf(err, errlen,
		    "%s: expected a key starting with pk_test_ or pk_live_ "
		    "(Clerk dashboard, API keys)",
		    name);
		return -1;
	}
	cfg->clerk_publishable_key = dup_or_null(v);
	v = get(lookup, ctx, "CLERK_SECRET_KEY");
	if (v != NULL && strncmp(v, "sk_test_", 8) != 0 &&
	    strncmp(v, "sk_live_", 8) != 0) {
		(void)snprintf(err, errlen,
		    "CLERK_SECRET_KEY: expected a key starting with sk_test_ "
		    "or sk_live_ (Clerk dashboard, API keys)");
		return -1;
	}
	cfg->clerk_secret_key = dup_or_null(v);
	v = get(lookup, ctx, "CLERK_WEBHOOK_SIGNING_SECRET");
	if (v != NULL && strncmp(v, "whsec_", 6) != 0) {
		(void)snprintf(err, errlen,
		    "CLERK_WEBHOOK_SIGNING_SECRET: expected the endpoint's "
		    "signing secret starting with whsec_ (Clerk dashboard, "
		    "Webhooks)");
		return -1;
	}
	cfg->clerk_webhook_signing_secret = dup_or_null(v);
	v = get(lookup, ctx, "CLERK_JWT_KEY");
	if (v != NULL && strstr(v, "-----BEGIN PUBLIC KEY-----") == NULL) {
		(void)snprintf(err, errlen,
		    "CLERK_JWT_KEY: expected a PEM public key "
		    "(-----BEGIN PUBLIC KEY----- ...)");
		return -1;
	}
	cfg->clerk_jwt_key = dup_or_null(v);
	cfg->clerk_authorized_parties =
	    dup_or_null(get(lookup, ctx, "CLERK_AUTHORIZED_PARTIES"));
	v = get(lookup, ctx, "CLERK_API_URL");
	if (v != NULL && !is_http_url(v)) {
		(void)snprintf(err, errlen,
		    "CLERK_API_URL: expected an http:// or https:// URL, "
		    "got \"%.60s\"",
		    v);
		return -1;
	}
	cfg->clerk_api_url = xstrdup(v != NULL ? v : "https://api.clerk.com");
	v = get(lookup, ctx, "CLERK_JS_URL");
	if (v != NULL && !is_http_url(v) && v[0] != '/') {
		(void)snprintf(err, errlen,
		    "CLERK_JS_URL: expected an http(s):// URL or an absolute "
		    "path, got \"%.60s\"",
		    v);
		return -1;
	}
	cfg->clerk_js_url = dup_or_null(v);
	cfg->metrics_token =
	    dup_or_null(get(lookup, ctx, "MYSAAS_METRICS_TOKEN"));
	return 0;
}

int
config_parse(struct config *cfg, config_lookup_fn lookup, void *ctx, char *err,
    size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	parse_database(cfg, lookup, ctx);
	if (parse_network(cfg, lookup, ctx, err, errlen) == -1 ||
	    parse_logging(cfg, lookup, ctx, err, errlen) == -1 ||
	    parse_clerk(cfg, lookup, ctx, err, errlen) == -1) {
		config_cleanup(cfg);
		return -1;
	}
	return 0;
}

/* The real environment wins over .env. */
static const char *
env_then_dotenv(const char *name, void *ctx)
{
	/* Read at startup, before any other thread exists. */
	/* NOLINTNEXTLINE(concurrency-mt-unsafe) */
	const char *v = getenv(name);

	if (v != NULL)
		return v;
	return dotenv_get(ctx, name);
}

static int
check_unknown(const struct dotenv *env, char *err, size_t errlen)
{
	size_t i, j;

	for (i = 0; i < env->count; i++) {
		const char *k = env->entries[i].key;
		bool        known = false;

		if (strncmp(k, "MYSAAS_", 7) != 0)
			continue;
		for (j = 0; j < ARRAY_LEN(known_mysaas_vars); j++)
			known = known || strcmp(k, known_mysaas_vars[j]) == 0;
		if (!known) {
			(void)snprintf(err, errlen,
			    "%s: unknown variable in .env (known: "
			    "MYSAAS_THREADS, MYSAAS_TRUST_PROXY, "
			    "MYSAAS_MAX_CONNECTIONS, MYSAAS_MAX_CONNS_PER_IP, "
			    "MYSAAS_METRICS_TOKEN, MYSAAS_SUPERUSER_PASSWORD)",
			    k);
			return -1;
		}
	}
	return 0;
}

int
config_load(struct config *cfg, const char *dotenv_path, char *err,
    size_t errlen)
{
	struct dotenv env;
	char          why[200];
	int           rc;

	if (dotenv_load(dotenv_path, &env, why, sizeof(why)) == -1) {
		(void)snprintf(err, errlen, "%s: %s", dotenv_path, why);
		return -1;
	}
	rc = check_unknown(&env, err, errlen);
	if (rc == 0)
		rc = config_parse(cfg, env_then_dotenv, &env, err, errlen);
	dotenv_cleanup(&env);
	return rc;
}

void
config_cleanup(struct config *cfg)
{
	free(cfg->database_url);
	free(cfg->host);
	free(cfg->clerk_publishable_key);
	free(cfg->clerk_secret_key);
	if (cfg->clerk_webhook_signing_secret != NULL) {
		memset(cfg->clerk_webhook_signing_secret, 0,
		    strlen(cfg->clerk_webhook_signing_secret));
		free(cfg->clerk_webhook_signing_secret);
	}
	free(cfg->clerk_jwt_key);
	free(cfg->clerk_authorized_parties);
	free(cfg->clerk_api_url);
	free(cfg->clerk_js_url);
	free(cfg->metrics_token);
	memset(cfg, 0, sizeof(*cfg));
}
