/*
 * The subcommands of the mysaas program. Each takes the arguments after its
 * name and returns the process exit code: 0 success, 1 failure (one clear
 * line on stderr), 2 bad usage (the command's usage on stderr).
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdio.h>

#include "core/config.h"

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
/* Loads the configuration or prints why not; 0 or -1. */
int cli_config_load(struct config *cfg);
/* Opens the configured database (creating a SQLite file's folder). */
struct db *cli_db_open(const struct config *cfg, int pool_size);

#endif
