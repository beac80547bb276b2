/*
 * The .env file format: KEY=VALUE lines, '#' comments, an optional
 * "export " prefix, single quotes (literal), double quotes (\n \t \" \\
 * escapes; may span lines, as PEM keys do) and unquoted values (trimmed, a
 * " #" starts a comment).
 */
#ifndef CORE_DOTENV_H
#define CORE_DOTENV_H

#include <stddef.h>

#include "core/mem.h"

struct dotenv_entry {
	char *key;
	char *value;
};

struct dotenv {
	struct dotenv_entry *entries;
	size_t               count;
};

/*
 * Parses text into env (owned by the caller, dotenv_cleanup()). On a
 * malformed line returns -1 and writes "line N: why" into err.
 */
int dotenv_parse(const char *text, size_t len, struct dotenv *env, char *err,
    size_t errlen) MUST_CHECK;
/* Reads and parses a file; a missing file is an empty env (0). */
int dotenv_load(const char *path, struct dotenv *env, char *err,
    size_t errlen) MUST_CHECK;
/* The value of key, or NULL (borrowed; the last assignment wins). */
const char *dotenv_get(const struct dotenv *env, const char *key);
void        dotenv_cleanup(struct dotenv *env);

#endif
