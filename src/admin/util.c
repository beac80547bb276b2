/*
 * Pure admin helpers (see util.h). Every function takes untrusted bytes and
 * decides with explicit bounds; nothing allocates but the caller's buffer.
 */
#include "admin/util.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"

static bool
is_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

int
admin_urlencode(struct buf *b, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t            i, run = 0;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		char          pct[3];

		if (is_unreserved(c) || (keep_slash && c == '/'))
			continue;
		pct[0] = '%';
		pct[1] = hex[c >> 4];
		pct[2] = hex[c & 0x0F];
		if (buf_append(b, s + run, i - run) == -1 ||
		    buf_append(b, pct, 3) == -1)
			return -1;
		run = i + 1;
	}
	return buf_append(b, s + run, i - run);
}

int
admin_like_contains(struct buf *b, const char *term, size_t len)
{
	size_t i;

	if (buf_append(b, "%", 1) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		char c = term[i];

		if ((c == '\\' || c == '%' || c == '_') &&
		    buf_append(b, "\\", 1) == -1)
			return -1;
		if (buf_append(b, &c, 1) == -1)
			return -1;
	}
	return buf_append(b, "%", 1);
}

bool
admin_next_ok(const char *next)
{
	size_t i;

	if (next == NULL || next[0] != '/' || next[1] == '/' || next[1] == '\\')
		return false;
	for (i = 0; next[i] != '\0'; i++) {
		unsigned char c = (unsigned char)next[i];

		/* Browsers drop tabs and newlines, so "/\t/x" is "//x". */
		if (c <= 0x20 || c == 0x7F || c == '\\')
			return false;
		if (i > 2048)
			return false;
	}
	return true;
}

bool
admin_origin_matches(const char *value, bool is_referer, const char *scheme,
    const char *host)
{
	size_t slen, hlen;
	char   end;

	if (value == NULL || scheme == NULL || host == NULL || *host == '\0')
		return false;
	slen = strlen(scheme);
	hlen = strlen(host);
	if (strlen(value) < slen + 3 + hlen)
		return false;
	if (!str_eq_nocase((struct str){value, slen}, str_from_cstr(scheme)) ||
	    strncmp(value + slen, "://", 3) != 0 ||
	    !str_eq_nocase((struct str){value + slen + 3, hlen},
	        str_from_cstr(host)))
		return false;
	end = value[slen + 3 + hlen];
	/* "http://host" is an Origin; a Referer goes on with a path. */
	if (is_referer)
		return end == '/' || end == '\0';
	return end == '\0';
}

bool
admin_token_eq(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return false;
	la = strlen(a);
	lb = strlen(b);
	/* Lengths are public (every token we issue has the same one). */
	if (la != lb || la == 0)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}

bool
admin_is_hex(const char *s, size_t len)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; i < len; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return s[len] == '\0';
}

bool
admin_text_ok(const char *p, size_t len, bool multiline)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t               i = 0, n;

	while (i < len) {
		if (s[i] >= 0x80) {
			if ((n = str_utf8_seq(s + i, len - i, NULL)) == 0)
				return false;
			i += n;
			continue;
		}
		if (s[i] == 0x7F ||
		    (s[i] < 0x20 &&
		        !(multiline &&
		            (s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))))
			return false;
		i++;
	}
	return true;
}

bool
admin_email_ok(const char *s)
{
	const char *at;
	size_t      i, len;

	if (s == NULL || (len = strlen(s)) == 0 || len > 254)
		return false;
	if ((at = strchr(s, '@')) == NULL || at == s || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' ||
		    c == '"' || c == '\\' || c == ',' || c == ';')
			return false;
	}
	return admin_text_ok(s, len, false);
}

bool
admin_role_ok(const char *s)
{
	size_t i;

	if (s == NULL || strncmp(s, "org:", 4) != 0)
		return false;
	for (i = 4; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '_' || c == ':' ||
		        c == '-'))
			return false;
		if (i >= 64)
			return false;
	}
	return i > 4;
}

static bool
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

void
admin_time_display(const char *db, char out[ADMIN_TIME_SIZE])
{
	/* "YYYY-MM-DD" + "T" or " " + "HH:MM:SS", then fractions and zone
	 * (always UTC: SQLite stores "Z", PostgreSQL runs in TimeZone=UTC). */
	if (db != NULL && strlen(db) >= 19 && digits(db, 4) && db[4] == '-' &&
	    digits(db + 5, 2) && db[7] == '-' && digits(db + 8, 2) &&
	    (db[10] == 'T' || db[10] == ' ') && digits(db + 11, 2) &&
	    db[13] == ':' && digits(db + 14, 2) && db[16] == ':' &&
	    digits(db + 17, 2)) {
		(void)snprintf(out, ADMIN_TIME_SIZE, "%.10s %.8s UTC", db,
		    db + 11);
		return;
	}
	(void)snprintf(out, ADMIN_TIME_SIZE, "%s", db != NULL ? db : "");
}

bool
admin_throttled(int64_t email_failures, int64_t ip_failures)
{
	return email_failures >= ADMIN_THROTTLE_MAX ||
	    ip_failures >= ADMIN_THROTTLE_MAX;
}

void
admin_throttle_since(int64_t now_ms, char out[ISO_TIME_SIZE])
{
	time_iso_from_ms(now_ms - (int64_t)ADMIN_THROTTLE_WINDOW_S * 1000, out);
}
