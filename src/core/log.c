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
		if (strftime(last.base, sizeof(last.base),
		        "%Y-%m-%dT%H:%M:%S", &tm) == 0)
			last.base[0] = '\0';
		last.sec = ts.tv_sec;
	}
	ms = ts.tv_nsec / 1000000;
	(void)snprintf(out, len, "%s.%c%c%cZ", last.base, (char)('0' + ms / 100),
	    (char)('0' + ms / 10 % 10), (char)('0' + ms % 10));
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

/*
 * A text line formatted in one stack buffer, prefix and message, and
 * written: 0. -1 when it does not fit (log_write's general path then
 * writes it), with nothing written.
 */
__attribute__((format(printf, 3, 0))) static int
text_line_in_place(enum log_level level, const char *ts, const char *fmt,
    va_list ap)
{
	char line[1024];
	int  p, n;

	p = snprintf(line, sizeof(line), "%s level=%s ", ts,
	    level_names[level]);
	if (p < 0 || (size_t)p >= sizeof(line))
		return -1;
	n = vsnprintf(line + p, sizeof(line) - (size_t)p, fmt, ap);
	if (n < 0 || (size_t)p + (size_t)n + 1 >= sizeof(line))
		return -1;
	line[p + n] = '\n';
	write_all(line, (size_t)p + (size_t)n + 1);
	return 0;
}

void
log_write(enum log_level level, const char *fmt, ...)
{
	char       ts[48], stackbuf[1024];
	char      *line = stackbuf, *heap = NULL;
	va_list    ap;
	int        n;
	struct buf out;

	if (!log_enabled(level))
		return;
	format_time(ts, sizeof(ts));
	if (log_fmt == LOG_TEXT) {
		va_start(ap, fmt);
		n = text_line_in_place(level, ts, fmt, ap);
		va_end(ap);
		if (n == 0)
			return;
	}
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
	buf_init(&out, 0);
	if (log_fmt == LOG_JSON) {
		json_t *obj = json_object();
		char   *s;

		json_object_set_new(obj, "ts", json_string(ts));
		json_object_set_new(obj, "level",
		    json_string(level_names[level]));
		kv_to_json(obj, line);
		s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s != NULL) {
			(void)!buf_append_cstr(&out, s);
			free(s);
		}
		json_decref(obj);
	} else {
		(void)!buf_appendf(&out, "%s level=%s %s", ts,
		    level_names[level], line);
	}
	(void)!buf_append(&out, "\n", 1);
	write_all(out.data, out.len);
	buf_cleanup(&out);
	free(heap);
}

void
log_text(enum log_level level, const char *msg, size_t len)
{
	char   line[2048], ts[48];
	size_t tlen, nlen;

	if (!log_enabled(level))
		return;
	if (log_fmt == LOG_TEXT) {
		format_time(ts, sizeof(ts));
		tlen = strlen(ts);
		nlen = strlen(level_names[level]);
		if (tlen + 7 + nlen + 1 + len + 1 <= sizeof(line)) {
			char *p = line;

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
			return;
		}
	}
	log_write(level, "%.*s", (int)len, msg);
}
