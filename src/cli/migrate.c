/*
 * "mysaas migrate [--list]".
 */
#include "cli/cli.h"

#include <stdbool.h>
#include <string.h>

#include "db/db.h"
#include "db/migrate.h"

int
cli_migrate(int argc, char **argv)
{
	struct config cfg;
	struct db_url url;
	struct db    *db;
	bool          list = false;
	char          err[512];
	int           i, applied, rc = 1;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0) {
			list = true;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			(void)cli_usage(stdout, "migrate");
			return 0;
		} else {
			(void)fprintf(stderr,
			    "mysaas migrate: unknown argument "
			    "\"%s\"\n",
			    argv[i]);
			(void)cli_usage(stderr, "migrate");
			return EXIT_USAGE;
		}
	}
	if (cli_config_load(&cfg, &url) == -1)
		return 1;
	if ((db = cli_db_open(&url, 1)) == NULL)
		goto out;
	if (list) {
		if (migrate_list(db, stdout, err, sizeof(err)) == -1)
			(void)fprintf(stderr, "mysaas: %s\n", err);
		else
			rc = 0;
	} else if (migrate_apply(db, &applied, err, sizeof(err)) == -1) {
		(void)fprintf(stderr, "mysaas: %s\n", err);
	} else {
		printf(applied == 0 ? "No migrations to apply.\n"
		                    : "Applied %d migration(s).\n",
		    applied);
		rc = 0;
	}
	db_close(db);
out:
	cli_config_cleanup(&cfg, &url);
	return rc;
}
