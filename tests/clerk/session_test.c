/*
 * Unit tests for src/clerk/session.c: the verifier with its cache, against
 * tokens minted here (an RSA-2048 key generated with OpenSSL, the JWS
 * signed with EVP_DigestSign). The clock is injected. The JWKS tests serve
 * the key set from a one-shot HTTP stub on 127.0.0.1 that answers only
 * when told to, so the pending verdict can be seen.
 */
#include "clerk/session.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "clerk/token_cache.h"
#include "core/arena.h"
#include "core/buf.h"
#include "jws.h"

#define NOW    1700000000
#define KID    "ins_2GIoQhbUpy0hX7B2cVkuTMinXoD"
#define PK     "pk_test_ZXhhbXBsZS5hY2NvdW50cy5kZXYk" /* example.accounts.dev */
#define ISS    "https://example.accounts.dev"
#define ORIGIN "http://localhost:8080"
#define SUB    "user_2pQk8mZ3vN7rT1xYbL4cW9dF6hJ"

static EVP_PKEY *key, *other_key;
static char     *pem;
/* struct config holds mutable strings. */
static char pk[] = PK, origin[] = ORIGIN, nowhere[] = "http://127.0.0.1:9",
            secret[] = "sk_test_x", bad_pk[] = "pk_test_bm9ob3N0",
            bad_pem[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n"
                        "-----END PUBLIC KEY-----\n";

static int
setup(void **state)
{
	(void)state;
	key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	other_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (key == NULL || other_key == NULL)
		return -1;
	pem = jws_public_pem(key);
	return pem == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key);
	EVP_PKEY_free(other_key);
	free(pem);
	return 0;
}

/* Signs payload (consumed) with RS256 and k under kid; malloc'd. */
static char *
mint_with(json_t *payload, EVP_PKEY *k, const char *kid)
{
	return jws_mint(json_pack("{s:s, s:s, s:s}", "alg", "RS256", "kid", kid,
	                    "typ", "JWT"),
	    payload, k);
}

/* A session token's claims, valid at NOW for a minute. */
static json_t *
payload(void)
{
	json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "sub", SUB,
	    "sid", "sess_2pQk9aB3cD4eF5gH6iJ7kL8mN9o", "iss", ISS, "azp",
	    ORIGIN, "exp", (json_int_t)NOW + 60, "nbf", (json_int_t)NOW - 10,
	    "iat", (json_int_t)NOW);

	assert_non_null(p);
	return p;
}

static char *
mint(json_t *p)
{
	return mint_with(p, key, KID);
}

/* Mints payload() with the members of extra (consumed) set. */
static char *
mint_extra(json_t *extra)
{
	json_t *p = payload();

	assert_non_null(extra);
	assert_int_equal(json_object_update(p, extra), 0);
	json_decref(extra);
	return mint(p);
}

/* The configuration of a verifier with CLERK_JWT_KEY. */
static struct config
pem_config(void)
{
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.clerk_jwt_key = pem;
	cfg.clerk_publishable_key = pk;
	cfg.clerk_authorized_parties = origin;
	cfg.clerk_api_url = nowhere;
	return cfg;
}

/* What each test works with; the token mode is strict unless it says. */
struct fixture {
	struct clerk_session       *s;
	struct arena               *a;
	struct clerk_session_token  t;
	struct clerk_session_result res;
	char                       *token; /* minted, freed by the teardown */
};

static int
fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->a = arena_new()) == NULL)
		return -1;
	f->t.now = NOW;
	*state = f;
	return 0;
}

/* A fixture with a CLERK_JWT_KEY verifier. */
static int
pem_setup(void **state)
{
	struct config   cfg = pem_config();
	struct fixture *f;
	char            err[256] = "";

	if (fixture_setup(state) == -1)
		return -1;
	f = *state;
	return clerk_session_new(&cfg, &f->s, err, sizeof(err)) == 0 &&
	        f->s != NULL
	    ? 0
	    : -1;
}

static int
fixture_teardown(void **state)
{
	struct fixture *f = *state;

	clerk_session_free(f->s);
	arena_free(f->a);
	free(f->token);
	free(f);
	return 0;
}

/* Verifies token (NULL: f->token) at now; the result is f->res. */
static enum clerk_session_verdict
verify_at(struct fixture *f, const char *token, int64_t now)
{
	f->t.text = token != NULL ? token : f->token;
	f->t.now = now;
	return clerk_session_verify(f->s, &f->t, f->a, &f->res);
}

static void
test_valid_token(void **state)
{
	struct fixture *f = *state;

	f->token = mint_extra(json_pack("{s:s, s:s, s:s, s:[s, s]}", "org_id",
	    "org_29w9UtO2OpJqgnzyqqMv0CvhaEh", "org_slug", "acme", "org_role",
	    "org:admin", "org_permissions", "org:billing:read",
	    "org:team:manage"));
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	assert_int_equal(f->res.verdict, CLERK_SESSION_OK);
	assert_int_equal(f->res.why, CLERK_JWT_OK);
	assert_int_equal(f->res.cache, CLERK_CACHE_MISS);
	assert_string_equal(f->res.claims.sub, SUB);
	assert_string_equal(f->res.claims.org_id,
	    "org_29w9UtO2OpJqgnzyqqMv0CvhaEh");
	assert_string_equal(f->res.claims.org_slug, "acme");
	assert_string_equal(f->res.claims.org_role, "org:admin");
	assert_int_equal(f->res.claims.perms_len, 2);
	assert_string_equal(f->res.claims.perms[0], "org:billing:read");
	assert_string_equal(f->res.claims.perms[1], "org:team:manage");
	assert_string_equal(f->res.claims.sid,
	    "sess_2pQk9aB3cD4eF5gH6iJ7kL8mN9o");
	assert_int_equal(f->res.claims.exp, NOW + 60);
	assert_int_equal(f->res.claims.iat, NOW);
}

/* Without an organization, its claims are "" (never NULL). */
static void
test_valid_token_without_org(void **state)
{
	struct fixture *f = *state;

	f->token = mint(payload());
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	assert_string_equal(f->res.claims.org_id, "");
	assert_string_equal(f->res.claims.org_role, "");
	assert_string_equal(f->res.claims.org_slug, "");
	assert_int_equal(f->res.claims.perms_len, 0);
	assert_string_equal(f->res.claims.sts, "");
	assert_string_equal(f->res.claims.actor, "");
	assert_string_equal(f->res.claims.fea, "");
	assert_string_equal(f->res.claims.pla, "");
	assert_int_equal(f->res.claims.fva.state, HAS_FVA_ABSENT);
}

/* The whole auth context of DESIGN 11.1, as verify and cache give it. */
static void
check_context(const struct clerk_session_claims *c)
{
	static const char *const want[] = {"org:impersonation:read",
	    "org:memberships:read", "org:memberships:manage", "org:x:read"};
	size_t                   i;

	assert_string_equal(c->sub, SUB);
	assert_string_equal(c->sid, "sess_2pQk9aB3cD4eF5gH6iJ7kL8mN9o");
	assert_string_equal(c->sts, "active");
	assert_string_equal(c->actor, "user_admin");
	assert_string_equal(c->org_id, "org_v2");
	assert_string_equal(c->org_role, "org:admin");
	assert_string_equal(c->org_slug, "acme");
	assert_string_equal(c->fea,
	    "o:impersonation,o:memberships, o:x,u:beta");
	assert_string_equal(c->pla, "u:pro");
	assert_int_equal(c->fva.state, HAS_FVA_VALID);
	assert_true(c->fva.first == 3 && c->fva.second == -1);
	assert_int_equal(c->exp, NOW + 60);
	assert_int_equal(c->iat, NOW);
	assert_int_equal(c->perms_len, 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(c->perms[i], want[i]);
}

/* A v2 token's decoded claims come back whole from the cache. */
static void
test_context_survives_the_cache(void **state)
{
	struct fixture *f = *state;

	f->token = mint_extra(json_pack("{s:i, s:s, s:{s:s}, s:{s:s, s:s, s:s, "
	                                "s:s, s:s}, s:s, s:s, "
	                                "s:[i, i]}",
	    "v", 2, "sts", "active", "act", "sub", "user_admin", "o", "id",
	    "org_v2", "rol", "admin", "slg", "acme", "per", "read,manage",
	    "fpm", "1,3,1", "fea", "o:impersonation,o:memberships, o:x,u:beta",
	    "pla", "u:pro", "fva", 3, -1));
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	assert_int_equal(f->res.cache, CLERK_CACHE_MISS);
	check_context(&f->res.claims);
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	assert_int_equal(f->res.cache, CLERK_CACHE_HIT);
	check_context(&f->res.claims);
}

/*
 * v1 permissions are kept one by one: one holding a comma is not two
 * (a comma-joined list would grant "org:admin:all" here).
 */
static void
test_permissions_kept_apart(void **state)
{
	struct fixture    *f = *state;
	struct has_subject s;
	struct has_query   q = {NULL, "org:admin:all", NULL, NULL, NULL};
	int                round;

	f->token = mint_extra(json_pack("{s:s, s:s, s:[s, s]}", "org_id",
	    "org_1", "org_role", "org:member", "org_permissions",
	    "org:a:read,org:admin:all", "org:b:read"));
	for (round = 0; round < 2; round++) {
		assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
		assert_int_equal(f->res.cache,
		    round == 0 ? CLERK_CACHE_MISS : CLERK_CACHE_HIT);
		assert_int_equal(f->res.claims.perms_len, 2);
		clerk_session_subject(&f->res.claims, &s);
		q.permission = "org:admin:all";
		assert_false(has_check(&s, &q));
		q.permission = "org:b:read";
		assert_true(has_check(&s, &q));
	}
}

/* A pending session is signed out: has() is false whatever it holds. */
static void
test_pending_subject(void **state)
{
	struct fixture    *f = *state;
	struct has_subject s;
	struct has_query   q = {"org:admin", NULL, NULL, NULL, NULL};

	f->token = mint_extra(json_pack("{s:s, s:s, s:s}", "sts", "pending",
	    "org_id", "org_1", "org_role", "org:admin"));
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	assert_true(clerk_session_is_pending(&f->res.claims));
	clerk_session_subject(&f->res.claims, &s);
	assert_null(s.user_id);
	assert_false(has_check(&s, &q));
	free(f->token);
	f->token = mint_extra(json_pack("{s:s, s:s, s:s}", "sts", "active",
	    "org_id", "org_1", "org_role", "org:admin"));
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	assert_false(clerk_session_is_pending(&f->res.claims));
	clerk_session_subject(&f->res.claims, &s);
	assert_true(has_check(&s, &q));
}

/* A token, and the check that must refuse it. */
struct refusal {
	char                *token;
	enum clerk_jwt_error why;
};

/* Each refusal names its check, and nothing refused is cached. */
static void
test_refusals(void **state)
{
	struct fixture *f = *state;
	struct refusal  cases[7];
	json_t         *p;
	size_t          i, n = 0;

	cases[n].token = strdup("not.a.token");
	cases[n++].why = CLERK_JWT_MALFORMED;
	cases[n].token = mint_with(payload(), other_key, KID);
	cases[n++].why = CLERK_JWT_SIGNATURE;
	cases[n].token =
	    mint_extra(json_pack("{s:I}", "exp", (json_int_t)NOW - 60));
	cases[n++].why = CLERK_JWT_EXPIRED;
	cases[n].token =
	    mint_extra(json_pack("{s:I}", "nbf", (json_int_t)NOW + 60));
	cases[n++].why = CLERK_JWT_NOT_YET_VALID;
	cases[n].token =
	    mint_extra(json_pack("{s:s}", "iss", "https://evil.example"));
	cases[n++].why = CLERK_JWT_ISSUER;
	cases[n].token =
	    mint_extra(json_pack("{s:s}", "azp", "https://evil.example"));
	cases[n++].why = CLERK_JWT_AZP;
	p = payload();
	assert_int_equal(json_object_del(p, "azp"), 0);
	cases[n].token = mint(p);
	cases[n++].why = CLERK_JWT_AZP;
	for (i = 0; i < n; i++) {
		assert_non_null(cases[i].token);
		assert_int_equal(verify_at(f, cases[i].token, NOW),
		    CLERK_SESSION_REFUSED);
		assert_int_equal(f->res.why, cases[i].why);
		assert_int_equal(verify_at(f, cases[i].token, NOW),
		    CLERK_SESSION_REFUSED);
		assert_int_equal(f->res.why, cases[i].why);
		assert_int_equal(f->res.cache, CLERK_CACHE_MISS);
		free(cases[i].token);
	}
}

/* A token without azp passes when the caller allows it (cookie GETs). */
static void
test_azp_may_be_missing(void **state)
{
	struct fixture *f = *state;
	json_t         *p = payload();

	assert_int_equal(json_object_del(p, "azp"), 0);
	f->token = mint(p);
	f->t.azp_may_be_missing = true;
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	/* Cached as allowed without azp only: the strict mode verifies. */
	f->t.azp_may_be_missing = false;
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_REFUSED);
	assert_int_equal(f->res.why, CLERK_JWT_AZP);
	assert_int_equal(f->res.cache, CLERK_CACHE_MISS);
	f->t.azp_may_be_missing = true;
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	assert_int_equal(f->res.cache, CLERK_CACHE_HIT);
}

/* A verified token is served from the cache until it expires. */
static void
test_cache_hit_and_expiry(void **state)
{
	struct fixture *f = *state;

	f->token = mint_extra(json_pack("{s:s, s:[s]}", "org_id", "org_1",
	    "org_permissions", "org:a:read"));
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	assert_int_equal(f->res.cache, CLERK_CACHE_MISS);
	assert_int_equal(verify_at(f, NULL, NOW + 30), CLERK_SESSION_OK);
	assert_int_equal(f->res.cache, CLERK_CACHE_HIT);
	assert_string_equal(f->res.claims.sub, SUB);
	assert_string_equal(f->res.claims.org_id, "org_1");
	assert_int_equal(f->res.claims.perms_len, 1);
	assert_string_equal(f->res.claims.perms[0], "org:a:read");
	assert_int_equal(f->res.claims.exp, NOW + 60);
	assert_int_equal(f->res.claims.iat, NOW);
	/* Within the leeway past exp, as the token itself. */
	assert_int_equal(verify_at(f, NULL, NOW + 60 + CLERK_JWT_LEEWAY_S - 1),
	    CLERK_SESSION_OK);
	assert_int_equal(f->res.cache, CLERK_CACHE_HIT);
	assert_int_equal(verify_at(f, NULL, NOW + 60 + CLERK_JWT_LEEWAY_S),
	    CLERK_SESSION_REFUSED);
	assert_int_equal(f->res.cache, CLERK_CACHE_MISS);
	assert_int_equal(f->res.why, CLERK_JWT_EXPIRED);
}

/* Claims too large for a cache entry still verify, every time. */
static void
test_large_claims_not_cached(void **state)
{
	struct fixture *f = *state;
	char            slug[TOKEN_CACHE_DATA];

	memset(slug, 'a', sizeof(slug) - 1);
	slug[sizeof(slug) - 1] = '\0';
	f->token = mint_extra(
	    json_pack("{s:s, s:s}", "org_id", "org_1", "org_slug", slug));
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	assert_string_equal(f->res.claims.org_slug, slug);
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	assert_int_equal(f->res.cache, CLERK_CACHE_MISS);
	assert_string_equal(f->res.claims.org_slug, slug);
}

static void
test_configuration(void **state)
{
	struct config         cfg = pem_config();
	struct clerk_session *s = NULL;
	char                  err[256] = "";

	(void)state;
	cfg.clerk_jwt_key = NULL;
	assert_int_equal(clerk_session_new(&cfg, &s, err, sizeof(err)), 0);
	assert_null(s); /* no key source */
	cfg.clerk_jwt_key = bad_pem;
	assert_int_equal(clerk_session_new(&cfg, &s, err, sizeof(err)), -1);
	assert_null(s);
	assert_true(strncmp(err, "CLERK_JWT_KEY: ", 15) == 0);
	cfg = pem_config();
	cfg.clerk_publishable_key = bad_pk;
	assert_int_equal(clerk_session_new(&cfg, &s, err, sizeof(err)), -1);
	assert_null(s);
	assert_true(strncmp(err, "CLERK_PUBLISHABLE_KEY: ", 23) == 0);
}

/* The one-shot JWKS stub: answers its first request when told to. */
struct stub {
	int             fd;
	uint16_t        port;
	int             status;
	char           *body;
	pthread_t       thread;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	bool            go;    /* the test lets it answer */
	bool            ready; /* the verifier's wake-up came */
};

static void *
stub_main(void *arg)
{
	struct stub   *st = arg;
	struct timeval tv = {10, 0};
	char           head[4096];
	size_t         got = 0;
	struct buf     out;
	int            c = accept(st->fd, NULL, NULL);

	if (c == -1)
		return NULL;
	(void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < sizeof(head) - 1) {
		ssize_t n = read(c, head + got, sizeof(head) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		head[got] = '\0';
		if (strstr(head, "\r\n\r\n") != NULL)
			break;
	}
	pthread_mutex_lock(&st->mu);
	while (!st->go)
		pthread_cond_wait(&st->cv, &st->mu);
	pthread_mutex_unlock(&st->mu);
	buf_init(&out, 0);
	if (buf_appendf(&out,
	        "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
	        "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
	        st->status, strlen(st->body), st->body) == 0)
		(void)!write(c, out.data, out.len);
	buf_cleanup(&out);
	close(c);
	return NULL;
}

static char *
b64url_bn(EVP_PKEY *k, const char *name)
{
	BIGNUM       *bn = NULL;
	unsigned char bin[512];
	int           n;
	char         *out;

	assert_int_equal(EVP_PKEY_get_bn_param(k, name, &bn), 1);
	n = BN_bn2bin(bn, bin);
	BN_free(bn);
	out = malloc(sodium_base64_ENCODED_LEN((size_t)n, JWS_B64));
	assert_non_null(out);
	sodium_bin2base64(out, sodium_base64_ENCODED_LEN((size_t)n, JWS_B64),
	    bin, (size_t)n, JWS_B64);
	return out;
}

static void
stub_start(struct stub *st, int status)
{
	struct sockaddr_in sa;
	socklen_t          len = sizeof(sa);
	char              *n = b64url_bn(key, OSSL_PKEY_PARAM_RSA_N);
	char              *e = b64url_bn(key, OSSL_PKEY_PARAM_RSA_E);
	json_t *set_ = json_pack("{s:[{s:s, s:s, s:s, s:s, s:s, s:s}]}", "keys",
	    "kty", "RSA", "kid", KID, "use", "sig", "alg", "RS256", "n", n, "e",
	    e);

	memset(st, 0, sizeof(*st));
	st->status = status;
	st->body = json_dumps(set_, JSON_COMPACT);
	json_decref(set_);
	free(n);
	free(e);
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	st->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(st->fd >= 0);
	assert_int_equal(bind(st->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(st->fd, 4), 0);
	assert_int_equal(getsockname(st->fd, (struct sockaddr *)&sa, &len), 0);
	st->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&st->thread, NULL, stub_main, st), 0);
}

static void
stub_answer(struct stub *st)
{
	pthread_mutex_lock(&st->mu);
	st->go = true;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->mu);
}

/* The verifier's wake-up (clerk_session_on_keys). */
static void
stub_ready(void *arg)
{
	struct stub *st = arg;

	pthread_mutex_lock(&st->mu);
	st->ready = true;
	pthread_cond_broadcast(&st->cv);
	pthread_mutex_unlock(&st->mu);
}

/* Waits, at most 10 s, for the wake-up. */
static bool
stub_wait_ready(struct stub *st)
{
	struct timespec until;
	bool            ready;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&st->mu);
	while (
	    !st->ready && pthread_cond_timedwait(&st->cv, &st->mu, &until) == 0)
		;
	ready = st->ready;
	pthread_mutex_unlock(&st->mu);
	return ready;
}

static void
stub_stop(struct stub *st)
{
	stub_answer(st); /* in case a test failed before it answered */
	shutdown(st->fd, SHUT_RDWR);
	close(st->fd);
	pthread_join(st->thread, NULL);
	pthread_cond_destroy(&st->cv);
	pthread_mutex_destroy(&st->mu);
	free(st->body);
}

/* Gives f a verifier whose key set comes from the stub's Backend API. */
static void
jwks_session(struct fixture *f, const struct stub *st)
{
	struct config cfg = pem_config();
	char          url[64], err[256] = "";

	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%u",
	    (unsigned)st->port);
	cfg.clerk_jwt_key = NULL;
	cfg.clerk_secret_key = secret;
	cfg.clerk_api_url = url;
	assert_int_equal(clerk_session_new(&cfg, &f->s, err, sizeof(err)), 0);
	assert_non_null(f->s);
}

/*
 * Starts the stub answering status, verifies f->token while the key set
 * is read (pending, with a ticket), and waits for the read to be over.
 */
static void
wait_for_keys(struct fixture *f, struct stub *st, int status)
{
	stub_start(st, status);
	jwks_session(f, st);
	f->token = mint(payload());
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_PENDING);
	assert_true(f->res.ticket > 0);
	clerk_session_on_keys(f->s, f->res.ticket, stub_ready, st);
	stub_answer(st);
	assert_true(stub_wait_ready(st));
}

/* While the key set is read: pending; once read, the token verifies. */
static void
test_jwks_pending_then_ok(void **state)
{
	struct fixture *f = *state;
	struct stub     st;
	char           *unknown = mint_with(payload(), key, "nope");

	wait_for_keys(f, &st, 200);
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_OK);
	assert_string_equal(f->res.claims.sub, SUB);
	/* The set is read and recent: an unknown kid is refused at once. */
	assert_int_equal(verify_at(f, unknown, NOW), CLERK_SESSION_REFUSED);
	assert_int_equal(f->res.why, CLERK_JWT_KID_UNKNOWN);
	clerk_session_free(f->s); /* stops the fetcher before the stub */
	f->s = NULL;
	stub_stop(&st);
	free(unknown);
}

/* No key set could be read: unavailable, not refused. */
static void
test_jwks_unavailable(void **state)
{
	struct fixture *f = *state;
	struct stub     st;

	wait_for_keys(f, &st, 500);
	assert_int_equal(verify_at(f, NULL, NOW), CLERK_SESSION_UNAVAILABLE);
	clerk_session_free(f->s);
	f->s = NULL;
	stub_stop(&st);
}

#define PEM_TEST(t) \
	cmocka_unit_test_setup_teardown(t, pem_setup, fixture_teardown)
#define JWKS_TEST(t) \
	cmocka_unit_test_setup_teardown(t, fixture_setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    PEM_TEST(test_valid_token),
	    PEM_TEST(test_valid_token_without_org),
	    PEM_TEST(test_context_survives_the_cache),
	    PEM_TEST(test_permissions_kept_apart),
	    PEM_TEST(test_pending_subject),
	    PEM_TEST(test_refusals),
	    PEM_TEST(test_azp_may_be_missing),
	    PEM_TEST(test_cache_hit_and_expiry),
	    PEM_TEST(test_large_claims_not_cached),
	    cmocka_unit_test(test_configuration),
	    JWKS_TEST(test_jwks_pending_then_ok),
	    JWKS_TEST(test_jwks_unavailable),
	};
	int rc;

	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, setup, teardown);
	curl_global_cleanup();
	return rc;
}
