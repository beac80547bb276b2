/*
 * The subcommands of the mysaas program. Each takes the arguments after its
 * name and returns the process exit code: 0 success, 1 failure (one clear
 * line on stderr), 2 bad usage (the command's usage on stderr).
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdio.h>

#include "core/config.h"
#include "core/mem.h"
#include "db/url.h"

#define EXIT_USAGE 2

int cli_serve(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_clerk(int argc, char **argv);
/* "clerk sync" (src/cli/clerk_sync.c). */
int cli_clerk_sync(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_createsuperuser(int argc, char **argv);
int cli_changepassword(int argc, char **argv);
/* Prints the usage of cmd (NULL: the overview) to out; -1 if unknown. */
int cli_usage(FILE *out, const char *cmd);
/*
 * Loads the configuration and parses its DATABASE_URL into db (NULL: the
 * URL is only checked), or prints why not: 0, or -1 with nothing to clean.
 */
int cli_config_load(struct config *cfg, struct db_url *db) MUST_CHECK;
/* Frees what cli_config_load() filled (db may be NULL). */
void cli_config_cleanup(struct config *cfg, struct db_url *db);
/*
 * Parses a DATABASE_URL value into db; -1 with one line naming the
 * variable in err (never the password).
 */
int cli_database_url(const char *text, struct db_url *db, char *err,
    size_t errlen) MUST_CHECK;
/* Opens the database at db (creating a SQLite file's folder). */
struct db *cli_db_open(const struct db_url *db, int pool_size);

#endif
