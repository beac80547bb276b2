/*
 * Clerk session tokens: split, decode, check the header, verify the RS256
 * signature over "header.payload" with the key the caller's lookup returns,
 * and only then look at the claims. Every byte of the token travels with its
 * length (it may hold NUL); JSON comes from jansson's json_loadb, which
 * refuses "\u0000" inside strings, so decoded strings are safe C strings.
 * Thread-safe: what is kept between calls is per thread (struct
 * verifier), but for SHA-256 fetched once. Claims are copied out as owned
 * strings.
 */
#include "clerk/jwt.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "clerk/has.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"

#define ALG_RS256 "RS256"

/* RSA-8192 at most: 1,024 bytes; longer signatures are malformed. */
#define SIG_MAX 1024

struct token {
	struct str    signed_part; /* "header.payload", what the key signed */
	struct str    header_part; /* base64url, as it came */
	json_t       *header;      /* when not remembered (check_header_part) */
	json_t       *payload;
	unsigned char sig[SIG_MAX];
	size_t        sig_len;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Drops ASCII blanks at both ends (JS String.trim, for our inputs). */
static struct str
trim(struct str s)
{
	while (s.len > 0 && is_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

/* The value of a base64url character, or -1. */
static int
b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* A base64url character's standard-alphabet twin; 0 for any other byte. */
#define B64_SAME(c) [c] = c
/* clang-format off */
static const unsigned char b64url_to_std[256] = {
    B64_SAME('A'), B64_SAME('B'), B64_SAME('C'), B64_SAME('D'),
    B64_SAME('E'), B64_SAME('F'), B64_SAME('G'), B64_SAME('H'),
    B64_SAME('I'), B64_SAME('J'), B64_SAME('K'), B64_SAME('L'),
    B64_SAME('M'), B64_SAME('N'), B64_SAME('O'), B64_SAME('P'),
    B64_SAME('Q'), B64_SAME('R'), B64_SAME('S'), B64_SAME('T'),
    B64_SAME('U'), B64_SAME('V'), B64_SAME('W'), B64_SAME('X'),
    B64_SAME('Y'), B64_SAME('Z'), B64_SAME('a'), B64_SAME('b'),
    B64_SAME('c'), B64_SAME('d'), B64_SAME('e'), B64_SAME('f'),
    B64_SAME('g'), B64_SAME('h'), B64_SAME('i'), B64_SAME('j'),
    B64_SAME('k'), B64_SAME('l'), B64_SAME('m'), B64_SAME('n'),
    B64_SAME('o'), B64_SAME('p'), B64_SAME('q'), B64_SAME('r'),
    B64_SAME('s'), B64_SAME('t'), B64_SAME('u'), B64_SAME('v'),
    B64_SAME('w'), B64_SAME('x'), B64_SAME('y'), B64_SAME('z'),
    B64_SAME('0'), B64_SAME('1'), B64_SAME('2'), B64_SAME('3'),
    B64_SAME('4'), B64_SAME('5'), B64_SAME('6'), B64_SAME('7'),
    B64_SAME('8'), B64_SAME('9'), ['-'] = '+', ['_'] = '/',
};
/* clang-format on */
#undef B64_SAME

/*
 * Decodes one unpadded base64url part (RFC 7515 2: no '='), canonical
 * encodings only, into out (cap bytes). The part is checked and mapped to
 * the standard alphabet here, in a stack buffer; OpenSSL's EVP_DecodeBlock
 * does the decoding (libsodium's constant-time decoder cost a seventh of
 * a verification, and nothing here is secret). Returns the length, or -1
 * when invalid or longer than cap.
 */
static ssize_t
b64url_decode(struct str s, unsigned char *out, size_t cap)
{
	static const int unused_bits[4] = {0, -1, 4, 2};
	unsigned char    in[CLERK_JWT_MAX_LEN + 4];
	size_t           i, padded, pad;
	int              n, last = 0;

	if (s.len == 0 || unused_bits[s.len % 4] < 0 ||
	    s.len > CLERK_JWT_MAX_LEN)
		return -1;
	pad = (4 - s.len % 4) % 4;
	padded = s.len + pad;
	if (padded / 4 * 3 > cap)
		return -1;
	for (i = 0; i < s.len; i++) {
		unsigned char c = b64url_to_std[(unsigned char)s.p[i]];

		if (c == 0)
			return -1;
		in[i] = c;
	}
	/* Canonical: the bits past the last byte must be zero. */
	last = b64url_value((unsigned char)s.p[s.len - 1]);
	/* unused_bits[s.len % 4] >= 0: checked on entry. */
	/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult) */
	if ((last & ((1 << unused_bits[s.len % 4]) - 1)) != 0)
		return -1;
	memset(in + s.len, '=', pad);
	n = EVP_DecodeBlock(out, in, (int)padded);
	if (n < 0 || (size_t)n < pad || (size_t)n - pad == 0)
		return -1;
	return (ssize_t)((size_t)n - pad);
}

/* A part that decodes to a JSON object, or NULL. */
static json_t *
decode_object(struct str part)
{
	unsigned char raw[CLERK_JWT_MAX_LEN / 4 * 3 + 3];
	ssize_t       n = b64url_decode(part, raw, sizeof(raw));
	json_t       *j;

	if (n < 0)
		return NULL;
	/* No error details: they are never shown, and filling them in costs
	 * a twentieth of the parse. */
	j = json_loadb((const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES,
	    NULL);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static void
token_cleanup(struct token *t)
{
	json_decref(t->header);
	json_decref(t->payload);
	t->header = t->payload = NULL;
}

/*
 * Exactly three non-empty parts, each valid base64url; the payload a JSON
 * object (the header is checked by check_header_part).
 */
static int
token_parse(const char *s, size_t len, struct token *t)
{
	struct str rest = {s, len}, part[3];
	size_t     i;
	ssize_t    n;

	t->header = t->payload = NULL;
	if (s == NULL || len == 0 || len > CLERK_JWT_MAX_LEN)
		return -1;
	for (i = 0; i < 3; i++) {
		if (!str_split_next(&rest, '.', &part[i]) || part[i].len == 0)
			return -1;
	}
	if (rest.p != NULL) /* a fourth part */
		return -1;
	t->signed_part = (struct str){s, part[0].len + 1 + part[1].len};
	t->header_part = part[0];
	if ((n = b64url_decode(part[2], t->sig, sizeof(t->sig))) < 0 ||
	    (t->payload = decode_object(part[1])) == NULL)
		return -1;
	t->sig_len = (size_t)n;
	return 0;
}

static bool
json_str_is(const json_t *j, const char *want)
{
	size_t n = strlen(want);

	return json_is_string(j) && json_string_length(j) == n &&
	    memcmp(json_string_value(j), want, n) == 0;
}

/*
 * The header's crit and kid, the same for every form: RFC 7515 4.1.11,
 * we understand no extension, so any crit is refused; *kid borrows the
 * kid or is NULL.
 */
static enum clerk_jwt_error
check_crit_kid(const json_t *h, const char **kid)
{
	const json_t *v = json_object_get(h, "kid");

	*kid = NULL;
	if (json_object_get(h, "crit") != NULL)
		return CLERK_JWT_MALFORMED;
	if (v != NULL && !json_is_string(v))
		return CLERK_JWT_MALFORMED;
	if (v != NULL)
		*kid = json_string_value(v);
	return CLERK_JWT_OK;
}

/* The header's alg, typ, cat and crit; *kid borrows the kid or is NULL. */
static enum clerk_jwt_error
check_header(const json_t *h, const char **kid)
{
	const json_t *v;

	/* Checked, never used to choose: only RS256 is ever computed. */
	if (!json_str_is(json_object_get(h, "alg"), ALG_RS256))
		return CLERK_JWT_ALG;
	v = json_object_get(h, "typ");
	if (v != NULL && !json_str_is(v, "JWT"))
		return CLERK_JWT_TYP;
	v = json_object_get(h, "cat");
	if (v != NULL && !json_str_is(v, CLERK_CATEGORY_SESSION) &&
	    !json_str_is(v, CLERK_CATEGORY_IGNORE))
		return CLERK_JWT_CATEGORY;
	return check_crit_kid(h, kid);
}

/*
 * jansson's values during a verification come from a per-thread scratch
 * buffer, reset for each token, rather than from malloc: a payload is a
 * few dozen small values, all freed before clerk_jwt_verify returns, and
 * their malloc and free cost a tenth of a verification. Outside a
 * verification (scratch.active false), and when the buffer is full, the
 * allocator is malloc; free hands every pointer outside this thread's
 * buffer to free(). No value made inside a verification outlives it, so
 * none is ever freed by another thread.
 */
#define SCRATCH_SIZE 16384

static _Thread_local struct {
	bool   active;
	size_t used;
	_Alignas(max_align_t) unsigned char buf[SCRATCH_SIZE];
} scratch;

static void *
scratch_malloc(size_t n)
{
	size_t need = (n + _Alignof(max_align_t) - 1) &
	    ~(size_t)(_Alignof(max_align_t) - 1);

	if (scratch.active && need >= n &&
	    SCRATCH_SIZE - scratch.used >= need) {
		void *p = scratch.buf + scratch.used;

		scratch.used += need;
		return p;
	}
	return malloc(n);
}

static void
scratch_free(void *p)
{
	const unsigned char *b = p;

	if (b >= scratch.buf && b < scratch.buf + SCRATCH_SIZE)
		return;
	free(p);
}

void
clerk_jwt_use_scratch(void)
{
	json_set_alloc_funcs(scratch_malloc, scratch_free);
}

/* Header parts and kids up to this long are remembered. */
#define HEADER_MEMO_MAX 256

/*
 * What each thread keeps between verifications, set up once rather than
 * per token (as "openssl speed" does), since setting up costs a good part
 * of an RSA-2048 verification:
 * - a verify context for the last key it served, with that key's checks.
 *   The context holds a reference to its key, so the key cannot be freed
 *   and its address reused while it is cached;
 * - a digest context for SHA-256 fetched once (SHA256() looks the
 *   algorithm up by name on every call);
 * - the last header part and what check_header made of it: every token
 *   signed with one key has the same header, and check_header is a
 *   function of those bytes alone.
 */
struct verifier {
	EVP_PKEY_CTX        *ctx;
	int                  sig_size; /* of ctx's key */
	EVP_MD_CTX          *md;
	size_t               header_len; /* 0: nothing remembered */
	char                 header[HEADER_MEMO_MAX];
	enum clerk_jwt_error header_rc;
	bool                 has_kid;
	char                 kid[HEADER_MEMO_MAX];
};

static pthread_key_t  verifier_key;
static pthread_once_t verifier_once = PTHREAD_ONCE_INIT;
static EVP_MD        *sha256_md;

static void
verifier_free(void *p)
{
	struct verifier *v = p;

	EVP_PKEY_CTX_free(v->ctx);
	EVP_MD_CTX_free(v->md);
	free(v);
}

static void
verifier_init(void)
{
	(void)pthread_key_create(&verifier_key, verifier_free);
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

/* This thread's verifier, or NULL when OpenSSL could not set one up. */
static struct verifier *
verifier_get(void)
{
	struct verifier *v;

	(void)pthread_once(&verifier_once, verifier_init);
	if ((v = pthread_getspecific(verifier_key)) != NULL)
		return v;
	if (sha256_md == NULL)
		return NULL;
	v = xcalloc(1, sizeof(*v));
	if ((v->md = EVP_MD_CTX_new()) == NULL ||
	    pthread_setspecific(verifier_key, v) != 0) {
		verifier_free(v);
		return NULL;
	}
	return v;
}

/*
 * Makes v's verify context the one for pk, set up when pk is not the last
 * key: CLERK_JWT_OK, CLERK_JWT_KID_UNKNOWN when pk is no RSA key, or
 * CLERK_JWT_INTERNAL.
 */
static enum clerk_jwt_error
verifier_use(struct verifier *v, EVP_PKEY *pk)
{
	if (v->ctx != NULL && EVP_PKEY_CTX_get0_pkey(v->ctx) == pk)
		return CLERK_JWT_OK;
	EVP_PKEY_CTX_free(v->ctx);
	v->ctx = NULL;
	if (!EVP_PKEY_is_a(pk, "RSA"))
		return CLERK_JWT_KID_UNKNOWN;
	if ((v->sig_size = EVP_PKEY_get_size(pk)) <= 0 ||
	    (v->ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL)
		return CLERK_JWT_INTERNAL;
	if (EVP_PKEY_verify_init(v->ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(v->ctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_signature_md(v->ctx, EVP_sha256()) <= 0) {
		EVP_PKEY_CTX_free(v->ctx);
		v->ctx = NULL;
		return CLERK_JWT_INTERNAL;
	}
	return CLERK_JWT_OK;
}

/*
 * The header part's checks (check_header), remembered per thread for the
 * last header seen; *kid borrows the kid (from v or t->header) or is NULL.
 */
static enum clerk_jwt_error
check_header_part(struct verifier *v, struct token *t, const char **kid)
{
	struct str           part = t->header_part;
	const char          *k = NULL;
	enum clerk_jwt_error rc;

	if (part.len == v->header_len &&
	    memcmp(part.p, v->header, part.len) == 0) {
		*kid = v->has_kid ? v->kid : NULL;
		return v->header_rc;
	}
	if ((t->header = decode_object(part)) == NULL)
		rc = CLERK_JWT_MALFORMED;
	else
		rc = check_header(t->header, &k);
	*kid = k;
	if (part.len >= HEADER_MEMO_MAX ||
	    (k != NULL && strlen(k) >= HEADER_MEMO_MAX))
		return rc;
	memcpy(v->header, part.p, part.len);
	v->header_len = part.len;
	v->header_rc = rc;
	v->has_kid = k != NULL;
	if (k != NULL) {
		memcpy(v->kid, k, strlen(k) + 1);
		*kid = v->kid;
	}
	return rc;
}

bool
clerk_sha256(const void *a, size_t a_len, const void *b, size_t b_len,
    unsigned char out[SHA256_DIGEST_LENGTH])
{
	struct verifier *v = verifier_get();
	unsigned int     dlen = 0;
	bool             ok;

	ok = v != NULL && EVP_DigestInit_ex2(v->md, sha256_md, NULL) == 1 &&
	    EVP_DigestUpdate(v->md, a, a_len) == 1 &&
	    EVP_DigestUpdate(v->md, b, b_len) == 1 &&
	    EVP_DigestFinal_ex(v->md, out, &dlen) == 1 &&
	    dlen == SHA256_DIGEST_LENGTH;
	ERR_clear_error();
	return ok;
}

/* RSASSA-PKCS1-v1_5 with SHA-256 over t->signed_part. */
static enum clerk_jwt_error
check_signature(struct verifier *v, EVP_PKEY *pk, const struct token *t)
{
	unsigned char        digest[SHA256_DIGEST_LENGTH];
	unsigned int         dlen = 0;
	enum clerk_jwt_error rc;

	if ((rc = verifier_use(v, pk)) != CLERK_JWT_OK)
		goto out;
	rc = CLERK_JWT_SIGNATURE;
	if (t->sig_len != (size_t)v->sig_size)
		goto out;
	rc = CLERK_JWT_INTERNAL;
	if (EVP_DigestInit_ex2(v->md, sha256_md, NULL) != 1 ||
	    EVP_DigestUpdate(v->md, t->signed_part.p, t->signed_part.len) !=
	        1 ||
	    EVP_DigestFinal_ex(v->md, digest, &dlen) != 1 ||
	    dlen != sizeof(digest))
		goto out;
	rc = EVP_PKEY_verify(v->ctx, t->sig, t->sig_len, digest, dlen) == 1
	    ? CLERK_JWT_OK
	    : CLERK_JWT_SIGNATURE;
out:
	ERR_clear_error();
	return rc;
}

static int64_t
add_sat(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* *present tells whether the member exists; -1 when it is no integer. */
static int
get_int(const json_t *p, const char *member, int64_t *out, bool *present)
{
	const json_t *v = json_object_get(p, member);

	*present = v != NULL;
	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* exp (required), nbf and iat, each with CLERK_JWT_LEEWAY_S of skew. */
static enum clerk_jwt_error
check_times(const json_t *p, int64_t now, struct clerk_claims *c)
{
	bool has_exp;

	if (get_int(p, "exp", &c->exp, &has_exp) == -1 || !has_exp ||
	    get_int(p, "nbf", &c->nbf, &c->has_nbf) == -1 ||
	    get_int(p, "iat", &c->iat, &c->has_iat) == -1)
		return CLERK_JWT_BAD_CLAIM;
	/* The SDK: expired when exp*1000 <= now_ms - skew_ms. */
	if (c->exp <= add_sat(now, -CLERK_JWT_LEEWAY_S))
		return CLERK_JWT_EXPIRED;
	if (c->has_nbf && c->nbf > add_sat(now, CLERK_JWT_LEEWAY_S))
		return CLERK_JWT_NOT_YET_VALID;
	if (c->has_iat && c->iat > add_sat(now, CLERK_JWT_LEEWAY_S))
		return CLERK_JWT_IAT_FUTURE;
	return CLERK_JWT_OK;
}

/* A non-empty string member, borrowed, or NULL. */
static const char *
get_str(const json_t *obj, const char *member)
{
	const json_t *v = json_object_get(obj, member);

	if (!json_is_string(v) || json_string_length(v) == 0)
		return NULL;
	return json_string_value(v);
}

/* True when azp is one of the comma-separated list's entries. */
static bool
azp_listed(const char *list, const char *azp)
{
	struct str rest = str_from_cstr(list), item;

	while (str_split_next(&rest, ',', &item)) {
		if (str_eq_cstr(trim(item), azp))
			return true;
	}
	return false;
}

static bool
list_is_empty(const char *list)
{
	struct str rest = str_from_cstr(list), item;

	while (str_split_next(&rest, ',', &item)) {
		if (trim(item).len > 0)
			return false;
	}
	return true;
}

static enum clerk_jwt_error
check_claims(const json_t *p, const struct clerk_jwt_opts *o,
    struct clerk_claims *c)
{
	const json_t        *azp;
	const char          *sub;
	enum clerk_jwt_error rc;

	if ((sub = get_str(p, "sub")) == NULL)
		return CLERK_JWT_NO_SUB;
	if (strncmp(sub, "mch_", 4) == 0)
		return CLERK_JWT_MACHINE;
	/* A JWT-template token has no sid: it is not a session. */
	if (get_str(p, "sid") == NULL)
		return CLERK_JWT_NO_SID;
	if ((rc = check_times(p, o->now, c)) != CLERK_JWT_OK)
		return rc;
	if (o->issuer != NULL &&
	    !json_str_is(json_object_get(p, "iss"), o->issuer))
		return CLERK_JWT_ISSUER;
	/* An empty list means "not set", as the SDK's empty array does. */
	if (o->authorized_parties == NULL ||
	    list_is_empty(o->authorized_parties))
		return CLERK_JWT_OK;
	azp = json_object_get(p, "azp");
	if (azp == NULL || json_str_is(azp, ""))
		return o->azp_may_be_missing ? CLERK_JWT_OK : CLERK_JWT_AZP;
	if (!json_is_string(azp) ||
	    !azp_listed(o->authorized_parties, json_string_value(azp)))
		return CLERK_JWT_AZP;
	return CLERK_JWT_OK;
}

/*
 * What an absent string claim points to: never freed (claim_free), so a
 * token without the claim costs no allocation.
 */
static char no_str[1];

static void
claim_free(char *s)
{
	if (s != no_str)
		free(s);
}

/* An owned copy of a non-empty string member, else no_str. */
static char *
dup_str(const json_t *obj, const char *member)
{
	const char *v = get_str(obj, member);

	return v != NULL ? xstrdup(v) : no_str;
}

/* Appends an owned string to the permission list. */
static void
perm_add(struct clerk_claims *c, char *perm)
{
	size_t n = c->org_permissions_len;

	c->org_permissions =
	    xrealloc(c->org_permissions, (n + 1) * sizeof(char *));
	c->org_permissions[n] = perm;
	c->org_permissions_len = n + 1;
}

static void
perm_add_v2(struct clerk_claims *c, struct str feature, struct str name)
{
	struct buf b;

	buf_init(&b, 0);
	if (buf_append(&b, "org:", 4) == 0 &&
	    buf_append(&b, feature.p, feature.len) == 0 &&
	    buf_append(&b, ":", 1) == 0 &&
	    buf_append(&b, name.p, name.len) == 0)
		perm_add(c, buf_release(&b, NULL));
	buf_cleanup(&b);
}

/*
 * Bits of a permission mask kept: one per name of "per", and no token
 * holds more names than it has bytes.
 */
#define MASK_WORDS (CLERK_JWT_MAX_LEN / 32 + 1)

/*
 * Reads an fpm entry the way @clerk/shared does since 4.29: ^\d+$ (after
 * trimming) as a decimal of any width, else no bits at all. Only the low
 * 32 * n bits are wanted, so the number is built modulo 2^(32n), nine
 * digits at a time. -1 when d is not a mask.
 */
static int
mask_decode(struct str d, uint32_t *bits, size_t n)
{
	size_t   i, j, k;
	uint64_t chunk, scale, t;

	if (d.len == 0)
		return -1;
	for (i = 0; i < d.len; i++) {
		if (d.p[i] < '0' || d.p[i] > '9')
			return -1;
	}
	memset(bits, 0, n * sizeof(*bits));
	for (i = 0; i < d.len; i += k) {
		k = d.len - i < 9 ? d.len - i : 9;
		chunk = 0;
		scale = 1;
		for (j = 0; j < k; j++) {
			chunk = chunk * 10 + (uint64_t)(d.p[i + j] - '0');
			scale *= 10;
		}
		for (j = 0; j < n; j++) {
			t = (uint64_t)bits[j] * scale + chunk;
			bits[j] = (uint32_t)t;
			chunk = t >> 32;
		}
	}
	return 0;
}

static size_t
count_items(const char *list)
{
	struct str rest = str_from_cstr(list), item;
	size_t     n = 0;

	while (str_split_next(&rest, ',', &item))
		n++;
	return n;
}

/*
 * v2 permissions, as @clerk/shared's jwtPayloadParser: the i-th org-scoped
 * element of fea (o, ou, uo) pairs with the i-th mask of fpm, and bit j
 * (least significant first) grants "org:<feature>:<per[j]>". Bits past
 * the names, masks without a feature and features without a mask give
 * nothing; neither does a malformed mask, for its own feature only. per
 * and fpm NULL: fea is only checked. -1 when an element of fea has no
 * ':', which makes Clerk's parser throw.
 */
static int
v2_permissions(const char *fea, const char *per, const char *fpm,
    struct clerk_claims *c)
{
	struct str rest = str_from_cstr(fea), masks = str_from_cstr(fpm);
	struct str item, feature, mask, names, name;
	uint32_t   bits[MASK_WORDS];
	size_t     j, nper = per != NULL ? count_items(per) : 0;
	size_t     words = (nper + 31) / 32;
	unsigned   scopes;

	if (fea == NULL)
		return 0;
	if (words > MASK_WORDS)
		words = MASK_WORDS;
	while (str_split_next(&rest, ',', &item)) {
		if (has_claim_element(item, &scopes, &feature) == -1)
			return -1;
		if (nper == 0 || fpm == NULL || !(scopes & HAS_SCOPE_ORG) ||
		    !str_split_next(&masks, ',', &mask) ||
		    mask_decode(has_trim(mask), bits, words) == -1)
			continue;
		names = str_from_cstr(per);
		for (j = 0;
		     j < words * 32 && str_split_next(&names, ',', &name);
		     j++) {
			if ((bits[j / 32] >> (j % 32)) & 1)
				perm_add_v2(c, feature, has_trim(name));
		}
	}
	return 0;
}

/* v1: flat org_id, org_slug, org_role, org_permissions (an array). */
static void
copy_org_v1(const json_t *p, struct clerk_claims *c)
{
	const json_t *perms = json_object_get(p, "org_permissions"), *v;
	size_t        i;

	c->org_id = dup_str(p, "org_id");
	c->org_slug = dup_str(p, "org_slug");
	c->org_role = dup_str(p, "org_role");
	json_array_foreach(perms, i, v)
	{
		if (json_is_string(v))
			perm_add(c, xstrdup(json_string_value(v)));
	}
}

/* JavaScript's truthiness of a JSON value (NULL: absent, falsy). */
static bool
js_truthy(const json_t *v)
{
	if (v == NULL)
		return false;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
	case JSON_TRUE:
		return true;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
	case JSON_REAL:
		return json_number_value(v) != 0;
	default:
		return false;
	}
}

/*
 * A member Clerk's parser splits as text: *out borrows it, or is NULL when
 * it is falsy (JavaScript skips those). -1 when it is truthy but no
 * string, on which split() would throw.
 */
static int
get_text(const json_t *obj, const char *member, const char **out)
{
	const json_t *v = json_object_get(obj, member);

	*out = NULL;
	if (!js_truthy(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

/*
 * v2: o = {id, slg, rol, per, fpm}, with fea naming the features; read
 * only when o is truthy, as the SDK does. -1 where the SDK's decoding
 * throws.
 */
static int
copy_org_v2(const json_t *p, struct clerk_claims *c)
{
	const json_t *org = json_object_get(p, "o");
	const char   *rol, *per = NULL, *fpm = NULL, *fea;
	struct buf    b;

	c->org_id = c->org_slug = c->org_role = no_str;
	if (!js_truthy(org))
		return 0;
	c->org_id = dup_str(org, "id");
	c->org_slug = dup_str(org, "slg");
	/* v2 drops the "org:" prefix that @clerk/shared puts back. */
	if ((rol = get_str(org, "rol")) != NULL) {
		buf_init(&b, 0);
		if (buf_appendf(&b, "org:%s", rol) == 0)
			c->org_role = buf_release(&b, NULL);
		buf_cleanup(&b);
	}
	if (get_text(p, "fea", &fea) == -1)
		return -1;
	/* parsePermissions splits per and fpm only when both are truthy. */
	if (js_truthy(json_object_get(org, "per")) &&
	    js_truthy(json_object_get(org, "fpm")) &&
	    (get_text(org, "per", &per) == -1 ||
	        get_text(org, "fpm", &fpm) == -1))
		return -1;
	return v2_permissions(fea, per, fpm, c);
}

/* fva: [minutes since the first factor, since the second], -1 = never. */
static void
copy_fva(const json_t *p, struct has_fva *f)
{
	const json_t *v = json_object_get(p, "fva"), *age;
	double        ages[2];
	size_t        i;

	f->state = HAS_FVA_ABSENT;
	if (v == NULL || json_is_null(v))
		return;
	f->state = HAS_FVA_INVALID;
	if (!json_is_array(v) || json_array_size(v) != 2)
		return;
	for (i = 0; i < 2; i++) {
		age = json_array_get(v, i);
		if (!json_is_number(age))
			return;
		ages[i] = json_number_value(age);
		if (!isfinite(ages[i]) || (ages[i] != -1 && !(ages[i] >= 0)))
			return;
	}
	f->first = ages[0];
	f->second = ages[1];
	f->state = HAS_FVA_VALID;
}

/* act: the actor's sub, and the whole claim as compact JSON. */
static void
copy_act(const json_t *p, struct clerk_claims *c)
{
	const json_t *act = json_object_get(p, "act");
	const size_t  flags = JSON_COMPACT | JSON_ENCODE_ANY;
	char          text[256];
	size_t        n;

	c->actor = c->act_json = no_str;
	if (act == NULL || json_is_null(act))
		return;
	c->actor = dup_str(act, "sub");
	/* Into our own buffer (what jansson allocates here is scratch), on
	 * the stack first: an actor is {sub, sid, iss}, one pass. */
	if ((n = json_dumpb(act, text, sizeof(text), flags)) == 0)
		return;
	if (n <= sizeof(text)) {
		c->act_json = xstrndup(text, n);
		return;
	}
	c->act_json = xmalloc(n + 1);
	if (json_dumpb(act, c->act_json, n, flags) != n) {
		free(c->act_json);
		c->act_json = no_str;
		return;
	}
	c->act_json[n] = '\0';
}

static bool
is_version_2(const json_t *p)
{
	const json_t *v = json_object_get(p, "v");

	return json_is_number(v) && json_number_value(v) == 2.0;
}

/*
 * Copies what the caller needs; the times are already in c. The SDK
 * decodes these claims right after verifying, and a throw there fails
 * the request: CLERK_JWT_CLAIMS_INVALID.
 */
static enum clerk_jwt_error
copy_claims(const json_t *p, struct clerk_claims *c)
{
	c->sub = dup_str(p, "sub");
	c->sid = dup_str(p, "sid");
	c->iss = dup_str(p, "iss");
	c->azp = dup_str(p, "azp");
	c->sts = dup_str(p, "sts");
	c->fea = dup_str(p, "fea");
	c->pla = dup_str(p, "pla");
	copy_act(p, c);
	copy_fva(p, &c->fva);
	c->version = is_version_2(p) ? 2 : 1;
	if (c->version == 1)
		copy_org_v1(p, c);
	else if (copy_org_v2(p, c) == -1)
		return CLERK_JWT_CLAIMS_INVALID;
	c->has_org = c->org_id[0] != '\0';
	return CLERK_JWT_OK;
}

enum clerk_jwt_error
clerk_jwt_verify(const char *token, size_t len, const struct clerk_jwt_opts *o,
    struct clerk_claims *out)
{
	struct token         t;
	struct verifier     *v;
	const char          *kid = NULL;
	EVP_PKEY            *pk;
	enum clerk_jwt_error rc;

	memset(out, 0, sizeof(*out));
	scratch.active = true;
	scratch.used = 0;
	if (token_parse(token, len, &t) == -1) {
		rc = CLERK_JWT_MALFORMED;
		goto out;
	}
	rc = CLERK_JWT_INTERNAL;
	if ((v = verifier_get()) == NULL)
		goto out;
	if ((rc = check_header_part(v, &t, &kid)) != CLERK_JWT_OK)
		goto out;
	rc = CLERK_JWT_KID_UNKNOWN;
	if (o->lookup == NULL || (pk = o->lookup(kid, o->lookup_ctx)) == NULL)
		goto out;
	/* The signature first: no claim is read from an unverified token. */
	if ((rc = check_signature(v, pk, &t)) != CLERK_JWT_OK)
		goto out;
	if ((rc = check_claims(t.payload, o, out)) != CLERK_JWT_OK)
		goto out;
	rc = copy_claims(t.payload, out);
out:
	if (rc != CLERK_JWT_OK)
		clerk_claims_cleanup(out);
	token_cleanup(&t);
	scratch.active = false;
	return rc;
}

void
clerk_claims_cleanup(struct clerk_claims *c)
{
	char  *strs[] = {c->sub, c->sid, c->iss, c->azp, c->sts, c->actor,
	     c->act_json, c->fea, c->pla, c->org_id, c->org_slug, c->org_role};
	size_t i;

	for (i = 0; i < ARRAY_LEN(strs); i++)
		claim_free(strs[i]);
	for (i = 0; i < c->org_permissions_len; i++)
		free(c->org_permissions[i]);
	free(c->org_permissions);
	memset(c, 0, sizeof(*c));
}

void
clerk_claims_subject(const struct clerk_claims *c, struct has_subject *s)
{
	memset(s, 0, sizeof(*s));
	/* The SDK treats a pending session as signed out: has() is false. */
	if (c->sts == NULL || strcmp(c->sts, "pending") != 0)
		s->user_id = c->sub;
	s->org_id = c->org_id;
	s->org_role = c->org_role;
	s->perms = (const char *const *)c->org_permissions;
	s->perms_len = c->org_permissions_len;
	s->features = c->fea;
	s->plans = c->pla;
	s->fva = c->fva;
}

const char *
clerk_jwt_error_str(enum clerk_jwt_error e)
{
	switch (e) {
	case CLERK_JWT_OK:
		return "ok";
	case CLERK_JWT_MALFORMED:
		return "token-invalid";
	case CLERK_JWT_ALG:
		return "token-invalid-algorithm";
	case CLERK_JWT_TYP:
		return "token-invalid-type";
	case CLERK_JWT_CATEGORY:
		return "token-invalid-category";
	case CLERK_JWT_KID_UNKNOWN:
		return "jwk-kid-mismatch";
	case CLERK_JWT_SIGNATURE:
		return "token-invalid-signature";
	case CLERK_JWT_NO_SUB:
		return "token-missing-sub";
	case CLERK_JWT_MACHINE:
		return "token-machine";
	case CLERK_JWT_NO_SID:
		return "token-missing-sid";
	case CLERK_JWT_BAD_CLAIM:
		return "token-invalid-claim";
	case CLERK_JWT_EXPIRED:
		return "token-expired";
	case CLERK_JWT_NOT_YET_VALID:
		return "token-not-active-yet";
	case CLERK_JWT_IAT_FUTURE:
		return "token-iat-in-the-future";
	case CLERK_JWT_ISSUER:
		return "token-invalid-issuer";
	case CLERK_JWT_AZP:
		return "token-invalid-authorized-parties";
	case CLERK_JWT_CLAIMS_INVALID:
		return "token-invalid-claims";
	case CLERK_JWT_INTERNAL:
		return "token-verification-failed";
	}
	return "invalid";
}

/* The header checks of a machine JWT form (reference/clerk.md 10.3). */
static enum clerk_jwt_error
check_machine_header(const json_t *h, enum clerk_jwt_form form,
    const char **kid)
{
	const json_t *v;

	*kid = NULL;
	if (!json_str_is(json_object_get(h, "alg"), ALG_RS256))
		return CLERK_JWT_ALG;
	v = json_object_get(h, "typ");
	if (form == CLERK_JWT_FORM_OAUTH) {
		if (!json_str_is(v, "at+jwt") &&
		    !json_str_is(v, "application/at+jwt"))
			return CLERK_JWT_TYP;
	} else {
		if (v != NULL && !json_str_is(v, "JWT"))
			return CLERK_JWT_TYP;
		/* Absent is allowed while Clerk rolls the category out. */
		v = json_object_get(h, "cat");
		if (v != NULL && !json_str_is(v, CLERK_CATEGORY_M2M))
			return CLERK_JWT_CATEGORY;
	}
	return check_crit_kid(h, kid);
}

/* The payload's compact JSON text, malloc'd; NULL when it cannot be. */
static char *
payload_text(const json_t *p)
{
	size_t n = json_dumpb(p, NULL, 0, JSON_COMPACT);
	char  *s;

	if (n == 0)
		return NULL;
	s = xmalloc(n + 1);
	if (json_dumpb(p, s, n, JSON_COMPACT) != n) {
		free(s);
		return NULL;
	}
	s[n] = '\0';
	return s;
}

enum clerk_jwt_error
clerk_jwt_verify_machine(const char *token, size_t len,
    enum clerk_jwt_form form, const struct clerk_jwt_opts *o, char **payload,
    int64_t *exp)
{
	struct token         t;
	struct verifier     *v;
	struct clerk_claims  times;
	const char          *kid = NULL, *sub;
	EVP_PKEY            *pk;
	enum clerk_jwt_error rc;

	*payload = NULL;
	*exp = 0;
	memset(&times, 0, sizeof(times));
	scratch.active = true;
	scratch.used = 0;
	if (token_parse(token, len, &t) == -1) {
		rc = CLERK_JWT_MALFORMED;
		goto out;
	}
	rc = CLERK_JWT_MALFORMED;
	if ((t.header = decode_object(t.header_part)) == NULL)
		goto out;
	if ((rc = check_machine_header(t.header, form, &kid)) != CLERK_JWT_OK)
		goto out;
	rc = CLERK_JWT_INTERNAL;
	if ((v = verifier_get()) == NULL)
		goto out;
	rc = CLERK_JWT_KID_UNKNOWN;
	if (o->lookup == NULL || (pk = o->lookup(kid, o->lookup_ctx)) == NULL)
		goto out;
	/* The signature first: no claim is read from an unverified token. */
	if ((rc = check_signature(v, pk, &t)) != CLERK_JWT_OK)
		goto out;
	rc = CLERK_JWT_NO_SUB;
	if ((sub = get_str(t.payload, "sub")) == NULL ||
	    (form == CLERK_JWT_FORM_M2M && strncmp(sub, "mch_", 4) != 0))
		goto out;
	if ((rc = check_times(t.payload, o->now, &times)) != CLERK_JWT_OK)
		goto out;
	/* Made outside the scratch buffer: it outlives the verification. */
	scratch.active = false;
	rc = CLERK_JWT_INTERNAL;
	if ((*payload = payload_text(t.payload)) == NULL)
		goto out;
	*exp = times.exp;
	rc = CLERK_JWT_OK;
out:
	token_cleanup(&t);
	scratch.active = false;
	return rc;
}

/* True when s is one or more base64url characters. */
static bool
is_b64url_part(struct str s)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		if (b64url_value((unsigned char)s.p[i]) < 0)
			return false;
	}
	return s.len > 0;
}

void
clerk_jwt_peek(const char *token, size_t len, struct clerk_jwt_peek *out)
{
	struct str    rest = {token, len}, part[3];
	json_t       *h = NULL, *p = NULL;
	const json_t *typ;
	const char   *sub;
	size_t        i;

	memset(out, 0, sizeof(*out));
	if (token == NULL || len == 0 || len > CLERK_JWT_MAX_LEN)
		return;
	for (i = 0; i < 3; i++) {
		if (!str_split_next(&rest, '.', &part[i]) ||
		    !is_b64url_part(part[i]))
			return;
	}
	if (rest.p != NULL)
		return;
	out->is_jwt = true;
	scratch.active = true;
	scratch.used = 0;
	if ((p = decode_object(part[1])) != NULL &&
	    (sub = get_str(p, "sub")) != NULL)
		out->sub_is_machine = strncmp(sub, "mch_", 4) == 0;
	if ((h = decode_object(part[0])) != NULL) {
		typ = json_object_get(h, "typ");
		out->typ_is_access = json_str_is(typ, "at+jwt") ||
		    json_str_is(typ, "application/at+jwt");
	}
	json_decref(h);
	json_decref(p);
	scratch.active = false;
}
