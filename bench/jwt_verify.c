/*
 * Session-token verification rate of one core, without the token cache:
 * clerk_jwt_verify() on a real RS256 token (key from bench/api-gen.mjs),
 * for a few seconds. Compare with "openssl speed -seconds 3 rsa2048"
 * (verify/s). Usage: jwt_verify PUB.PEM TOKENS_FILE [SECONDS]
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clerk/jwt.h"
#include "clerk/pubkey.h"

static EVP_PKEY *key;

static EVP_PKEY *
lookup(const char *kid, void *ctx)
{
	(void)kid;
	(void)ctx;
	return key;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct clerk_jwt_opts o;
	char		      pem[4096], token[8192];
	double		      start, secs = argc > 3 ? atof(argv[3]) : 3.0;
	long		      n = 0;
	size_t		      len;
	FILE		     *f;

	if (argc < 3)
		return 2;
	clerk_jwt_use_scratch(); /* as mysaas does */
	if ((f = fopen(argv[1], "r")) == NULL)
		return 1;
	len = fread(pem, 1, sizeof(pem) - 1, f);
	pem[len] = '\0';
	fclose(f);
	if ((f = fopen(argv[2], "r")) == NULL ||
	    fgets(token, sizeof(token), f) == NULL)
		return 1;
	fclose(f);
	token[strcspn(token, "\n")] = '\0';
	if ((key = clerk_pubkey_from_pem(pem)) == NULL)
		return 1;
	memset(&o, 0, sizeof(o));
	o.lookup = lookup;
	o.now = (long long)time(NULL);
	start = now_s();
	while (now_s() - start < secs) {
		struct clerk_claims c;

		if (clerk_jwt_verify(token, strlen(token), &o, &c) !=
		    CLERK_JWT_OK) {
			fprintf(stderr, "verify failed\n");
			return 1;
		}
		clerk_claims_cleanup(&c);
		n++;
	}
	printf("clerk_jwt_verify: %.0f verifies/s on one core\n",
	    (double)n / (now_s() - start));
	EVP_PKEY_free(key);
	return 0;
}
