/*
 * "mysaas createsuperuser --email E [--noinput]" and
 * "mysaas changepassword E", after Django's commands of those names.
 * Passwords come from the terminal with echo off (asked twice), or for
 * createsuperuser --noinput from MYSAAS_SUPERUSER_PASSWORD. Prompting needs
 * stdin to be a terminal, as in Django, so a script never hangs on a
 * prompt. Every copy of a password is wiped with sodium_memzero.
 * Single-threaded: the prompt changes signal dispositions for its duration.
 */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "accounts/admins.h"
#include "accounts/password.h"
#include "core/str.h"
#include "db/db.h"
#include "db/migrate.h"

#define PASSWORD_ENV "MYSAAS_SUPERUSER_PASSWORD"
#define PASSWORD_MAX 1024 /* bytes; a longer line is refused */
#define EMAIL_MAX    254  /* RFC 5321's limit on a forward path */

struct secret {
	char   p[PASSWORD_MAX + 2]; /* room for '\n' and NUL while reading */
	size_t len;
};

struct prompt {
	int              fd;  /* the terminal we read from */
	int              out; /* where the prompts go */
	bool             own_fd;
	struct sigaction old[7];
};

/*
 * While echo is off: a signal that ends the process first restores the
 * terminal (from its handler), and the signals that would stop it are
 * ignored, so the shell is never left silent.
 */
static const struct {
	int  signo;
	bool ends;
} trapped[] = {
    {SIGINT, true},
    {SIGHUP, true},
    {SIGQUIT, true},
    {SIGTERM, true},
    {SIGTSTP, false},
    {SIGTTIN, false},
    {SIGTTOU, false},
};

/* The terminal as it was, for the handler; set before it is installed. */
static int            restore_fd = -1, restore_out = -1;
static struct termios restore_mode;

/* Async-signal-safe calls only. SA_RESETHAND has put the default action
 * back, which the raised signal then takes. */
static void
on_ending_signal(int signo)
{
	(void)tcsetattr(restore_fd, TCSAFLUSH, &restore_mode);
	(void)!write(restore_out, "\n", 1); /* the prompt's line is over */
	(void)raise(signo);
}

static void
write_all(int fd, const char *s)
{
	size_t  len = strlen(s);
	ssize_t n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void
trap_signals(struct prompt *pr, bool on)
{
	struct sigaction sa;
	size_t           i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < ARRAY_LEN(trapped); i++) {
		int  signo = trapped[i].signo;
		bool ends = trapped[i].ends;

		if (!on) {
			(void)sigaction(signo, &pr->old[i], NULL);
			continue;
		}
		(void)sigaction(signo, NULL, &pr->old[i]);
		/* A signal the caller ignores (nohup) stays ignored. */
		if (ends && pr->old[i].sa_handler == SIG_IGN)
			continue;
		sa.sa_handler = ends ? on_ending_signal : SIG_IGN;
		sa.sa_flags = ends ? SA_RESETHAND : 0;
		(void)sigaction(signo, &sa, NULL);
	}
}

/* Opens the terminal with echo off; -1 (after saying why) if none. */
static int
prompt_open(struct prompt *pr, const char *cmd)
{
	struct termios t;
	char           why[128];
	int            err;

	_Static_assert(ARRAY_LEN(trapped) == ARRAY_LEN(pr->old),
	    "one saved action per trapped signal");
	pr->fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	pr->own_fd = pr->fd != -1;
	if (!pr->own_fd)
		pr->fd = STDIN_FILENO; /* a terminal without being ours */
	pr->out = pr->own_fd ? pr->fd : STDERR_FILENO;
	if (tcgetattr(pr->fd, &restore_mode) == -1)
		goto fail;
	restore_fd = pr->fd;
	restore_out = pr->out;
	trap_signals(pr, true);
	t = restore_mode;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	t.c_lflag |= ICANON;
	/* TCSAFLUSH drops typeahead entered while echo was still on. */
	if (tcsetattr(pr->fd, TCSAFLUSH, &t) == 0)
		return 0;
	err = errno;
	trap_signals(pr, false);
	errno = err;
fail:
	fprintf(stderr, "mysaas %s: cannot use the terminal: %s\n", cmd,
	    str_errno(errno, why, sizeof(why)));
	if (pr->own_fd)
		(void)close(pr->fd);
	return -1;
}

/* Gives the terminal its echo back and the signals their actions. */
static void
prompt_close(struct prompt *pr)
{
	(void)tcsetattr(pr->fd, TCSAFLUSH, &restore_mode);
	trap_signals(pr, false);
	if (pr->own_fd)
		(void)close(pr->fd);
}

/*
 * Shows text and reads one line into s (without its '\n'). -1 on end of
 * input or an error, -2 for a line longer than PASSWORD_MAX.
 */
static int
prompt_read(struct prompt *pr, const char *text, struct secret *s)
{
	bool    too_long = false;
	char    ch;
	ssize_t n;

	write_all(pr->out, text);
	s->len = 0;
	for (;;) {
		n = read(pr->fd, &ch, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n != 1 || ch == '\n')
			break;
		if (s->len < PASSWORD_MAX)
			s->p[s->len++] = ch;
		else
			too_long = true;
	}
	sodium_memzero(&ch, sizeof(ch));
	write_all(pr->out, "\n"); /* the Enter was not echoed */
	s->p[s->len] = '\0';
	if (n == 1 && !too_long)
		return 0;
	sodium_memzero(s, sizeof(*s));
	return too_long ? -2 : -1;
}

/* Asks twice; 0 with the password in pw, -1 after saying why. */
static int
ask_password(const char *cmd, struct secret *pw)
{
	struct prompt pr;
	struct secret again;
	int           rc;

	again.len = 0;
	if (prompt_open(&pr, cmd) == -1)
		return -1;
	rc = prompt_read(&pr, "Password: ", pw);
	if (rc == 0)
		rc = prompt_read(&pr, "Password (again): ", &again);
	prompt_close(&pr);
	if (rc == -2)
		(void)fprintf(stderr,
		    "mysaas %s: the password is longer than %d bytes\n", cmd,
		    PASSWORD_MAX);
	else if (rc == -1)
		(void)fprintf(stderr, "mysaas %s: no password was entered\n",
		    cmd);
	else if (pw->len != again.len ||
	    sodium_memcmp(pw->p, again.p, pw->len) != 0)
		(void)fprintf(stderr, "mysaas %s: the passwords do not match\n",
		    cmd);
	else if (pw->len == 0)
		(void)fprintf(stderr, "mysaas %s: the password is empty\n",
		    cmd);
	else
		rc = 1;
	sodium_memzero(&again, sizeof(again));
	if (rc == 1)
		return 0;
	sodium_memzero(pw, sizeof(*pw));
	return -1;
}

/* The password of --noinput; -1 after saying why. */
static int
env_password(struct secret *pw)
{
	/* NOLINTNEXTLINE(concurrency-mt-unsafe): the CLI has one thread. */
	const char *v = getenv(PASSWORD_ENV);
	size_t      len = v != NULL ? strlen(v) : 0;

	if (len == 0) {
		(void)fprintf(stderr,
		    "mysaas createsuperuser: --noinput needs the password in "
		    "%s; it is %s\n",
		    PASSWORD_ENV, v == NULL ? "not set" : "empty");
		return -1;
	}
	if (len > PASSWORD_MAX) {
		(void)fprintf(stderr,
		    "mysaas createsuperuser: %s is longer than %d bytes\n",
		    PASSWORD_ENV, PASSWORD_MAX);
		return -1;
	}
	memcpy(pw->p, v, len + 1);
	pw->len = len;
	return 0;
}

/* Prompting needs a terminal on stdin (Django's rule): -1 after saying why. */
static int
need_terminal(const char *cmd, const char *hint)
{
	if (isatty(STDIN_FILENO))
		return 0;
	(void)fprintf(stderr,
	    "mysaas %s: stdin is not a terminal, so the password cannot be "
	    "asked for%s\n",
	    cmd, hint);
	return -1;
}

/* Something@something, printable, no spaces, at most EMAIL_MAX bytes. */
static bool
email_ok(const char *e)
{
	const char *at = strchr(e, '@');
	size_t      i, len = strlen(e);

	if (at == NULL || at == e || at[1] == '\0' || len > EMAIL_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)e[i];

		if (ch <= ' ' || ch == 0x7f)
			return false;
	}
	return true;
}

/* Opens the database and checks its schema is current; NULL after saying
 * why. *c is a connection to release before db_close(). */
static struct db *
open_migrated(const struct db_url *url, struct db_conn **c)
{
	struct db *db;
	char       err[512];
	int        pending;

	*c = NULL;
	if ((db = cli_db_open(url, 1)) == NULL)
		return NULL;
	if ((pending = migrate_pending(db, err, sizeof(err))) == -1) {
		(void)fprintf(stderr, "mysaas: %s\n", err);
	} else if (pending > 0) {
		(void)fprintf(stderr,
		    "mysaas: the database has %d pending migration(s) (the "
		    "users table may not exist yet); run mysaas migrate "
		    "first\n",
		    pending);
	} else if ((*c = db_acquire(db)) == NULL) {
		(void)fprintf(stderr,
		    "mysaas: the database is not reachable\n");
	} else {
		return db;
	}
	db_close(db);
	return NULL;
}

static void
say_taken(const char *email)
{
	(void)fprintf(stderr,
	    "mysaas createsuperuser: a user with email %s already exists\n",
	    email);
}

static void
say_no_user(const char *email)
{
	(void)fprintf(stderr,
	    "mysaas changepassword: user '%s' does not exist\n", email);
}

/* 1 free, 0 taken (said so), -1 error (said so). */
static int
email_free(struct db_conn *c, const char *email)
{
	int64_t id;
	int     rc = admins_user_id(c, email, &id);

	if (rc == -1)
		(void)fprintf(stderr, "mysaas: cannot read the users: %s\n",
		    db_errmsg(c));
	else if (rc == 1)
		say_taken(email);
	return rc == -1 ? -1 : !rc;
}

static int
create(const char *email, bool noinput)
{
	struct config   cfg;
	struct db_url   url;
	struct secret   pw;
	struct db      *db;
	struct db_conn *c;
	char            hash[PASSWORD_HASH_SIZE];
	int             rc = 1, ins;

	memset(&pw, 0, sizeof(pw));
	if (noinput && env_password(&pw) == -1)
		return 1;
	if (cli_config_load(&cfg, &url) == -1)
		goto wipe;
	if ((db = open_migrated(&url, &c)) == NULL)
		goto out;
	/* Check the email before asking for the password, as Django does. */
	if (email_free(c, email) != 1)
		goto close;
	if (!noinput && ask_password("createsuperuser", &pw) == -1)
		goto close;
	if (password_hash(pw.p, pw.len, hash) == -1) {
		(void)fprintf(stderr, "mysaas: cannot hash the password\n");
		goto close;
	}
	if ((ins = admins_create_superuser(c, email, hash, NULL)) == -1)
		(void)fprintf(stderr, "mysaas: cannot create the user: %s\n",
		    db_errmsg(c));
	else if (ins == 0)
		say_taken(email);
	else
		rc = 0;
	if (rc == 0)
		printf("Superuser created successfully.\n");
close:
	db_release(db, c);
	db_close(db);
out:
	cli_config_cleanup(&cfg, &url);
wipe:
	sodium_memzero(&pw, sizeof(pw));
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* "mysaas CMD: WHAT[ "ARG"]" and the usage on stderr; exit 2. */
static int
usage_error(const char *cmd, const char *what, const char *arg)
{
	if (arg != NULL)
		(void)fprintf(stderr, "mysaas %s: %s \"%s\"\n", cmd, what, arg);
	else
		(void)fprintf(stderr, "mysaas %s: %s\n", cmd, what);
	(void)cli_usage(stderr, cmd);
	return EXIT_USAGE;
}

int
cli_createsuperuser(int argc, char **argv)
{
	static const char *const cmd = "createsuperuser";
	const char              *email = NULL;
	bool                     noinput = false;
	int                      i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--noinput") == 0 ||
		    strcmp(a, "--no-input") == 0) {
			noinput = true;
		} else if (strncmp(a, "--email=", 8) == 0) {
			email = a + 8;
		} else if (strcmp(a, "--email") == 0) {
			if (++i == argc)
				return usage_error(cmd, "--email needs a value",
				    NULL);
			email = argv[i];
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			(void)cli_usage(stdout, cmd);
			return 0;
		} else {
			return usage_error(cmd, "unknown argument", a);
		}
	}
	if (email == NULL)
		return usage_error(cmd, "--email is required", NULL);
	if (!email_ok(email)) {
		(void)fprintf(stderr,
		    "mysaas %s: \"%s\" is not an email address (name@domain, "
		    "without spaces)\n",
		    cmd, email);
		return 1;
	}
	if (!noinput &&
	    need_terminal(cmd,
	        "; use --noinput with the password in " PASSWORD_ENV) == -1)
		return 1;
	return create(email, noinput);
}

static int
change(const char *email)
{
	struct config   cfg;
	struct db_url   url;
	struct secret   pw;
	struct db      *db;
	struct db_conn *c;
	char            hash[PASSWORD_HASH_SIZE];
	int64_t         id;
	int             rc = 1, found;

	memset(&pw, 0, sizeof(pw));
	memset(hash, 0, sizeof(hash));
	if (cli_config_load(&cfg, &url) == -1)
		return 1;
	if ((db = open_migrated(&url, &c)) == NULL)
		goto out;
	if ((found = admins_user_id(c, email, &id)) == -1) {
		(void)fprintf(stderr, "mysaas: cannot read the users: %s\n",
		    db_errmsg(c));
		goto close;
	}
	if (found == 0) {
		say_no_user(email);
		goto close;
	}
	if (need_terminal("changepassword", "") == -1)
		goto close;
	printf("Changing password for user '%s'\n", email);
	(void)fflush(stdout);
	if (ask_password("changepassword", &pw) == -1)
		goto close;
	if (password_hash(pw.p, pw.len, hash) == -1) {
		(void)fprintf(stderr, "mysaas: cannot hash the password\n");
		goto close;
	}
	if ((found = admins_set_password(c, email, hash)) == -1)
		(void)fprintf(stderr, "mysaas: cannot store the password: %s\n",
		    db_errmsg(c));
	else if (found == 0)
		say_no_user(email);
	else
		rc = 0;
	if (rc == 0)
		printf("Password changed successfully for user '%s'\n", email);
close:
	db_release(db, c);
	db_close(db);
out:
	cli_config_cleanup(&cfg, &url);
	sodium_memzero(&pw, sizeof(pw));
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int
cli_changepassword(int argc, char **argv)
{
	static const char *const cmd = "changepassword";
	const char              *email = NULL;
	int                      i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			(void)cli_usage(stdout, cmd);
			return 0;
		}
		if (a[0] == '-' && a[1] != '\0')
			return usage_error(cmd, "unknown argument", a);
		if (email != NULL)
			return usage_error(cmd, "unexpected argument", a);
		email = a;
	}
	if (email == NULL)
		return usage_error(cmd, "the email is required", NULL);
	return change(email);
}
