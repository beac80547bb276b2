/*
 * Unit tests for src/http/peers.c: what an address counts as, the cap,
 * and the hash table under many addresses taken and released in random
 * order (growth, and deletion that keeps every probe run whole).
 */
#include "http/peers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void
key4(const char *ip, uint8_t key[PEERS_KEY_LEN])
{
	struct sockaddr_storage ss;
	struct sockaddr_in     *in = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, ip, &in->sin_addr), 1);
	peers_key(&ss, key);
}

static void
key6(const char *ip, uint8_t key[PEERS_KEY_LEN])
{
	struct sockaddr_storage ss;
	struct sockaddr_in6    *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	in6->sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
	peers_key(&ss, key);
}

static void
test_keys(void **state)
{
	uint8_t a[PEERS_KEY_LEN], b[PEERS_KEY_LEN];

	(void)state;
	key4("192.0.2.7", a);
	key6("::ffff:192.0.2.7", b);
	assert_memory_equal(a, b, PEERS_KEY_LEN);
	key4("192.0.2.8", b);
	assert_memory_not_equal(a, b, PEERS_KEY_LEN);
	/* One host holds a whole /64. */
	key6("2001:db8:1:2::1", a);
	key6("2001:db8:1:2:ffff:ffff:ffff:ffff", b);
	assert_memory_equal(a, b, PEERS_KEY_LEN);
	key6("2001:db8:1:3::1", b);
	assert_memory_not_equal(a, b, PEERS_KEY_LEN);
}

static void
test_cap(void **state)
{
	struct peers p;
	uint8_t      a[PEERS_KEY_LEN], b[PEERS_KEY_LEN];
	unsigned     i;

	(void)state;
	key4("127.0.0.1", a);
	key4("127.0.0.2", b);
	peers_init(&p, 3);
	for (i = 0; i < 3; i++)
		assert_true(peers_take(&p, a));
	assert_false(peers_take(&p, a));
	assert_int_equal(peers_count(&p, a), 3);
	assert_true(peers_take(&p, b));
	peers_release(&p, a);
	assert_true(peers_take(&p, a));
	assert_false(peers_take(&p, a));
	for (i = 0; i < 3; i++)
		peers_release(&p, a);
	assert_int_equal(peers_count(&p, a), 0);
	peers_release(&p, a); /* not counted: nothing happens */
	assert_int_equal(peers_count(&p, b), 1);
	peers_cleanup(&p);
}

static void
test_no_cap(void **state)
{
	struct peers p;
	uint8_t      a[PEERS_KEY_LEN];
	unsigned     i;

	(void)state;
	key4("127.0.0.1", a);
	peers_init(&p, 0);
	for (i = 0; i < 1000; i++)
		assert_true(peers_take(&p, a));
	assert_int_equal(peers_count(&p, a), 0);
	peers_release(&p, a);
	peers_cleanup(&p);
}

#define ADDRS 5000

/* A deterministic generator: the same sequence on every run. */
static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
key_n(unsigned n, uint8_t key[PEERS_KEY_LEN])
{
	memset(key, 0, PEERS_KEY_LEN);
	key[0] = 0x20;
	memcpy(key + 4, &n, sizeof(n));
}

static void
test_many_addresses(void **state)
{
	static unsigned model[ADDRS];
	struct peers    p;
	uint8_t         key[PEERS_KEY_LEN];
	uint32_t        seed = 12345;
	unsigned        i, n;

	(void)state;
	memset(model, 0, sizeof(model));
	peers_init(&p, 4);
	for (i = 0; i < 200000; i++) {
		n = next_rand(&seed) % ADDRS;
		key_n(n, key);
		/* More takes than releases early, more releases later. */
		if (next_rand(&seed) % 100 < (i < 100000 ? 70U : 30U)) {
			bool took = peers_take(&p, key);

			assert_int_equal(took, model[n] < 4);
			if (took)
				model[n]++;
		} else if (model[n] > 0) {
			peers_release(&p, key);
			model[n]--;
		}
		if (i % 997 == 0)
			assert_int_equal(peers_count(&p, key), model[n]);
	}
	for (n = 0; n < ADDRS; n++) {
		key_n(n, key);
		assert_int_equal(peers_count(&p, key), model[n]);
	}
	/* Everything released: the table is empty again. */
	for (n = 0; n < ADDRS; n++) {
		key_n(n, key);
		while (model[n] > 0) {
			peers_release(&p, key);
			model[n]--;
		}
	}
	assert_int_equal(p.used, 0);
	peers_cleanup(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_no_cap),
	    cmocka_unit_test(test_many_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
