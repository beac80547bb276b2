/*
 * /admin/login/ and /admin/logout/. Only active staff sign in; a failed
 * login says nothing about which of email and password was wrong, takes
 * the time of a real verify (password_verify's dummy hash for unknown
 * emails), and counts towards the throttle, which answers 429 before any
 * password is checked once an email or a client address has
 * ADMIN_THROTTLE_MAX failures in the window.
 */
#include "admin/admin.h"

#include <string.h>

#include "accounts/password.h"
#include "accounts/users.h"
#include "admin/page.h"
#include "core/log.h"

#define EMAIL_MAX    254
#define PASSWORD_MAX 1024

static const char bad_login[] =
    "Please enter the correct email and password for a staff account. Note "
    "that both fields may be case-sensitive.";

/* The admin's landing place after login: next when safe, else /admin/. */
static const char *
next_of(const char *next)
{
	return admin_next_ok(next) && strncmp(next, "/admin/", 7) == 0
	    ? next
	    : "/admin/";
}

static int
login_page(struct admin_ctx *c, int status, const char *email, const char *next,
    const char *error)
{
	const char *tok = admin_login_csrf(c->r);

	if (tok == NULL)
		return admin_error(c, HTTP_INTERNAL_ERROR, "Server error",
		    "No random token could be made. Try again.");
	memcpy(c->user.csrf, tok, ADMIN_TOKEN_HEX + 1);
	admin_page_begin(c, "Log in", NULL, 0);
	html_lit(&c->h, "<h1>Log in</h1>\n");
	if (error != NULL) {
		html_lit(&c->h,
		    "<ul class=\"messages\"><li class=\"error\" "
		    "role=\"alert\">");
		html_text(&c->h, error);
		html_lit(&c->h, "</li></ul>\n");
	}
	html_lit(&c->h,
	    "<form method=\"post\" action=\"/admin/login/\" "
	    "id=\"login-form\">\n");
	admin_csrf_input(c);
	html_lit(&c->h, "<input type=\"hidden\" name=\"next\"");
	html_attr(&c->h, "value", next_of(next));
	html_lit(&c->h,
	    ">\n<div class=\"form-row\"><label for=\"id_username\">Email"
	    "</label><input type=\"email\" name=\"username\" "
	    "id=\"id_username\" autocomplete=\"username\" required "
	    "autofocus maxlength=\"254\"");
	html_attr(&c->h, "value", email != NULL ? email : "");
	html_lit(&c->h,
	    "></div>\n<div class=\"form-row\"><label for=\"id_password\">"
	    "Password</label><input type=\"password\" name=\"password\" "
	    "id=\"id_password\" autocomplete=\"current-password\" required>"
	    "</div>\n<div class=\"form-actions\"><button type=\"submit\">"
	    "Log in</button></div>\n</form>\n");
	return admin_page_end(c, status);
}

struct login_user {
	int64_t id;
	char   *hash;
	bool    ok; /* active staff */
};

/* The account of email (any case): 1, 0 when none, -1 on error. */
static int
find_user(struct admin_ctx *c, const char *email, struct login_user *u)
{
	static const char *const sql =
	    "SELECT id, password, is_active, is_staff FROM users "
	    "WHERE email IS NOT NULL AND lower(email) = lower($1)";
	struct db_param p[] = {DB_TEXT(email)};
	struct db_rows *rows;
	int             rc;

	if ((rows = db_query(c->db, sql, p, ARRAY_LEN(p))) == NULL)
		return -1;
	if ((rc = db_rows_next(rows)) == 1) {
		u->id = db_col_int(rows, 0);
		u->hash = admin_col(c, rows, 1);
		u->ok = db_col_bool(rows, 2) && db_col_bool(rows, 3);
	}
	db_rows_free(rows);
	return rc;
}

/* After a verify with an outdated cost: store a new hash (best effort). */
static void
rehash(struct admin_ctx *c, const struct login_user *u, const char *pw,
    size_t len)
{
	char hash[PASSWORD_HASH_SIZE];

	if (!password_needs_rehash(u->hash) ||
	    password_hash(pw, len, hash) == -1)
		return;
	if (user_rehash(c->db, u->id, hash, u->hash) == -1)
		log_warn("req=%s component=admin msg=\"password rehash "
		         "failed\"",
		    c->r->id);
}

static int
db_failed(struct admin_ctx *c)
{
	log_error("req=%s component=admin msg=\"login query failed\" "
	          "error=\"%s\"",
	    c->r->id, db_errmsg(c->db));
	return admin_error(c, HTTP_SERVICE_UNAVAILABLE, "Service unavailable",
	    "The database did not answer. Try again in a moment.");
}

static int
throttled(struct admin_ctx *c)
{
	log_warn("req=%s component=admin msg=\"login throttled\"", c->r->id);
	resp_header(c->r, "Retry-After", "900");
	return admin_error(c, HTTP_TOO_MANY_REQUESTS,
	    "Too many failed login attempts",
	    "There have been too many failed login attempts for this account "
	    "or from your network. For your security, logging in is blocked "
	    "for 15 minutes. Try again later.");
}

static int
login_post(struct admin_ctx *c)
{
	const char       *email = admin_form_get(&c->form, "username");
	const char       *next = admin_form_get(&c->form, "next");
	const char       *pw, *ip = admin_client_ip(c->r);
	size_t            pwlen = 0;
	struct login_user u = {0};
	bool              blocked = false, ok;
	int               found;

	if (email == NULL || *email == '\0')
		email = admin_form_get(&c->form, "email");
	pw = admin_form_getn(&c->form, "password", &pwlen);
	if (email == NULL || *email == '\0' || pw == NULL || pwlen == 0)
		return login_page(c, HTTP_OK, email, next,
		    "Enter both your email and your password.");
	if (strlen(email) > EMAIL_MAX || pwlen > PASSWORD_MAX ||
	    !admin_text_ok(email, strlen(email), false))
		return login_page(c, HTTP_OK, NULL, next, bad_login);
	if (admin_throttle_check(c->db, email, ip, &blocked) == -1)
		return db_failed(c);
	if (blocked)
		return throttled(c);
	if ((found = find_user(c, email, &u)) == -1)
		return db_failed(c);
	/* Unknown emails verify against "" (a dummy hash of equal cost). */
	ok = password_verify(found == 1 ? u.hash : "", pw, pwlen);
	if (!ok || found != 1 || !u.ok) {
		if (admin_throttle_fail(c->db, email, ip) == -1)
			return db_failed(c);
		log_info("req=%s component=admin msg=\"login failed\"",
		    c->r->id);
		return login_page(c, HTTP_OK, email, next, bad_login);
	}
	rehash(c, &u, pw, pwlen);
	if (admin_throttle_clear(c->db, email) == -1 ||
	    admin_session_start(c->r, c->db, u.id) == -1)
		return db_failed(c);
	log_info("req=%s component=admin msg=\"login\" user_id=%lld", c->r->id,
	    (long long)u.id);
	return admin_redirect(c->r, next_of(next));
}

int
admin_login(struct req *r)
{
	struct admin_ctx *c = r->gate_ctx;

	if (c == NULL)
		return HTTP_INTERNAL_ERROR;
	if (c->is_post)
		return login_post(c);
	if (c->signed_in)
		return admin_redirect(r, next_of(req_query(r, "next")));
	return login_page(c, HTTP_OK, NULL, req_query(r, "next"), NULL);
}

int
admin_logout(struct req *r)
{
	static const struct html_link crumbs[] = {{"Home", "/admin/", false},
	    {"Log out", NULL, false}};
	struct admin_ctx             *c = r->gate_ctx;

	if (c == NULL)
		return HTTP_INTERNAL_ERROR;
	if (!c->is_post) {
		/* A GET only asks: logging out changes state, so it is a POST.
		 */
		admin_page_begin(c, "Log out", crumbs, ARRAY_LEN(crumbs));
		html_lit(&c->h,
		    "<h1>Log out</h1>\n<p>Log out of the mysaas "
		    "administration?</p>\n");
		admin_form_open(c, "/admin/logout/");
		html_lit(&c->h,
		    "<div class=\"form-actions\"><button "
		    "type=\"submit\">Log out</button>"
		    "<a class=\"btn btn-secondary\" href=\"/admin/\">"
		    "Cancel</a></div>\n</form>\n");
		return admin_page_end(c, HTTP_OK);
	}
	if (admin_session_end(r, c->db) == -1)
		return db_failed(c);
	admin_flash(c, ADMIN_INFO,
	    "You have been logged out. Thanks for "
	    "spending some quality time with the admin "
	    "today.");
	return admin_redirect(r, "/admin/login/");
}
