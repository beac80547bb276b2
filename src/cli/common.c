/*
 * What several commands share: loading the configuration (DATABASE_URL
 * included) and opening the database, each failing with one clear line on
 * stderr.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/str.h"
#include "db/db.h"

int
cli_database_url(const char *text, struct db_url *db, char *err, size_t errlen)
{
	char why[256];

	if (db_url_parse(text, db, why, sizeof(why)) == -1) {
		(void)snprintf(err, errlen,
		    "DATABASE_URL: expected sqlite:PATH or "
		    "postgres://user:pass@host:port/db (%s)",
		    why);
		return -1;
	}
	return 0;
}

int
cli_config_load(struct config *cfg, struct db_url *db)
{
	struct db_url url;
	char          err[512];

	if (config_load(cfg, ".env", err, sizeof(err)) == -1) {
		(void)fprintf(stderr, "mysaas: configuration error: %s\n", err);
		return -1;
	}
	if (cli_database_url(cfg->database_url, &url, err, sizeof(err)) == -1) {
		(void)fprintf(stderr, "mysaas: configuration error: %s\n", err);
		config_cleanup(cfg);
		return -1;
	}
	if (db != NULL)
		*db = url;
	else
		db_url_cleanup(&url);
	log_setup(cfg->log_level, cfg->log_format);
	return 0;
}

void
cli_config_cleanup(struct config *cfg, struct db_url *db)
{
	config_cleanup(cfg);
	if (db != NULL)
		db_url_cleanup(db);
}

/* Creates the folders leading to path ("data/" of "data/mysaas.db"). */
static int
make_parent_dirs(const char *path)
{
	char   dir[4096];
	size_t i, n = strlen(path);

	if (n >= sizeof(dir))
		return -1;
	memcpy(dir, path, n + 1);
	for (i = 1; i < n; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			return -1;
		dir[i] = '/';
	}
	return 0;
}

struct db *
cli_db_open(const struct db_url *url, int pool_size)
{
	struct db *db;
	char       err[512], why[128];

	if (url->kind == DB_SQLITE && make_parent_dirs(url->path) == -1) {
		(void)fprintf(stderr,
		    "mysaas: DATABASE_URL: cannot create the folder for %s: "
		    "%s\n",
		    url->path, str_errno(errno, why, sizeof(why)));
		return NULL;
	}
	db = db_open(url, pool_size, err, sizeof(err));
	if (db == NULL)
		(void)fprintf(stderr, "mysaas: DATABASE_URL: %s\n", err);
	return db;
}
