/*
 * Publishable-key facts and RSA public-key loading. Base64 comes from
 * libsodium (strict: canonical encodings only), keys from OpenSSL 3's
 * provider APIs (d2i_PUBKEY, EVP_PKEY_fromdata), never the deprecated RSA_*
 * ones. No globals: every function is thread-safe. OpenSSL errors raised
 * while refusing input are cleared, so they never surface in an unrelated
 * ERR_get_error() later on the same thread.
 */
#include "clerk/pubkey.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>
#include <stdbool.h>
#include <string.h>

#define HOST_MAX       253   /* a DNS name */
#define RSA_MAX_BITS   16384 /* OpenSSL's own limit for RSA verification */
#define RSA_MAX_N_LEN  (RSA_MAX_BITS / 8)
#define RSA_MAX_E_LEN  32 /* SP 800-56B: e < 2^256 */
#define SHA1_LEN       20
#define SHA1_B64_SIZE  29 /* 28 characters + NUL */
#define PEM_LABEL_SPKI "PUBLIC KEY"

static bool
host_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* Decodes standard base64, padded (then strictly) or unpadded. */
static int
decode_b64_std(const char *in, size_t len, unsigned char *out, size_t outmax,
    size_t *outlen)
{
	int variant = memchr(in, '=', len) != NULL
	    ? sodium_base64_VARIANT_ORIGINAL
	    : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;

	if (sodium_base642bin(out, outmax, in, len, NULL, outlen, NULL,
	        variant) != 0)
		return -1;
	return 0;
}

int
clerk_frontend_api_host(const char *publishable_key, char *out, size_t outlen)
{
	/* The decoded text is "<host>$": one byte more than the host. */
	unsigned char dec[HOST_MAX + 2];
	const char   *b64;
	size_t        n = 0, i;
	bool          has_dot = false;

	if (publishable_key == NULL || out == NULL || outlen == 0)
		return -1;
	if (strncmp(publishable_key, "pk_test_", 8) == 0 ||
	    strncmp(publishable_key, "pk_live_", 8) == 0)
		b64 = publishable_key + 8;
	else
		return -1;
	if (decode_b64_std(b64, strlen(b64), dec, sizeof(dec), &n) == -1)
		return -1;
	/* Exactly one '$', at the end: the character check refuses others. */
	if (n < 2 || dec[n - 1] != '$')
		return -1;
	n--;
	for (i = 0; i < n; i++) {
		if (!host_char_ok(dec[i]))
			return -1;
		if (dec[i] == '.')
			has_dot = true;
	}
	/* The SDK also requires a '.' (isPublishableKey in @clerk/shared). */
	if (!has_dot || n >= outlen)
		return -1;
	memcpy(out, dec, n);
	out[n] = '\0';
	return 0;
}

int
clerk_cookie_suffix(const char *publishable_key, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int  mdlen = 0;
	char          b64[SHA1_B64_SIZE];

	if (publishable_key == NULL || publishable_key[0] == '\0')
		return -1;
	if (EVP_Digest(publishable_key, strlen(publishable_key), md, &mdlen,
	        EVP_sha1(), NULL) != 1 ||
	    mdlen != SHA1_LEN) {
		ERR_clear_error();
		return -1;
	}
	sodium_bin2base64(b64, sizeof(b64), md, SHA1_LEN,
	    sodium_base64_VARIANT_URLSAFE);
	memcpy(out, b64, CLERK_COOKIE_SUFFIX_SIZE - 1);
	out[CLERK_COOKIE_SUFFIX_SIZE - 1] = '\0';
	return 0;
}

/*
 * The key must be plain RSA (not RSA-PSS), CLERK_RSA_MIN_BITS to
 * RSA_MAX_BITS, with an odd modulus and an odd exponent > 1 (e = 1 would
 * make every signature forgeable).
 */
static bool
rsa_key_ok(const EVP_PKEY *pk)
{
	BIGNUM *n = NULL, *e = NULL;
	bool    ok = false;
	int     bits;

	if (!EVP_PKEY_is_a(pk, "RSA"))
		return false;
	bits = EVP_PKEY_get_bits(pk);
	if (bits < CLERK_RSA_MIN_BITS || bits > RSA_MAX_BITS)
		return false;
	if (EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
		goto out;
	ok = BN_is_odd(n) && BN_is_odd(e) && !BN_is_one(e);
out:
	BN_free(n);
	BN_free(e);
	return ok;
}

EVP_PKEY *
clerk_pubkey_from_pem(const char *pem)
{
	BIO                 *bio = NULL;
	EVP_PKEY            *pk = NULL;
	char                *name = NULL, *header = NULL;
	unsigned char       *der = NULL;
	const unsigned char *p;
	long                 len = 0;

	if (pem == NULL)
		return NULL;
	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
		goto fail;
	/*
	 * Read the raw block and insist on the SPKI label with no headers:
	 * no PKCS#1 "RSA PUBLIC KEY", no certificates, no encrypted PEM (which
	 * could make OpenSSL prompt for a passphrase).
	 */
	if (PEM_read_bio(bio, &name, &header, &der, &len) != 1)
		goto fail;
	if (strcmp(name, PEM_LABEL_SPKI) != 0 || header[0] != '\0' || len <= 0)
		goto fail;
	p = der;
	if ((pk = d2i_PUBKEY(NULL, &p, len)) == NULL)
		goto fail;
	if (p != der + len || !rsa_key_ok(pk))
		goto fail;
	goto out;
fail:
	EVP_PKEY_free(pk);
	pk = NULL;
	ERR_clear_error();
out:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
	return pk;
}

/* True when member is absent, or a string equal to want. */
static bool
absent_or_equals(const json_t *jwk, const char *member, const char *want)
{
	const json_t *v = json_object_get(jwk, member);

	if (v == NULL)
		return true;
	return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* Decodes the unpadded base64url string member into a new BIGNUM. */
static BIGNUM *
member_bn(const json_t *jwk, const char *member, size_t maxlen)
{
	unsigned char buf[RSA_MAX_N_LEN];
	const json_t *v = json_object_get(jwk, member);
	const char   *s;
	size_t        n = 0;

	if (!json_is_string(v) || maxlen > sizeof(buf))
		return NULL;
	s = json_string_value(v);
	if (sodium_base642bin(buf, maxlen, s, json_string_length(v), NULL, &n,
	        NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n == 0)
		return NULL;
	return BN_bin2bn(buf, (int)n, NULL);
}

EVP_PKEY *
clerk_pubkey_from_jwk(const json_t *jwk)
{
	BIGNUM         *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM     *params = NULL;
	EVP_PKEY_CTX   *ctx = NULL;
	EVP_PKEY       *pk = NULL;
	const json_t   *kty;

	if (!json_is_object(jwk))
		return NULL;
	kty = json_object_get(jwk, "kty");
	if (!json_is_string(kty) || strcmp(json_string_value(kty), "RSA") != 0)
		return NULL;
	if (!absent_or_equals(jwk, "alg", "RS256") ||
	    !absent_or_equals(jwk, "use", "sig"))
		return NULL;
	if ((n = member_bn(jwk, "n", RSA_MAX_N_LEN)) == NULL ||
	    (e = member_bn(jwk, "e", RSA_MAX_E_LEN)) == NULL)
		goto fail;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto fail;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto fail;
	if (!rsa_key_ok(pk))
		goto fail;
	goto out;
fail:
	EVP_PKEY_free(pk);
	pk = NULL;
	ERR_clear_error();
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pk;
}

/* "\n" escapes become line breaks. */
static char *
unescape_pem(const char *pem)
{
	char  *out = xstrdup(pem), *w = out;
	size_t i;

	for (i = 0; pem[i] != '\0'; i++) {
		if (pem[i] == '\\' && pem[i + 1] == 'n') {
			*w++ = '\n';
			i++;
		} else {
			*w++ = pem[i];
		}
	}
	*w = '\0';
	return out;
}

EVP_PKEY *
clerk_pubkey_from_config(const char *text)
{
	char     *pem = unescape_pem(text);
	EVP_PKEY *k = clerk_pubkey_from_pem(pem);

	free(pem);
	return k;
}
