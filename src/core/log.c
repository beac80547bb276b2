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
#include <stdint.h>
#include <stdlib.h>
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

/* True for a byte that a log value must not carry as it is. */
static bool
needs_escape(unsigned char c, bool quoted)
{
	if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
		return true;
	/* Outside quotes a space or '=' would start another field. */
	return !quoted && (c == ' ' || c == '=');
}

/* Appends at most max bytes of in, escaped as \xHH where needed. */
static void
escape_append(struct buf *b, const char *in, size_t max, bool quoted)
{
	size_t i, run = 0;

	for (i = 0; in != NULL && in[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)in[i];
		char          hex[5];

		if (!needs_escape(c, quoted))
			continue;
		(void)!buf_append(b, in + run, i - run);
		(void)snprintf(hex, sizeof(hex), "\\x%02x", c);
		(void)!buf_append(b, hex, 4);
		run = i + 1;
	}
	(void)!buf_append(b, in != NULL ? in + run : "", i - run);
}

const char *
log_escape(char *out, size_t outlen, const char *in, size_t max)
{
	size_t i, o = 0;

	if (outlen == 0)
		return out;
	for (i = 0; in != NULL && in[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)in[i];

		if (needs_escape(c, true)) {
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

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Appends the value byte at *p to val, reading the \xHH escapes that
 * log_write put there (and \" and \\); moves *p past it.
 */
static void
value_byte(struct buf *val, const char **p)
{
	const char *s = *p;

	if (s[0] == '\\' && s[1] == 'x' && hex_digit(s[2]) >= 0 &&
	    hex_digit(s[3]) >= 0) {
		char c = (char)(hex_digit(s[2]) * 16 + hex_digit(s[3]));

		(void)!buf_append(val, &c, 1);
		*p = s + 4;
		return;
	}
	if (s[0] == '\\' && s[1] != '\0')
		s++;
	(void)!buf_append(val, s, 1);
	*p = s + 1;
}

/*
 * Splits "k=v k2=\"a b\" word" into JSON members; words without '=' are
 * joined into "msg". Values understand the escapes of log_write (\xHH)
 * and \" and \\ in quotes, so JSON shows the original text.
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
			while (*p != '\0' && *p != '"')
				value_byte(&val, &p);
			if (*p == '"')
				p++;
		} else {
			while (*p != '\0' && *p != ' ')
				value_byte(&val, &p);
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

	/* The line goes to write() with its length: it needs no NUL. */
	/* NOLINTBEGIN(bugprone-not-null-terminated-result) */
	memcpy(p, ts, tlen);
	p += tlen;
	memcpy(p, " level=", 7);
	/* NOLINTEND(bugprone-not-null-terminated-result) */
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

/*
 * One conversion of log_write's format (spec, from '%' to the conversion
 * letter) with its argument, appended to b. Every %s is escaped: quotes,
 * backslashes and control bytes always, spaces and '=' too outside quotes,
 * so text from outside (a client, a database message) can neither break
 * the line nor forge a field. Other conversions print as printf does.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

static void
append_conversion(struct buf *b, const char *spec, size_t speclen, bool quoted,
    va_list *ap)
{
	char        f[32], conv = spec[speclen - 1];
	const char *len = spec + speclen - 1;
	int         prec = -1;
	size_t      i, o = 0;

	/* '*' width and precision are read now and written as numbers. */
	for (i = 0; i + 1 < speclen && o + 12 < sizeof(f); i++) {
		if (spec[i] == '*') {
			int v = va_arg(*ap, int);

			if (i > 0 && spec[i - 1] == '.')
				prec = v;
			o += (size_t)snprintf(f + o, sizeof(f) - o, "%d", v);
		} else {
			f[o++] = spec[i];
		}
	}
	while (len > spec && strchr("hljztL", len[-1]) != NULL)
		len--;
	f[o++] = conv;
	f[o] = '\0';
	if (conv == 's') {
		const char *dot = memchr(spec, '.', speclen);

		/* The format is a literal, its digits checked by the
		 * compiler: no range to check here. */
		if (dot != NULL && prec < 0 && dot[1] != '*')
			prec = (int)strtol(dot + 1, NULL, 10);
		escape_append(b, va_arg(*ap, const char *),
		    prec >= 0 ? (size_t)prec : SIZE_MAX, quoted);
		return;
	}
	if (conv == '%') {
		(void)!buf_append(b, "%", 1);
		return;
	}
	if (strchr("fFeEgGaA", conv) != NULL) {
		(void)!buf_appendf(b, f, va_arg(*ap, double));
		return;
	}
	if (conv == 'p') {
		(void)!buf_appendf(b, f, va_arg(*ap, void *));
		return;
	}
	/* long long and long: one size here, not on every ABI. */
	if (strncmp(len, "ll", 2) == 0 || *len == 'j')
		/* NOLINTNEXTLINE(bugprone-branch-clone) */
		(void)!buf_appendf(b, f, va_arg(*ap, long long));
	else if (*len == 'l' || *len == 'z' || *len == 't')
		(void)!buf_appendf(b, f, va_arg(*ap, long));
	else
		(void)!buf_appendf(b, f, va_arg(*ap, int));
}

#pragma GCC diagnostic pop

/* The length of the conversion at fmt ('%' ... letter), 1 when malformed. */
static size_t
conversion_len(const char *fmt)
{
	size_t n = 1;

	while (fmt[n] != '\0' && strchr("-+ #0123456789.*hljztL", fmt[n]))
		n++;
	return fmt[n] != '\0' ? n + 1 : n;
}

void
log_write(enum log_level level, const char *fmt, ...)
{
	struct buf  b;
	va_list     ap;
	const char *p = fmt, *lit = fmt;
	bool        quoted = false;

	if (!log_enabled(level))
		return;
	buf_init(&b, 0);
	va_start(ap, fmt);
	while (*p != '\0') {
		size_t n;

		if (*p != '%') {
			if (*p == '"')
				quoted = !quoted;
			p++;
			continue;
		}
		(void)!buf_append(&b, lit, (size_t)(p - lit));
		n = conversion_len(p);
		append_conversion(&b, p, n, quoted, &ap);
		p += n;
		lit = p;
	}
	va_end(ap);
	(void)!buf_append(&b, lit, (size_t)(p - lit));
	log_text(level, b.data != NULL ? b.data : "", b.len);
	buf_cleanup(&b);
}
