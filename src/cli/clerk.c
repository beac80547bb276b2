/*
 * "mysaas clerk ...": tools around Clerk. "send-webhook FILE [--url U]"
 * signs FILE with CLERK_WEBHOOK_SIGNING_SECRET as Svix would and POSTs it
 * to the local server, for development without a tunnel.
 */
#include "cli/cli.h"

#include <curl/curl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clerk/svix.h"
#include "core/buf.h"

#define MAX_FILE (1024UL * 1024 * 2)

static int
read_file(const char *path, struct buf *out)
{
	FILE  *f = fopen(path, "rb");
	char   chunk[8192];
	size_t n;
	int    rc = 0;

	if (f == NULL) {
		(void)fprintf(stderr, "mysaas: cannot read %s\n", path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(out, chunk, n) == -1) {
			(void)fprintf(stderr,
			    "mysaas: %s is larger than 2 MiB\n", path);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		(void)fprintf(stderr, "mysaas: cannot read %s\n", path);
		rc = -1;
	}
	(void)fclose(f);
	return rc;
}

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (buf_append(b, p, size * n) == -1)
		return 0;
	return size * n;
}

/* A message id shaped like Svix's: "msg_" and 27 random alphanumerics. */
static void
make_msg_id(char out[32])
{
	static const char alphabet[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char rnd[27];
	size_t        i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	memcpy(out, "msg_", 4);
	for (i = 0; i < sizeof(rnd); i++)
		out[4 + i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	out[4 + sizeof(rnd)] = '\0';
}

static int
post(const char *url, const struct buf *body, const char *id, int64_t ts,
    const char *sig)
{
	struct curl_slist *h = NULL;
	struct buf         resp;
	char               line[160];
	long               status = 0;
	CURL              *c = curl_easy_init();
	CURLcode           cc;

	if (c == NULL)
		return -1;
	buf_init(&resp, 1024UL * 1024);
	h = curl_slist_append(h, "Content-Type: application/json");
	(void)snprintf(line, sizeof(line), "svix-id: %s", id);
	h = curl_slist_append(h, line);
	(void)snprintf(line, sizeof(line), "svix-timestamp: %lld",
	    (long long)ts);
	h = curl_slist_append(h, line);
	(void)snprintf(line, sizeof(line), "svix-signature: %s", sig);
	h = curl_slist_append(h, line);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		printf("%ld %s\n", status, resp.data != NULL ? resp.data : "");
	} else {
		(void)fprintf(stderr, "mysaas: cannot POST to %s: %s\n", url,
		    curl_easy_strerror(cc));
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	buf_cleanup(&resp);
	return (cc == CURLE_OK && status >= 200 && status < 300) ? 0 : -1;
}

static int
send_webhook(const char *file, const char *url_arg)
{
	struct config      cfg;
	struct svix_secret secret;
	struct buf         body;
	char               url[512], id[32], sig[SVIX_SIGNATURE_SIZE];
	int64_t            ts = (int64_t)time(NULL);
	int                rc = 1;

	if (cli_config_load(&cfg, NULL) == -1)
		return 1;
	buf_init(&body, MAX_FILE);
	if (cfg.clerk_webhook_signing_secret == NULL ||
	    svix_secret_parse(cfg.clerk_webhook_signing_secret, &secret) ==
	        -1) {
		(void)fprintf(stderr,
		    "mysaas: CLERK_WEBHOOK_SIGNING_SECRET: set it "
		    "to the endpoint's whsec_ signing secret\n");
		goto out;
	}
	if (read_file(file, &body) == -1)
		goto wipe;
	if (url_arg != NULL)
		(void)snprintf(url, sizeof(url), "%s", url_arg);
	else
		(void)snprintf(url, sizeof(url),
		    "http://%s:%d/api/v1/auth/clerk_webhook/", cfg.host,
		    cfg.port);
	make_msg_id(id);
	if (svix_sign(&secret, str_from_cstr(id), ts, body.data, body.len,
	        sig) == -1) {
		(void)fprintf(stderr, "mysaas: cannot sign %s\n", file);
		goto wipe;
	}
	rc = post(url, &body, id, ts, sig) == 0 ? 0 : 1;
wipe:
	svix_secret_cleanup(&secret);
out:
	buf_cleanup(&body);
	config_cleanup(&cfg);
	return rc;
}

int
cli_clerk(int argc, char **argv)
{
	const char *file = NULL, *url = NULL;
	int         i;

	if (argc >= 1 && strcmp(argv[0], "sync") == 0)
		return cli_clerk_sync(argc - 1, argv + 1);
	if (argc < 1 || strcmp(argv[0], "send-webhook") != 0) {
		if (argc >= 1)
			(void)fprintf(stderr,
			    "mysaas clerk: unknown command \"%s\"\n", argv[0]);
		(void)cli_usage(stderr, "clerk");
		return EXIT_USAGE;
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--url") == 0 && i + 1 < argc) {
			url = argv[++i];
		} else if (argv[i][0] != '-' && file == NULL) {
			file = argv[i];
		} else {
			(void)fprintf(stderr,
			    "mysaas clerk send-webhook: unexpected "
			    "argument \"%s\"\n",
			    argv[i]);
			(void)cli_usage(stderr, "clerk");
			return EXIT_USAGE;
		}
	}
	if (file == NULL) {
		(void)cli_usage(stderr, "clerk");
		return EXIT_USAGE;
	}
	return send_webhook(file, url);
}
