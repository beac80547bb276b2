/*
 * Unit tests for src/core/config.c, through config_parse() over a small
 * table (the process environment is never read).
 */
#include "core/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define PEM                                                                  \
	"-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB\n" \
	"-----END PUBLIC KEY-----\n"

struct var {
	const char *name;
	const char *value;
};

/* ctx is a struct var array ending with a NULL name. */
static const char *
table_lookup(const char *name, void *ctx)
{
	const struct var *v;

	for (v = ctx; v->name != NULL; v++) {
		if (strcmp(v->name, name) == 0)
			return v->value;
	}
	return NULL;
}

static int
expected_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > 512)
		n = 512;
	return (int)(2 * n);
}

/* Parses vars; asserts success. */
#define PARSE_OK(cfg, vars)                                                \
	do {                                                               \
		char err_[256] = "";                                       \
		assert_int_equal(config_parse((cfg), table_lookup, (vars), \
		                     err_, sizeof(err_)),                  \
		    0);                                                    \
		assert_string_equal(err_, "");                             \
	} while (0)

/*
 * Sets one variable to a bad value: config_parse() must fail, leave cfg
 * cleared, and write an error that starts with "NAME:" and contains want.
 */
#define ASSERT_REFUSED(name, value, want)                               \
	do {                                                            \
		struct var vars_[] = {{(name), (value)}, {NULL, NULL}}; \
		assert_refused(vars_, (name), (want));                  \
	} while (0)

static void
assert_refused(struct var *vars, const char *name, const char *want)
{
	struct config cfg;
	char          err[256] = "", prefix[64];

	memset(&cfg, 0xff, sizeof(cfg));
	if (config_parse(&cfg, table_lookup, vars, err, sizeof(err)) != -1) {
		config_cleanup(&cfg);
		fail_msg("%s accepted", name);
	}
	assert_null(cfg.host);
	assert_null(cfg.database_url);
	assert_null(cfg.clerk_api_url);
	(void)snprintf(prefix, sizeof(prefix), "%s: ", name);
	if (strncmp(err, prefix, strlen(prefix)) != 0)
		fail_msg("error for %s does not name it: \"%s\"", name, err);
	if (strstr(err, want) == NULL)
		fail_msg("error for %s lacks \"%s\": \"%s\"", name, want, err);
	config_cleanup(&cfg);
}

static void
test_defaults(void **state)
{
	static struct var none[] = {{NULL, NULL}};
	struct config     cfg;

	(void)state;
	PARSE_OK(&cfg, none);
	assert_string_equal(cfg.database_url, "sqlite:data/mysaas.db");
	assert_string_equal(cfg.host, "127.0.0.1");
	assert_int_equal(cfg.port, 8000);
	assert_int_equal(cfg.threads, expected_default_threads());
	assert_true(cfg.threads >= 2);
	assert_true(cfg.threads % 2 == 0);
	assert_false(cfg.trust_proxy);
	assert_int_equal(cfg.max_connections, 0);
	assert_int_equal(cfg.max_conns_per_ip, 256);
	assert_int_equal(cfg.log_level, LOG_INFO);
	assert_int_equal(cfg.log_format, LOG_TEXT);
	assert_null(cfg.clerk_publishable_key);
	assert_null(cfg.clerk_secret_key);
	assert_null(cfg.clerk_webhook_signing_secret);
	assert_null(cfg.clerk_jwt_key);
	assert_null(cfg.clerk_authorized_parties);
	assert_string_equal(cfg.clerk_api_url, "https://api.clerk.com");
	assert_null(cfg.clerk_js_url);
	assert_null(cfg.metrics_token);
	config_cleanup(&cfg);
	assert_null(cfg.host);
	assert_null(cfg.database_url);
}

static void
test_all_set(void **state)
{
	static struct var vars[] = {
	    {"DATABASE_URL", "postgres://app:s3cret@db.internal:5433/mysaas"},
	    {"HOST", "0.0.0.0"},
	    {"PORT", "8080"},
	    {"MYSAAS_THREADS", "6"},
	    {"MYSAAS_TRUST_PROXY", "1"},
	    {"MYSAAS_MAX_CONNECTIONS", "5000"},
	    {"MYSAAS_MAX_CONNS_PER_IP", "50"},
	    {"LOG_LEVEL", "debug"},
	    {"LOG_FORMAT", "json"},
	    {"CLERK_PUBLISHABLE_KEY", "pk_test_abc"},
	    {"CLERK_SECRET_KEY", "sk_live_def"},
	    {"CLERK_WEBHOOK_SIGNING_SECRET", "whsec_ghi"},
	    {"CLERK_JWT_KEY", PEM},
	    {"CLERK_AUTHORIZED_PARTIES", "https://app.example.com"},
	    {"CLERK_API_URL", "http://127.0.0.1:9999"},
	    {"CLERK_JS_URL", "/static/clerk.js"},
	    {"MYSAAS_METRICS_TOKEN", "m-token"},
	    {NULL, NULL},
	};
	struct config cfg;

	(void)state;
	PARSE_OK(&cfg, vars);
	assert_string_equal(cfg.database_url,
	    "postgres://app:s3cret@db.internal:5433/mysaas");
	assert_string_equal(cfg.host, "0.0.0.0");
	assert_int_equal(cfg.port, 8080);
	assert_int_equal(cfg.threads, 6);
	assert_true(cfg.trust_proxy);
	assert_int_equal(cfg.max_connections, 5000);
	assert_int_equal(cfg.max_conns_per_ip, 50);
	assert_int_equal(cfg.log_level, LOG_DEBUG);
	assert_int_equal(cfg.log_format, LOG_JSON);
	assert_string_equal(cfg.clerk_publishable_key, "pk_test_abc");
	assert_string_equal(cfg.clerk_secret_key, "sk_live_def");
	assert_string_equal(cfg.clerk_webhook_signing_secret, "whsec_ghi");
	assert_string_equal(cfg.clerk_jwt_key, PEM);
	assert_string_equal(cfg.clerk_authorized_parties,
	    "https://app.example.com");
	assert_string_equal(cfg.clerk_api_url, "http://127.0.0.1:9999");
	assert_string_equal(cfg.clerk_js_url, "/static/clerk.js");
	assert_string_equal(cfg.metrics_token, "m-token");
	config_cleanup(&cfg);
}

static void
test_empty_values_are_unset(void **state)
{
	static struct var vars[] = {
	    {"DATABASE_URL", ""},
	    {"HOST", ""},
	    {"PORT", ""},
	    {"MYSAAS_THREADS", ""},
	    {"MYSAAS_TRUST_PROXY", ""},
	    {"MYSAAS_MAX_CONNECTIONS", ""},
	    {"MYSAAS_MAX_CONNS_PER_IP", ""},
	    {"LOG_LEVEL", ""},
	    {"LOG_FORMAT", ""},
	    {"CLERK_PUBLISHABLE_KEY", ""},
	    {"NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", ""},
	    {"CLERK_SECRET_KEY", ""},
	    {"CLERK_WEBHOOK_SIGNING_SECRET", ""},
	    {"CLERK_JWT_KEY", ""},
	    {"CLERK_AUTHORIZED_PARTIES", ""},
	    {"CLERK_API_URL", ""},
	    {"CLERK_JS_URL", ""},
	    {"MYSAAS_METRICS_TOKEN", ""},
	    {NULL, NULL},
	};
	struct config cfg;

	(void)state;
	PARSE_OK(&cfg, vars);
	assert_string_equal(cfg.database_url, "sqlite:data/mysaas.db");
	assert_string_equal(cfg.host, "127.0.0.1");
	assert_int_equal(cfg.port, 8000);
	assert_int_equal(cfg.threads, expected_default_threads());
	assert_false(cfg.trust_proxy);
	assert_int_equal(cfg.log_level, LOG_INFO);
	assert_int_equal(cfg.log_format, LOG_TEXT);
	assert_null(cfg.clerk_publishable_key);
	assert_null(cfg.clerk_secret_key);
	assert_null(cfg.clerk_webhook_signing_secret);
	assert_null(cfg.clerk_jwt_key);
	assert_null(cfg.clerk_authorized_parties);
	assert_string_equal(cfg.clerk_api_url, "https://api.clerk.com");
	assert_null(cfg.clerk_js_url);
	assert_null(cfg.metrics_token);
	config_cleanup(&cfg);
}

static void
test_sqlite_url(void **state)
{
	static struct var vars[] = {
	    {"DATABASE_URL", "sqlite:///var/lib/mysaas/db.sqlite"},
	    {NULL, NULL},
	};
	struct config cfg;

	(void)state;
	PARSE_OK(&cfg, vars);
	assert_string_equal(cfg.database_url,
	    "sqlite:///var/lib/mysaas/db.sqlite");
	config_cleanup(&cfg);
}

static void
test_port_limits(void **state)
{
	static struct var lo[] = {{"PORT", "1"}, {NULL, NULL}};
	static struct var hi[] = {{"PORT", "65535"}, {NULL, NULL}};
	struct config     cfg;

	(void)state;
	PARSE_OK(&cfg, lo);
	assert_int_equal(cfg.port, 1);
	config_cleanup(&cfg);
	PARSE_OK(&cfg, hi);
	assert_int_equal(cfg.port, 65535);
	config_cleanup(&cfg);
}

static void
test_threads_limits(void **state)
{
	static struct var lo[] = {{"MYSAAS_THREADS", "1"}, {NULL, NULL}};
	static struct var hi[] = {{"MYSAAS_THREADS", "1024"}, {NULL, NULL}};
	struct config     cfg;

	(void)state;
	PARSE_OK(&cfg, lo);
	assert_int_equal(cfg.threads, 1);
	config_cleanup(&cfg);
	PARSE_OK(&cfg, hi);
	assert_int_equal(cfg.threads, 1024);
	config_cleanup(&cfg);
}

static void
test_trust_proxy_spellings(void **state)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};
	struct var    vars[] = {{"MYSAAS_TRUST_PROXY", NULL}, {NULL, NULL}};
	struct config cfg;
	size_t        i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(yes); i++) {
		vars[0].value = yes[i];
		PARSE_OK(&cfg, vars);
		assert_true(cfg.trust_proxy);
		config_cleanup(&cfg);
	}
	for (i = 0; i < ARRAY_LEN(no); i++) {
		vars[0].value = no[i];
		PARSE_OK(&cfg, vars);
		assert_false(cfg.trust_proxy);
		config_cleanup(&cfg);
	}
}

static void
test_log_levels(void **state)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	static const int want[] = {LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG};
	struct var       vars[] = {{"LOG_LEVEL", NULL}, {NULL, NULL}};
	struct config    cfg;
	size_t           i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(names); i++) {
		vars[0].value = names[i];
		PARSE_OK(&cfg, vars);
		assert_int_equal(cfg.log_level, want[i]);
		config_cleanup(&cfg);
	}
}

static void
test_bad_port(void **state)
{
	(void)state;
	ASSERT_REFUSED("PORT", "0", "\"0\"");
	ASSERT_REFUSED("PORT", "65536", "\"65536\"");
	ASSERT_REFUSED("PORT", "80x", "\"80x\"");
	ASSERT_REFUSED("PORT", "-1", "1 to 65535");
	ASSERT_REFUSED("PORT", "+80", "1 to 65535");
	ASSERT_REFUSED("PORT", " 80", "1 to 65535");
}

static void
test_bad_threads(void **state)
{
	(void)state;
	ASSERT_REFUSED("MYSAAS_THREADS", "0", "\"0\"");
	ASSERT_REFUSED("MYSAAS_THREADS", "1025", "\"1025\"");
	ASSERT_REFUSED("MYSAAS_THREADS", "abc", "\"abc\"");
	ASSERT_REFUSED("MYSAAS_THREADS", "-4", "1 to 1024");
}

static void
test_connection_limits(void **state)
{
	static struct var lo[] = {{"MYSAAS_MAX_CONNECTIONS", "16"},
	    {"MYSAAS_MAX_CONNS_PER_IP", "0"}, {NULL, NULL}};
	static struct var hi[] = {{"MYSAAS_MAX_CONNECTIONS", "1000000"},
	    {"MYSAAS_MAX_CONNS_PER_IP", "1000000"}, {NULL, NULL}};
	struct config     cfg;

	(void)state;
	PARSE_OK(&cfg, lo);
	assert_int_equal(cfg.max_connections, 16);
	assert_int_equal(cfg.max_conns_per_ip, 0);
	config_cleanup(&cfg);
	PARSE_OK(&cfg, hi);
	assert_int_equal(cfg.max_connections, 1000000);
	assert_int_equal(cfg.max_conns_per_ip, 1000000);
	config_cleanup(&cfg);
}

static void
test_bad_connection_limits(void **state)
{
	(void)state;
	ASSERT_REFUSED("MYSAAS_MAX_CONNECTIONS", "15", "\"15\"");
	ASSERT_REFUSED("MYSAAS_MAX_CONNECTIONS", "0", "16 to 1000000");
	ASSERT_REFUSED("MYSAAS_MAX_CONNECTIONS", "1000001", "\"1000001\"");
	ASSERT_REFUSED("MYSAAS_MAX_CONNECTIONS", "10k", "\"10k\"");
	ASSERT_REFUSED("MYSAAS_MAX_CONNS_PER_IP", "-1", "0 (no cap)");
	ASSERT_REFUSED("MYSAAS_MAX_CONNS_PER_IP", "many", "\"many\"");
	ASSERT_REFUSED("MYSAAS_MAX_CONNS_PER_IP", "1000001", "\"1000001\"");
}

static void
test_bad_trust_proxy(void **state)
{
	(void)state;
	ASSERT_REFUSED("MYSAAS_TRUST_PROXY", "maybe", "\"maybe\"");
	ASSERT_REFUSED("MYSAAS_TRUST_PROXY", "TRUE", "\"TRUE\"");
	ASSERT_REFUSED("MYSAAS_TRUST_PROXY", "2", "\"2\"");
}

static void
test_bad_logging(void **state)
{
	(void)state;
	ASSERT_REFUSED("LOG_LEVEL", "verbose", "\"verbose\"");
	ASSERT_REFUSED("LOG_LEVEL", "INFO", "\"INFO\"");
	ASSERT_REFUSED("LOG_FORMAT", "xml", "\"xml\"");
}

/*
 * DATABASE_URL is kept as text, whatever it says: the commands parse it
 * (tests/cli/common_test.c).
 */
static void
test_database_url_kept_as_text(void **state)
{
	static struct var vars[] = {{"DATABASE_URL", "mysql://u:p@h/db"},
	    {NULL, NULL}};
	struct config     cfg;

	(void)state;
	PARSE_OK(&cfg, vars);
	assert_string_equal(cfg.database_url, "mysql://u:p@h/db");
	config_cleanup(&cfg);
}

static void
test_bad_clerk_keys(void **state)
{
	(void)state;
	ASSERT_REFUSED("CLERK_PUBLISHABLE_KEY", "sk_test_x", "pk_test_");
	ASSERT_REFUSED("CLERK_PUBLISHABLE_KEY", "pk_x", "pk_test_");
	ASSERT_REFUSED("CLERK_SECRET_KEY", "pk_test_x", "sk_test_");
	ASSERT_REFUSED("CLERK_SECRET_KEY", "sk_prod_x", "sk_test_");
	ASSERT_REFUSED("CLERK_WEBHOOK_SIGNING_SECRET", "secret", "whsec_");
	ASSERT_REFUSED("CLERK_JWT_KEY", "not a pem", "PEM");
	ASSERT_REFUSED("CLERK_JWT_KEY",
	    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
	    "PEM");
	ASSERT_REFUSED("CLERK_API_URL", "ftp://api.clerk.com", "\"ftp://");
	ASSERT_REFUSED("CLERK_API_URL", "api.clerk.com", "http");
	ASSERT_REFUSED("CLERK_JS_URL", "javascript:alert(1)", "\"javascript:");
}

/* A refused secret is not echoed back into the error. */
static void
test_refused_secret_not_echoed(void **state)
{
	static struct var vars[] = {{"CLERK_SECRET_KEY", "xk_live_TOPSECRET"},
	    {NULL, NULL}};
	struct config     cfg;
	char              err[256] = "";

	(void)state;
	assert_int_equal(config_parse(&cfg, table_lookup, vars, err,
	                     sizeof(err)),
	    -1);
	assert_null(strstr(err, "TOPSECRET"));
	config_cleanup(&cfg);
}

/* The first failure is reported and nothing leaks (LSan checks). */
static void
test_late_failure_frees_everything(void **state)
{
	static struct var vars[] = {
	    {"DATABASE_URL", "postgres://u:p@h/db"},
	    {"HOST", "0.0.0.0"},
	    {"CLERK_PUBLISHABLE_KEY", "pk_test_a"},
	    {"CLERK_SECRET_KEY", "sk_test_b"},
	    {"CLERK_WEBHOOK_SIGNING_SECRET", "whsec_c"},
	    {"CLERK_JWT_KEY", PEM},
	    {"CLERK_AUTHORIZED_PARTIES", "https://a"},
	    {"CLERK_API_URL", "https://api"},
	    {"CLERK_JS_URL", "relative/clerk.js"},
	    {NULL, NULL},
	};

	(void)state;
	assert_refused(vars, "CLERK_JS_URL", "\"relative/clerk.js\"");
}

static void
test_publishable_key_fallback(void **state)
{
	static struct var next_only[] = {
	    {"NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "pk_live_next"},
	    {NULL, NULL},
	};
	static struct var both[] = {
	    {"NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "pk_live_next"},
	    {"CLERK_PUBLISHABLE_KEY", "pk_test_own"},
	    {NULL, NULL},
	};
	static struct var own_empty[] = {
	    {"CLERK_PUBLISHABLE_KEY", ""},
	    {"NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "pk_live_next"},
	    {NULL, NULL},
	};
	static struct var own_wins_over_bad[] = {
	    {"CLERK_PUBLISHABLE_KEY", "pk_test_own"},
	    {"NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "garbage"},
	    {NULL, NULL},
	};
	struct config cfg;

	(void)state;
	PARSE_OK(&cfg, next_only);
	assert_string_equal(cfg.clerk_publishable_key, "pk_live_next");
	config_cleanup(&cfg);
	PARSE_OK(&cfg, both);
	assert_string_equal(cfg.clerk_publishable_key, "pk_test_own");
	config_cleanup(&cfg);
	PARSE_OK(&cfg, own_empty);
	assert_string_equal(cfg.clerk_publishable_key, "pk_live_next");
	config_cleanup(&cfg);
	PARSE_OK(&cfg, own_wins_over_bad);
	assert_string_equal(cfg.clerk_publishable_key, "pk_test_own");
	config_cleanup(&cfg);
}

/* A bad fallback value is reported under the name the user actually set. */
static void
test_bad_next_public_key_named(void **state)
{
	(void)state;
	ASSERT_REFUSED("NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY", "sk_test_x",
	    "pk_test_");
}

static void
test_err_truncated(void **state)
{
	static struct var vars[] = {{"PORT", "0"}, {NULL, NULL}};
	struct config     cfg;
	char              err[8];

	(void)state;
	memset(err, 'X', sizeof(err));
	assert_int_equal(config_parse(&cfg, table_lookup, vars, err,
	                     sizeof(err)),
	    -1);
	assert_string_equal(err, "PORT: e");
	config_cleanup(&cfg);
}

static void
test_port_parse(void **state)
{
	static const char *const bad[] = {"0", "65536", "-1", "+80", "80x", "",
	    " 80", "80 ", "0x50", "99999999999999999999999"};
	int                      port;
	size_t                   i;

	(void)state;
	assert_int_equal(config_port_parse("1", &port), 0);
	assert_int_equal(port, 1);
	assert_int_equal(config_port_parse("8000", &port), 0);
	assert_int_equal(port, 8000);
	assert_int_equal(config_port_parse("65535", &port), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(config_port_parse("00443", &port), 0);
	assert_int_equal(port, 443);
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		port = -7;
		if (config_port_parse(bad[i], &port) != -1)
			fail_msg("port \"%s\" accepted", bad[i]);
		assert_int_equal(port, -7);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_all_set),
	    cmocka_unit_test(test_empty_values_are_unset),
	    cmocka_unit_test(test_sqlite_url),
	    cmocka_unit_test(test_port_limits),
	    cmocka_unit_test(test_threads_limits),
	    cmocka_unit_test(test_trust_proxy_spellings),
	    cmocka_unit_test(test_log_levels),
	    cmocka_unit_test(test_bad_port),
	    cmocka_unit_test(test_bad_threads),
	    cmocka_unit_test(test_connection_limits),
	    cmocka_unit_test(test_bad_connection_limits),
	    cmocka_unit_test(test_bad_trust_proxy),
	    cmocka_unit_test(test_bad_logging),
	    cmocka_unit_test(test_database_url_kept_as_text),
	    cmocka_unit_test(test_bad_clerk_keys),
	    cmocka_unit_test(test_refused_secret_not_echoed),
	    cmocka_unit_test(test_late_failure_frees_everything),
	    cmocka_unit_test(test_publishable_key_fallback),
	    cmocka_unit_test(test_bad_next_public_key_named),
	    cmocka_unit_test(test_err_truncated),
	    cmocka_unit_test(test_port_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
