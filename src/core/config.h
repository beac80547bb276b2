/*
 * Configuration from the environment and a .env file (the real environment
 * wins), validated once at start. Immutable after config_load(); shared
 * read-only by every thread. Owned by main().
 */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/log.h"
#include "core/mem.h"

struct config {
	char           *database_url; /* as given; parsed by db_url_parse() */
	char           *host;
	int             port;
	int             threads;
	bool            trust_proxy;
	int             max_connections;  /* 0: as many as descriptors allow */
	int             max_conns_per_ip; /* 0: no cap */
	char           *clerk_publishable_key;
	char           *clerk_secret_key;
	char           *clerk_webhook_signing_secret;
	char           *clerk_jwt_key;
	char           *clerk_authorized_parties;
	char           *clerk_api_url;
	char           *clerk_js_url;
	char           *metrics_token;
	enum log_level  log_level;
	enum log_format log_format;
};

/* Looks a variable up; returns a borrowed value or NULL. */
typedef const char *(*config_lookup_fn)(const char *name, void *ctx);

/*
 * Fills cfg from lookup (defaults for what is unset). On a bad value
 * returns -1 and writes one line naming the variable into err.
 */
int config_parse(struct config *cfg, config_lookup_fn lookup, void *ctx,
    char *err, size_t errlen) MUST_CHECK;
/* config_parse() over the process environment, then dotenv_path. */
int  config_load(struct config *cfg, const char *dotenv_path, char *err,
     size_t errlen) MUST_CHECK;
void config_cleanup(struct config *cfg);

/* Parses a TCP port "1".."65535"; -1 otherwise. */
int config_port_parse(const char *s, int *port) MUST_CHECK;

#endif
