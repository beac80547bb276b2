/*
 * .env parsing. Pure apart from dotenv_load()'s file read; no globals.
 */
#include "core/dotenv.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

#define DOTENV_MAX_BYTES (1024UL * 1024)

struct cursor {
	const char *p;
	const char *end;
	size_t      line;
};

static bool
is_key_char(char c, bool first)
{
	if (c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
		return true;
	return !first && c >= '0' && c <= '9';
}

static void
skip_blanks(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

static void
skip_to_eol(struct cursor *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
}

static int
parse_double_quoted(struct cursor *c, struct buf *v)
{
	c->p++; /* opening quote */
	while (c->p < c->end && *c->p != '"') {
		char ch = *c->p++;

		if (ch == '\n')
			c->line++;
		if (ch == '\\' && c->p < c->end) {
			char e = *c->p++;

			/* Every branch is a char (the literals are ints). */
			/* NOLINTBEGIN(bugprone-narrowing-conversions) */
			ch = e == 'n'  ? '\n'
			    : e == 't' ? '\t'
			    : e == 'r' ? '\r'
			               : e;
			/* NOLINTEND(bugprone-narrowing-conversions) */
			if (e != 'n' && e != 't' && e != 'r' && e != '"' &&
			    e != '\\' && e != '$') {
				if (buf_append(v, "\\", 1) == -1)
					return -1;
			}
		}
		if (buf_append(v, &ch, 1) == -1)
			return -1;
	}
	if (c->p >= c->end)
		return -1;
	c->p++;
	return 0;
}

static int
parse_single_quoted(struct cursor *c, struct buf *v)
{
	const char *start = ++c->p;

	while (c->p < c->end && *c->p != '\'') {
		if (*c->p == '\n')
			c->line++;
		c->p++;
	}
	if (c->p >= c->end)
		return -1;
	if (buf_append(v, start, (size_t)(c->p - start)) == -1)
		return -1;
	c->p++;
	return 0;
}

static int
parse_unquoted(struct cursor *c, struct buf *v)
{
	const char *start = c->p, *stop;

	while (c->p < c->end && *c->p != '\n') {
		if (*c->p == '#' && c->p > start &&
		    (c->p[-1] == ' ' || c->p[-1] == '\t'))
			break;
		c->p++;
	}
	stop = c->p;
	while (stop > start &&
	    (stop[-1] == ' ' || stop[-1] == '\t' || stop[-1] == '\r'))
		stop--;
	skip_to_eol(c);
	return buf_append(v, start, (size_t)(stop - start));
}

static void
add_entry(struct dotenv *env, const char *key, size_t klen, struct buf *v)
{
	struct dotenv_entry *e;

	env->entries =
	    xrealloc(env->entries, (env->count + 1) * sizeof(*env->entries));
	e = &env->entries[env->count++];
	e->key = xstrndup(key, klen);
	e->value = xstrndup(v->data != NULL ? v->data : "", v->len);
}

/* Parses one logical line at c; 0 on success (including blank lines). */
static int
parse_line(struct cursor *c, struct dotenv *env, const char **why)
{
	const char *key, *value_start;
	size_t      klen;
	struct buf  v;
	int         rc = -1;

	skip_blanks(c);
	if (c->p >= c->end || *c->p == '\n' || *c->p == '\r' || *c->p == '#') {
		skip_to_eol(c);
		return 0;
	}
	if ((size_t)(c->end - c->p) > 7 && memcmp(c->p, "export ", 7) == 0) {
		c->p += 7;
		skip_blanks(c);
	}
	key = c->p;
	while (c->p < c->end && is_key_char(*c->p, c->p == key))
		c->p++;
	klen = (size_t)(c->p - key);
	skip_blanks(c);
	if (klen == 0 || c->p >= c->end || *c->p != '=') {
		*why = "expected KEY=VALUE";
		return -1;
	}
	c->p++;
	value_start = c->p;
	skip_blanks(c);
	buf_init(&v, DOTENV_MAX_BYTES);
	if (c->p > value_start && c->p < c->end && *c->p == '#') {
		/* "KEY= # comment": an empty value, then a comment. */
		skip_to_eol(c);
		add_entry(env, key, klen, &v);
		buf_cleanup(&v);
		return 0;
	}
	if (c->p < c->end && *c->p == '"')
		rc = parse_double_quoted(c, &v);
	else if (c->p < c->end && *c->p == '\'')
		rc = parse_single_quoted(c, &v);
	else
		rc = parse_unquoted(c, &v);
	if (rc == -1) {
		*why = "unterminated quoted value";
	} else {
		skip_blanks(c);
		if (c->p < c->end && *c->p == '#')
			skip_to_eol(c);
		if (c->p < c->end && *c->p == '\r')
			c->p++;
		if (c->p < c->end && *c->p != '\n') {
			*why = "unexpected text after the closing quote";
			rc = -1;
		} else {
			add_entry(env, key, klen, &v);
		}
	}
	buf_cleanup(&v);
	return rc;
}

int
dotenv_parse(const char *text, size_t len, struct dotenv *env, char *err,
    size_t errlen)
{
	struct cursor c = {text, text + len, 1};
	const char   *why = NULL;

	env->entries = NULL;
	env->count = 0;
	while (c.p < c.end) {
		size_t line = c.line;

		if (parse_line(&c, env, &why) == -1) {
			(void)snprintf(err, errlen, "line %zu: %s", line, why);
			dotenv_cleanup(env);
			return -1;
		}
		if (c.p < c.end && *c.p == '\n') {
			c.p++;
			c.line++;
		}
	}
	return 0;
}

int
dotenv_load(const char *path, struct dotenv *env, char *err, size_t errlen)
{
	FILE      *f;
	struct buf text;
	char       chunk[4096];
	size_t     n;
	int        rc = -1;

	env->entries = NULL;
	env->count = 0;
	if ((f = fopen(path, "r")) == NULL) {
		if (errno == ENOENT)
			return 0;
		(void)snprintf(err, errlen, "cannot read: %s",
		    errno == EACCES ? "permission denied" : "I/O error");
		return -1;
	}
	buf_init(&text, DOTENV_MAX_BYTES);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(&text, chunk, n) == -1) {
			(void)snprintf(err, errlen, "larger than 1 MiB");
			goto out;
		}
	}
	if (ferror(f)) {
		(void)snprintf(err, errlen, "cannot read: I/O error");
		goto out;
	}
	rc = dotenv_parse(text.data != NULL ? text.data : "", text.len, env,
	    err, errlen);
out:
	buf_cleanup(&text);
	(void)fclose(f);
	return rc;
}

const char *
dotenv_get(const struct dotenv *env, const char *key)
{
	size_t i;

	for (i = env->count; i > 0; i--) {
		if (strcmp(env->entries[i - 1].key, key) == 0)
			return env->entries[i - 1].value;
	}
	return NULL;
}

void
dotenv_cleanup(struct dotenv *env)
{
	size_t i;

	for (i = 0; i < env->count; i++) {
		free(env->entries[i].key);
		free(env->entries[i].value);
	}
	free(env->entries);
	env->entries = NULL;
	env->count = 0;
}
