/*
 * mysaas: one program serving the pages, the REST API, the Clerk webhook
 * receiver, the admin and the API docs. main() initialises the libraries'
 * globals (before any thread exists) and dispatches to a subcommand.
 */
#include <curl/curl.h>
#include <signal.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "clerk/jwt.h"
#include "cli/cli.h"
#include "core/arena_json.h"

#ifndef MYSAAS_VERSION
#define MYSAAS_VERSION "0.0.0"
#endif

static int
init_libraries(void)
{
	(void)signal(SIGPIPE, SIG_IGN);
	/*
	 * SQLite's allocation statistics take one process-wide mutex around
	 * every sqlite3_malloc and sqlite3_free (Debian's build has no
	 * lookaside, so that is every small allocation): the worker threads
	 * queued on it. Nothing here reads those statistics.
	 */
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	arena_json_install();
	if (sodium_init() < 0 || sqlite3_initialize() != SQLITE_OK ||
	    curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		(void)fprintf(stderr,
		    "mysaas: cannot initialise the libraries\n");
		return -1;
	}
	return 0;
}

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    {"serve", cli_serve},
    {"migrate", cli_migrate},
    {"createsuperuser", cli_createsuperuser},
    {"changepassword", cli_changepassword},
    {"clerk", cli_clerk},
    {"check", cli_check},
};

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	}
	return NULL;
}

static int
help(int argc, char **argv)
{
	if (argc == 0)
		return cli_usage(stdout, NULL) == 0 ? 0 : 1;
	if (argc == 1 && cli_usage(stdout, argv[0]) == 0)
		return 0;
	(void)fprintf(stderr, "mysaas help: unknown command \"%s\"\n", argv[0]);
	(void)cli_usage(stderr, NULL);
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	const struct command *c;
	const char           *cmd = argc > 1 ? argv[1] : NULL;
	int                   rc;

	/* Before any thread starts: see clerk_jwt_use_scratch(). */
	clerk_jwt_use_scratch();
	if (cmd == NULL) {
		(void)cli_usage(stderr, NULL);
		return EXIT_USAGE;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
		printf("mysaas %s\n", MYSAAS_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0)
		return help(argc - 2, argv + 2);
	if ((c = find_command(cmd)) == NULL) {
		(void)fprintf(stderr, "mysaas: unknown command \"%s\"\n", cmd);
		(void)cli_usage(stderr, NULL);
		return EXIT_USAGE;
	}
	if (init_libraries() == -1)
		return 1;
	rc = c->run(argc - 2, argv + 2);
	curl_global_cleanup();
	return rc;
}
