/*
 * Logging: one line per event, written with a single write(2) so threads
 * never interleave. Callers write key=value pairs (quote values holding
 * spaces: key="a b"); with LOG_FORMAT=json each line becomes one JSON object.
 * Never log secrets, tokens, cookies or passwords.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/mem.h"

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

enum log_format {
	LOG_TEXT = 0,
	LOG_JSON,
};

/* Sets the threshold and format; call before starting threads. */
void log_setup(enum log_level level, enum log_format format);
/* True when a message at level would be written. */
bool log_enabled(enum log_level level);
/* Parses "error" | "warn" | "info" | "debug"; -1 when unknown. */
int log_level_parse(const char *s, enum log_level *out) MUST_CHECK;
/* Parses "text" | "json"; -1 when unknown. */
int log_format_parse(const char *s, enum log_format *out) MUST_CHECK;

/*
 * Copies in (at most max bytes of it) into out for use inside a quoted log
 * value: quotes, backslashes and control bytes become \xHH, so client bytes
 * cannot forge fields. Returns out.
 */
const char *log_escape(char *out, size_t outlen, const char *in, size_t max);

void log_write(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Writes msg (len bytes of key=value pairs, no format) as log_write does. */
void log_text(enum log_level level, const char *msg, size_t len);

#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_write(LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                     \
	do {                                               \
		if (log_enabled(LOG_DEBUG))                \
			log_write(LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
