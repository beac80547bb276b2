/*
 * Sessions, CSRF, Origin and throttle (see session.h). Tokens come from
 * RAND_bytes and travel as lowercase hex; the database sees a session
 * token only as its SHA-256 (a stolen table grants no session). Tokens are
 * compared with CRYPTO_memcmp. Timestamps are written as ISO-8601 UTC text
 * (SQLite compares them as text, PostgreSQL as timestamptz). Stateless
 * apart from the database: safe from any thread.
 */
#include "admin/session.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "accounts/admin_auth.h"
#include "accounts/users.h"
#include "admin/util.h"
#include "app.h"
#include "core/timeutil.h"
#include "http/req.h"

/* 32 random bytes as 64 hex digits in out; -1 when the RNG fails. */
static int
random_hex(char out[ADMIN_TOKEN_HEX + 1])
{
	unsigned char raw[ADMIN_TOKEN_BYTES];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	(void)sodium_bin2hex(out, ADMIN_TOKEN_HEX + 1, raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

/* SHA-256 of the token, in hex: the key of admin_sessions. */
static int
token_hash(const char *token, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen = 0;

	if (EVP_Digest(token, strlen(token), md, &mdlen, EVP_sha256(), NULL) !=
	        1 ||
	    mdlen != 32)
		return -1;
	(void)sodium_bin2hex(out, 65, md, mdlen);
	return 0;
}

/* The session cookie when it has the shape of a token we issue. */
static const char *
session_cookie(struct req *r)
{
	const char *v = req_cookie(r, ADMIN_SESSION_COOKIE);

	return admin_is_hex(v, ADMIN_TOKEN_HEX) ? v : NULL;
}

bool
admin_is_https(struct req *r)
{
	const char *proto;

	if (!r->app->cfg->trust_proxy)
		return false;
	proto = req_header(r, "X-Forwarded-Proto");
	/* "https" or "https, http" (a chain): the first hop counts. */
	return proto != NULL && strncasecmp(proto, "https", 5) == 0 &&
	    (proto[5] == '\0' || proto[5] == ',' || proto[5] == ' ');
}

const char *
admin_client_ip(struct req *r)
{
	const union MHD_ConnectionInfo *ci;
	char                            addr[INET6_ADDRSTRLEN] = "unknown";

	if (r->app->cfg->trust_proxy) {
		const char *xff = req_header(r, "X-Forwarded-For");

		if (xff != NULL && *xff != '\0') {
			const char *last = strrchr(xff, ',');
			size_t      len;

			last = last != NULL ? last + 1 : xff;
			while (*last == ' ' || *last == '\t')
				last++;
			len = strcspn(last, " \t");
			if (len > 0 && len <= 64)
				return arena_strndup(r->arena, last, len);
		}
	}
	ci = MHD_get_connection_info(r->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET)
			(void)inet_ntop(AF_INET,
			    &((const struct sockaddr_in *)(const void *)sa)
			         ->sin_addr,
			    addr, sizeof(addr));
		else if (sa->sa_family == AF_INET6)
			(void)inet_ntop(AF_INET6,
			    &((const struct sockaddr_in6 *)(const void *)sa)
			         ->sin6_addr,
			    addr, sizeof(addr));
	}
	return arena_strndup(r->arena, addr, strlen(addr));
}

bool
admin_origin_ok(struct req *r)
{
	const char *scheme = admin_is_https(r) ? "https" : "http";
	const char *host = req_header(r, "Host");
	const char *origin = req_header(r, "Origin");

	if (origin != NULL)
		return admin_origin_matches(origin, false, scheme, host);
	return admin_origin_matches(req_header(r, "Referer"), true, scheme,
	    host);
}

void
admin_cookie_set(struct req *r, const char *name, const char *value,
    long max_age)
{
	char *c;

	c = arena_printf(r->arena,
	    "%s=%s; Path=/admin/; Max-Age=%ld; HttpOnly; SameSite=Lax%s", name,
	    max_age > 0 ? value : "", max_age,
	    admin_is_https(r) ? "; Secure" : "");
	resp_header(r, "Set-Cookie", c);
}

const char *
admin_login_csrf(struct req *r)
{
	const char *v = req_cookie(r, ADMIN_CSRF_COOKIE);
	char        tok[ADMIN_TOKEN_HEX + 1];

	if (admin_is_hex(v, ADMIN_TOKEN_HEX))
		return v;
	if (random_hex(tok) == -1)
		return NULL;
	/* A year, as Django's CSRF_COOKIE_AGE; it only guards the login. */
	admin_cookie_set(r, ADMIN_CSRF_COOKIE, tok, 365L * 24 * 3600);
	return arena_strndup(r->arena, tok, ADMIN_TOKEN_HEX);
}

int
admin_session_load(struct req *r, struct db_conn *c, struct admin_user *u)
{
	static const char *const sql =
	    "SELECT u.id, u.email, u.is_superuser, s.csrf_token "
	    "FROM admin_sessions s JOIN users u ON u.id = s.user_id "
	    "WHERE s.token_hash = $1 AND s.expires_at > $2 "
	    "AND u.is_active = $3 AND u.is_staff = $3";
	const char     *tok = session_cookie(r);
	char            hash[65], now[ISO_TIME_SIZE];
	struct db_rows *rows;
	size_t          len;
	const char     *s;
	int             rc;

	if (tok == NULL || token_hash(tok, hash) == -1)
		return 0;
	time_iso_from_ms(time_now_ms(), now);
	struct db_param p[] = {DB_TEXT(hash), DB_TEXT(now), DB_INT(1)};

	if ((rows = db_query(c, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	if ((rc = db_rows_next(rows)) == 1) {
		u->id = db_col_int(rows, 0);
		s = db_col_text(rows, 1, &len);
		u->email = arena_strndup(r->arena, s, len);
		u->is_superuser = db_col_bool(rows, 2);
		s = db_col_text(rows, 3, &len);
		if (len != ADMIN_TOKEN_HEX) {
			rc = 0; /* not a row we wrote */
		} else {
			memcpy(u->csrf, s, len);
			u->csrf[len] = '\0';
		}
	}
	db_rows_free(rows);
	return rc;
}

int
admin_session_start(struct req *r, struct db_conn *c, int64_t user_id)
{
	const char *old = session_cookie(r);
	char        old_hash[65] = "";
	char    tok[ADMIN_TOKEN_HEX + 1], csrf[ADMIN_TOKEN_HEX + 1], hash[65];
	char    now[ISO_TIME_SIZE], exp[ISO_TIME_SIZE];
	int64_t ms = time_now_ms();
	int     rc = -1;

	if (random_hex(tok) == -1 || random_hex(csrf) == -1 ||
	    token_hash(tok, hash) == -1 ||
	    (old != NULL && token_hash(old, old_hash) == -1))
		goto out;
	time_iso_from_ms(ms, now);
	time_iso_from_ms(ms + (int64_t)ADMIN_SESSION_AGE_S * 1000, exp);
	struct admin_auth_session s = {hash, user_id, csrf, now, exp};

	if (db_begin(c) == -1)
		goto out;
	/* A login replaces the session the browser had (no fixation). */
	if ((old_hash[0] != '\0' &&
	        admin_auth_session_drop(c, old_hash) == -1) ||
	    admin_auth_sessions_purge(c, now) == -1 ||
	    admin_auth_session_add(c, &s) == -1 ||
	    user_set_last_login(c, user_id, now) == -1 || db_commit(c) == -1) {
		(void)!db_rollback(c);
		goto out;
	}
	admin_cookie_set(r, ADMIN_SESSION_COOKIE, tok, ADMIN_SESSION_AGE_S);
	rc = 0;
out:
	OPENSSL_cleanse(tok, sizeof(tok));
	return rc;
}

int
admin_session_end(struct req *r, struct db_conn *c)
{
	const char *tok = session_cookie(r);
	char        hash[65];

	admin_cookie_set(r, ADMIN_SESSION_COOKIE, "", 0);
	if (tok == NULL || token_hash(tok, hash) == -1)
		return 0;
	return admin_auth_session_drop(c, hash);
}

/* One count(*) with its parameters; -1 on error. */
static int
count(struct db_conn *c, const char *sql, const struct db_param *p, size_t n,
    int64_t *out)
{
	*out = 0;
	return db_query_int(c, sql, p, n, out, NULL) == -1 ? -1 : 0;
}

int
admin_throttle_check(struct db_conn *c, const char *email, const char *ip,
    bool *blocked)
{
	static const char *const by_email =
	    "SELECT count(*) FROM admin_login_failures "
	    "WHERE email = lower($1) AND created_at > $2";
	static const char *const by_ip =
	    "SELECT count(*) FROM admin_login_failures "
	    "WHERE ip = $1 AND created_at > $2";
	char    since[ISO_TIME_SIZE];
	int64_t ne = 0, ni = 0;

	admin_throttle_since(time_now_ms(), since);
	struct db_param pe[] = {DB_TEXT(email), DB_TEXT(since)};
	struct db_param pi[] = {DB_TEXT(ip), DB_TEXT(since)};

	if (count(c, by_email, pe, ARRAY_LEN(pe), &ne) == -1 ||
	    count(c, by_ip, pi, ARRAY_LEN(pi), &ni) == -1)
		return -1;
	*blocked = admin_throttled(ne, ni);
	return 0;
}

int
admin_throttle_fail(struct db_conn *c, const char *email, const char *ip)
{
	char    now[ISO_TIME_SIZE], since[ISO_TIME_SIZE];
	int64_t ms = time_now_ms();

	time_iso_from_ms(ms, now);
	admin_throttle_since(ms, since);
	if (admin_auth_failures_purge(c, since) == -1)
		return -1;
	return admin_auth_failure_add(c, email, ip, now);
}

int
admin_throttle_clear(struct db_conn *c, const char *email)
{
	return admin_auth_failures_clear(c, email);
}
