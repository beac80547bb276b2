/*
 * Usage texts, one per command, printed by "help", "-h" and on bad usage.
 */
#include "cli/cli.h"

#include <string.h>

struct usage {
	const char *cmd;
	const char *text;
};

static const struct usage usages[] = {
    {"serve",
        "usage: mysaas serve [--host H] [--port P] [--no-migrate]\n"
        "\n"
        "Applies pending migrations (unless --no-migrate) and serves HTTP.\n"
        "  --host H       listen address (default: HOST or 127.0.0.1)\n"
        "  --port P       listen port (default: PORT or 8000)\n"
        "  --no-migrate   do not apply migrations at start\n"},
    {"migrate",
        "usage: mysaas migrate [--list]\n"
        "\n"
        "Applies pending schema migrations to DATABASE_URL.\n"
        "  --list   list the migrations: [X] applied, [ ] pending\n"},
    {"clerk",
        "usage: mysaas clerk sync\n"
        "       mysaas clerk send-webhook FILE [--url U]\n"
        "\n"
        "sync: backfills roles, permissions, organizations, users,\n"
        "memberships, invitations and domains from Clerk's Backend API\n"
        "(CLERK_SECRET_KEY) with the webhooks' rules: idempotent, never\n"
        "overwrites newer data; a summary at the end.\n"
        "\n"
        "send-webhook: signs FILE with CLERK_WEBHOOK_SIGNING_SECRET as Svix\n"
        "does and POSTs "
        "it to U (default http://HOST:PORT/api/v1/auth/clerk_webhook/),\n"
        "printing the status and the body: local development without a\n"
        "tunnel. Exit 0 on a 2xx answer, 1 otherwise.\n"},
    {"createsuperuser",
        "usage: mysaas createsuperuser --email E [--noinput]\n"
        "\n"
        "Creates an active staff superuser with email E (no Clerk account)\n"
        "for the admin. The password is asked twice on the terminal, with\n"
        "echo off.\n"
        "  --email E   the new user's email; no user may have it already\n"
        "              (compared without regard to case)\n"
        "  --noinput   do not prompt: the password is taken from\n"
        "              MYSAAS_SUPERUSER_PASSWORD\n"
        "Needs a migrated database (mysaas migrate).\n"},
    {"changepassword",
        "usage: mysaas changepassword E\n"
        "\n"
        "Sets the password of the user with email E (any case), asked\n"
        "twice on the terminal with echo off, and ends that user's admin\n"
        "sessions. Needs a migrated database (mysaas migrate).\n"},
    {"check",
        "usage: mysaas check\n"
        "\n"
        "Checks the configuration, the database (reachable, schema up to\n"
        "date) and Clerk (keys well-formed, JWKS reachable with the secret\n"
        "key). One line per check; exit 0 only when nothing is broken.\n"},
    {"help",
        "usage: mysaas help [COMMAND]\n"
        "\n"
        "Shows the commands, or one command's usage.\n"},
};

static const char overview[] =
    "usage: mysaas COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  serve [--host H] [--port P] [--no-migrate]   serve HTTP\n"
    "  migrate [--list]                             apply or list "
    "migrations\n"
    "  clerk sync                                   backfill from Clerk\n"
    "  clerk send-webhook FILE [--url U]            sign and POST a "
    "webhook\n"
    "  createsuperuser --email E [--noinput]        create an admin\n"
    "  changepassword E                             set a user's "
    "password\n"
    "  check                                        check configuration, "
    "database, Clerk\n"
    "  help [COMMAND]                               show usage\n"
    "\n"
    "options:\n"
    "  --version   print the version\n"
    "\n"
    "Configuration comes from the environment and ./.env "
    "(see .env.example).\n";

int
cli_usage(FILE *out, const char *cmd)
{
	size_t i;

	if (cmd == NULL) {
		(void)fputs(overview, out);
		return 0;
	}
	for (i = 0; i < ARRAY_LEN(usages); i++) {
		if (strcmp(usages[i].cmd, cmd) == 0) {
			(void)fputs(usages[i].text, out);
			return 0;
		}
	}
	return -1;
}
