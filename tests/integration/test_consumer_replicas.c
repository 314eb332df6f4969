/* SPDX-License-Identifier: ISC */
/*
 * Two marimba-consumer replicas in one group hand partitions over in
 * cooperative rebalances (one joins, then the other leaves) without
 * losing or doubling a vote, and both run the series flusher with one
 * stream entry per second.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <mongoc/mongoc.h>

#include "test_consumer_harness.h"

#define N_REPLICAS	12000

/*
 * Two replicas in one group: B joins mid-run (cooperative rebalance, A
 * stores and commits before giving partitions away), then A leaves with
 * SIGTERM and B takes everything. Exactly N at the end.
 */
static void
test_two_replicas_rebalance(void **state)
{
	struct ct_env	*e;
	pid_t		a, b;
	long long	third = N_REPLICAS / 3;

	(void)state;
	e = ct_env_new("replicas", 6);
	(void)snprintf(e->log_path, sizeof(e->log_path), "%s/var/%s.log",
	    MARIMBA_SOURCE_DIR, e->name);

	a = ct_consumer_start(e, NULL, NULL);
	ct_produce_votes(e, 0, third);
	assert_int_equal(ct_wait_total(e, third, 30000), third);

	/* B joins: A gives some partitions away. */
	b = ct_consumer_start(e, NULL, NULL);
	ct_sleep_ms(4000);
	ct_produce_votes(e, third, third);
	assert_int_equal(ct_wait_total(e, 2 * third, 30000), 2 * third);

	/* A leaves: B takes them all. */
	assert_int_equal(ct_consumer_stop(a, SIGTERM, 15000), 0);
	ct_produce_votes(e, 2 * third, N_REPLICAS - 2 * third);
	assert_int_equal(ct_wait_total(e, N_REPLICAS, 60000), N_REPLICAS);
	assert_int_equal(ct_wait_committed(e, NULL, N_REPLICAS, 90000),
	    N_REPLICAS);
	assert_int_equal(ct_wait_series(e, N_REPLICAS, 10000), N_REPLICAS);
	assert_int_equal(ct_consumer_stop(b, SIGTERM, 15000), 0);
	assert_int_equal(ct_mongo_count(e), N_REPLICAS);
	assert_int_equal(ct_mongo_count_ids(e), N_REPLICAS);
	assert_int_equal(ct_redis_hget(e, "bands", ct_band(2)),
	    N_REPLICAS / CT_BANDS);
	assert_true(ct_file_has(e->log_path, "kafka: revoked"));
	(void)unlink(e->log_path);
	ct_env_cleanup(e);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_teardown(test_two_replicas_rebalance,
		    ct_teardown),
	};
	int	rv;

	mongoc_init();
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	mongoc_cleanup();
	return (rv);
}
