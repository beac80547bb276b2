/*
 * The logger. Configuration is set once at start (before threads); after
 * that log_write() only reads it, so it is safe from any thread. Each line
 * is formatted in full and written to stderr with one write(2).
 */
#include "core/log.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"

static enum log_level  log_threshold = LOG_INFO;
static enum log_format log_fmt = LOG_TEXT;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void
log_setup(enum log_level level, enum log_format format)
{
	log_threshold = level;
	log_fmt = format;
}

bool
log_enabled(enum log_level level)
{
	return level <= log_threshold;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

int
log_format_parse(const char *s, enum log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = LOG_JSON;
	else
		return -1;
	return 0;
}

const char *
log_escape(char *out, size_t outlen, const char *in, size_t max)
{
	size_t i, o = 0;

	if (outlen == 0)
		return out;
	for (i = 0; in != NULL && in[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			if (o + 5 > outlen)
				break;
			(void)snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		} else {
			if (o + 2 > outlen)
				break;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

static void
format_time(char *out, size_t len)
{
	/* The date and time to the second, formatted once per second and
	 * thread: a busy server logs thousands of lines a second. */
	static _Thread_local struct {
		time_t sec;
		char   base[32];
	} last = {-1, ""};
	struct timespec ts;
	struct tm       tm;
	long            ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != last.sec) {
		gmtime_r(&ts.tv_sec, &tm);
		if (strftime(last.base, sizeof(last.base), "%Y-%m-%dT%H:%M:%S",
		        &tm) == 0)
			last.base[0] = '\0';
		last.sec = ts.tv_sec;
	}
	ms = ts.tv_nsec / 1000000;
	(void)snprintf(out, len, "%s.%c%c%cZ", last.base,
	    (char)('0' + ms / 100), (char)('0' + ms / 10 % 10),
	    (char)('0' + ms % 10));
}

/* Log lines may carry client bytes: invalid UTF-8 must not break JSON. */
static json_t *
utf8_or_placeholder(const char *p, size_t len)
{
	json_t *s = json_stringn(p != NULL ? p : "", len);

	return s != NULL ? s : json_string("(invalid utf-8)");
}

/*
 * Splits "k=v k2=\"a b\" word" into JSON members; words without '=' are
 * joined into "msg". Quoted values understand \" and \\.
 */
static void
kv_to_json(json_t *obj, const char *line)
{
	struct buf  msg, val;
	const char *p = line;

	buf_init(&msg, 0);
	buf_init(&val, 0);
	while (*p != '\0') {
		const char *start, *eq = NULL;

		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && *p != ' ' && *p != '=' && *p != '"')
			p++;
		if (*p == '=' && p > start)
			eq = p;
		if (eq == NULL) {
			while (*p != '\0' && *p != ' ')
				p++;
			if (msg.len > 0)
				(void)!buf_append(&msg, " ", 1);
			(void)!buf_append(&msg, start, (size_t)(p - start));
			continue;
		}
		p = eq + 1;
		buf_reset(&val);
		if (*p == '"') {
			p++;
			while (*p != '\0' && *p != '"') {
				if (*p == '\\' && p[1] != '\0')
					p++;
				(void)!buf_append(&val, p, 1);
				p++;
			}
			if (*p == '"')
				p++;
		} else {
			const char *vs = p;

			while (*p != '\0' && *p != ' ')
				p++;
			(void)!buf_append(&val, vs, (size_t)(p - vs));
		}
		{
			char   key[64];
			size_t klen = (size_t)(eq - start);

			if (klen >= sizeof(key))
				klen = sizeof(key) - 1;
			memcpy(key, start, klen);
			key[klen] = '\0';
			json_object_set_new(obj, key,
			    utf8_or_placeholder(val.data, val.len));
		}
	}
	if (msg.len > 0)
		json_object_set_new(obj, "msg",
		    utf8_or_placeholder(msg.data, msg.len));
	buf_cleanup(&msg);
	buf_cleanup(&val);
}

static void
write_all(const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* The text line "<ts> level=<level> <msg>\n" in one write. */
static void
write_text_line(enum log_level level, const char *ts, const char *msg,
    size_t len)
{
	char   stackline[2048];
	size_t tlen = strlen(ts), nlen = strlen(level_names[level]);
	size_t need = tlen + 7 + nlen + 1 + len + 1;
	char  *line = need <= sizeof(stackline) ? stackline : xmalloc(need);
	char  *p = line;

	memcpy(p, ts, tlen);
	p += tlen;
	memcpy(p, " level=", 7);
	p += 7;
	memcpy(p, level_names[level], nlen);
	p += nlen;
	*p++ = ' ';
	memcpy(p, msg, len);
	p += len;
	*p++ = '\n';
	write_all(line, (size_t)(p - line));
	if (line != stackline)
		free(line);
}

/* The JSON line {"ts", "level", key: value...} in one write. */
static void
write_json_line(enum log_level level, const char *ts, const char *msg,
    size_t len)
{
	json_t *obj = json_object();
	char   *text = xstrndup(msg, len); /* kv_to_json reads up to a NUL */
	char   *s;

	json_object_set_new(obj, "ts", json_string(ts));
	json_object_set_new(obj, "level", json_string(level_names[level]));
	kv_to_json(obj, text);
	s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (s != NULL) {
		struct buf out;

		buf_init(&out, 0);
		(void)!buf_append_cstr(&out, s);
		(void)!buf_append(&out, "\n", 1);
		write_all(out.data, out.len);
		buf_cleanup(&out);
		free(s);
	}
	json_decref(obj);
	free(text);
}

void
log_text(enum log_level level, const char *msg, size_t len)
{
	char ts[48];

	if (!log_enabled(level))
		return;
	format_time(ts, sizeof(ts));
	if (log_fmt == LOG_JSON)
		write_json_line(level, ts, msg, len);
	else
		write_text_line(level, ts, msg, len);
}

void
log_write(enum log_level level, const char *fmt, ...)
{
	char    stackbuf[1024];
	char   *line = stackbuf, *heap = NULL;
	va_list ap;
	int     n;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(stackbuf)) {
		heap = xmalloc((size_t)n + 1);
		va_start(ap, fmt);
		(void)vsnprintf(heap, (size_t)n + 1, fmt, ap);
		va_end(ap);
		line = heap;
	}
	log_text(level, line, (size_t)n);
	free(heap);
}
