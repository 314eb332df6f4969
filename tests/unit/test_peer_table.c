/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for producers/peer_table.c: open calls counted per peer,
 * entries gone at zero, many peers in the same table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "peer_table.h"

#define MANY	20000

static void
test_counts(void **state)
{
	struct peer_table	*t;

	(void)state;
	assert_non_null(t = peer_table_new());
	assert_int_equal(peer_table_add(t, "ipv4:127.0.0.1:40000"), 1);
	assert_int_equal(peer_table_add(t, "ipv4:127.0.0.1:40000"), 2);
	assert_int_equal(peer_table_add(t, "ipv4:127.0.0.1:40001"), 1);
	assert_int_equal(peer_table_len(t), 2);
	peer_table_del(t, "ipv4:127.0.0.1:40000");
	assert_int_equal(peer_table_add(t, "ipv4:127.0.0.1:40000"), 2);
	peer_table_del(t, "ipv4:127.0.0.1:40000");
	peer_table_del(t, "ipv4:127.0.0.1:40000");
	assert_int_equal(peer_table_len(t), 1);
	/* Gone: counting starts again; an unknown peer is ignored. */
	peer_table_del(t, "ipv4:127.0.0.1:40000");
	peer_table_del(t, "ipv6:[::1]:1");
	assert_int_equal(peer_table_add(t, "ipv4:127.0.0.1:40000"), 1);
	peer_table_free(t);
}

static void
test_many_peers(void **state)
{
	struct peer_table	*t;
	char			 key[64];
	int			 i;

	(void)state;
	assert_non_null(t = peer_table_new());
	for (i = 0; i < MANY; i++) {
		(void)snprintf(key, sizeof(key), "ipv4:10.0.%d.%d:%d",
		    i / 256 % 256, i % 256, 1024 + i);
		assert_int_equal(peer_table_add(t, key), 1);
	}
	assert_int_equal(peer_table_len(t), MANY);
	for (i = 0; i < MANY; i += 2) {
		(void)snprintf(key, sizeof(key), "ipv4:10.0.%d.%d:%d",
		    i / 256 % 256, i % 256, 1024 + i);
		peer_table_del(t, key);
	}
	assert_int_equal(peer_table_len(t), MANY / 2);
	(void)snprintf(key, sizeof(key), "ipv4:10.0.0.1:1025");
	assert_int_equal(peer_table_add(t, key), 2);
	peer_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_many_peers),
	};

	return (cmocka_run_group_tests_name("peer_table", tests, NULL, NULL));
}
