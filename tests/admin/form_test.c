/*
 * Unit tests for src/admin/form.c: form bodies decoded by libmicrohttpd's
 * post processor exactly as the server hands them over. A small MHD daemon
 * on 127.0.0.1 buffers each body into a struct req like server.c does and
 * calls admin_form_parse(); the test reads the result after the response.
 */
#include "admin/form.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/req.h"

#define MAX_SEEN 8

/* What the handler decoded; written before the response is queued. */
static struct {
	int    rc;
	size_t n;
	char  *name[MAX_SEEN];
	char  *value[MAX_SEEN];
	size_t len[MAX_SEEN];
} seen;

static struct MHD_Daemon *daemon_;
static uint16_t           port;

static void
seen_reset(void)
{
	size_t i;

	for (i = 0; i < MAX_SEEN; i++) {
		free(seen.name[i]);
		free(seen.value[i]);
	}
	memset(&seen, 0, sizeof(seen));
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *data, size_t *size,
    void **req_cls)
{
	struct req          *r = *req_cls;
	struct admin_form    f;
	struct MHD_Response *resp;
	size_t               i;

	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	if (r == NULL) {
		struct arena *a = arena_new();

		r = arena_alloc(a, sizeof(*r));
		memset(r, 0, sizeof(*r));
		r->arena = a;
		r->conn = conn;
		buf_init(&r->body, 2 * 1024 * 1024);
		*req_cls = r;
		return MHD_YES;
	}
	if (*size > 0) {
		assert_int_equal(buf_append(&r->body, data, *size), 0);
		*size = 0;
		return MHD_YES;
	}
	seen_reset();
	seen.rc = admin_form_parse(r, &f);
	for (i = 0; seen.rc == 0 && i < f.n && i < MAX_SEEN; i++) {
		seen.name[i] = strdup(f.fields[i].name);
		seen.value[i] = malloc(f.fields[i].len + 1);
		memcpy(seen.value[i], f.fields[i].value, f.fields[i].len + 1);
		seen.len[i] = f.fields[i].len;
	}
	seen.n = seen.rc == 0 ? f.n : 0;
	resp = MHD_create_response_from_buffer(2, (void *)(uintptr_t) "ok",
	    MHD_RESPMEM_PERSISTENT);
	(void)MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	buf_cleanup(&r->body);
	arena_free(r->arena);
	*req_cls = NULL;
	return MHD_YES;
}

static int
setup(void **state)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_in          sa;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
	    NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_END);
	if (daemon_ == NULL)
		return -1;
	info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	port = info->port;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	MHD_stop_daemon(daemon_);
	seen_reset();
	return 0;
}

/* POSTs body with content_type and waits for the answer. */
static void
post(const char *content_type, const char *body, size_t len)
{
	struct sockaddr_in sa;
	char               head[256], buf[512];
	int                fd, n;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	n = snprintf(head, sizeof(head),
	    "POST /f HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
	    "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
	    content_type, len);
	assert_int_equal(write(fd, head, (size_t)n), n);
	if (len > 0)
		assert_int_equal(write(fd, body, len), (ssize_t)len);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

static void
post_form(const char *body)
{
	post("application/x-www-form-urlencoded", body, strlen(body));
}

static void
assert_field(size_t i, const char *name, const char *value, size_t len)
{
	assert_true(i < seen.n);
	assert_string_equal(seen.name[i], name);
	assert_int_equal(seen.len[i], len);
	assert_memory_equal(seen.value[i], value, len);
	assert_int_equal(seen.value[i][len], '\0');
}

static void
test_decoding(void **state)
{
	(void)state;
	post_form(
	    "csrfmiddlewaretoken=abc&username=a%40b.c&password=p%26ss+w%2B"
	    "%3D");
	assert_int_equal(seen.rc, 0);
	assert_int_equal(seen.n, 3);
	assert_field(0, "csrfmiddlewaretoken", "abc", 3);
	assert_field(1, "username", "a@b.c", 5);
	assert_field(2, "password", "p&ss w+=", 8);
}

static void
test_empty_and_repeated(void **state)
{
	struct admin_form       f;
	char                    a[] = "a", one[] = "1", b[] = "b", empty[] = "";
	char                    two[] = "2";
	struct admin_form_field fl[3] = {{a, one, 1}, {b, empty, 0},
	    {a, two, 1}};

	(void)state;
	post_form("a=1&b=&a=2&c=");
	assert_int_equal(seen.rc, 0);
	assert_int_equal(seen.n, 4);
	assert_field(0, "a", "1", 1);
	assert_field(1, "b", "", 0);
	assert_field(2, "a", "2", 1);
	assert_field(3, "c", "", 0);
	/* admin_form_get gives the first value of a repeated name. */
	f.fields = fl;
	f.n = 3;
	assert_string_equal(admin_form_get(&f, "a"), "1");
	assert_string_equal(admin_form_get(&f, "b"), "");
	assert_null(admin_form_get(&f, "zz"));
}

static void
test_utf8_and_nul(void **state)
{
	(void)state;
	post_form("name=%E2%9C%93+%3Cimg%3E&n=x%00y");
	assert_int_equal(seen.rc, 0);
	assert_field(0, "name", "\xE2\x9C\x93 <img>", 9);
	/* NUL bytes survive decoding with their length; the admin's text
	 * checks refuse them. */
	assert_field(1, "n", "x\0y", 3);
}

static void
test_long_value_in_pieces(void **state)
{
	size_t len = 300000, i;
	char  *body = malloc(len + 16);

	(void)state;
	memcpy(body, "big=", 4);
	for (i = 0; i < len; i++)
		body[4 + i] = (char)('a' + (int)(i % 26));
	memcpy(body + 4 + len, "&after=1", 9);
	post_form(body);
	assert_int_equal(seen.rc, 0);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.name[0], "big");
	assert_int_equal(seen.len[0], len);
	assert_memory_equal(seen.value[0], body + 4, len);
	assert_field(1, "after", "1", 1);
	free(body);
}

static void
test_not_a_form(void **state)
{
	(void)state;
	post("application/json", "{\"a\":1}", 7);
	assert_int_equal(seen.rc, -1);
	post("text/plain", "a=1", 3);
	assert_int_equal(seen.rc, -1);
}

static void
test_too_many_fields(void **state)
{
	struct buf b;
	size_t     i;

	(void)state;
	buf_init(&b, 0);
	for (i = 0; i < ADMIN_FORM_MAX_FIELDS + 1; i++)
		assert_int_equal(buf_appendf(&b, "%sf%zu=x", i ? "&" : "", i),
		    0);
	post_form(b.data);
	assert_int_equal(seen.rc, -1);
	buf_reset(&b);
	for (i = 0; i < ADMIN_FORM_MAX_FIELDS; i++)
		assert_int_equal(buf_appendf(&b, "%sf%zu=x", i ? "&" : "", i),
		    0);
	post_form(b.data);
	assert_int_equal(seen.rc, 0);
	assert_int_equal(seen.n, ADMIN_FORM_MAX_FIELDS);
	buf_cleanup(&b);
}

static void
test_multipart(void **state)
{
	static const char body[] =
	    "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "one two\r\n--XyZ\r\nContent-Disposition: form-data; name=\"b\"\r\n"
	    "\r\n&=%\r\n--XyZ--\r\n";

	(void)state;
	post("multipart/form-data; boundary=XyZ", body, sizeof(body) - 1);
	assert_int_equal(seen.rc, 0);
	assert_field(0, "a", "one two", 7);
	assert_field(1, "b", "&=%", 3);
}

static void
test_empty_body(void **state)
{
	(void)state;
	post_form("");
	assert_int_equal(seen.rc, 0);
	assert_int_equal(seen.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decoding),
	    cmocka_unit_test(test_empty_and_repeated),
	    cmocka_unit_test(test_utf8_and_nul),
	    cmocka_unit_test(test_long_value_in_pieces),
	    cmocka_unit_test(test_not_a_form),
	    cmocka_unit_test(test_too_many_fields),
	    cmocka_unit_test(test_multipart),
	    cmocka_unit_test(test_empty_body),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
