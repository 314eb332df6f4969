/* SPDX-License-Identifier: ISC */
/*
 * marimba-consumer while a store is down: with a PRIVATE Redis (or
 * FerretDB) started and stopped through scripts/stack on a free port, the
 * sink of that store pauses, commits nothing its store lacks, says so in
 * its log, and once the store is back it catches up to exactly N; the
 * other sink (same process) goes on meanwhile: logging while Redis is
 * down, counting while MongoDB is. With Redis, a SCRIPT FLUSH afterwards
 * is survived too (NOSCRIPT -> reload). The Redis cases run the redis
 * sink's deepest pipeline (MARIMBA_REDIS_INFLIGHT=8; batches of 20 where
 * Redis is down or flushes its scripts), so a failure loses many batches
 * in flight, all retried oldest first.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <mongoc/mongoc.h>

#include "test_consumer_harness.h"

#define N_BEFORE	1500
#define N_DURING	2500
#define N_AFTER		500

static void
outage(const char *store)
{
	struct ct_env	*e;
	char		dir[128];
	pid_t		pid;
	long long	n;
	int		port;

	e = ct_env_new(store, 3);
	(void)snprintf(dir, sizeof(dir), "var/stack-consumertest-%d-%s",
	    (int)getpid(), store);
	(void)snprintf(e->log_path, sizeof(e->log_path), "%s/%s/consumer.log",
	    MARIMBA_SOURCE_DIR, dir);
	port = ct_free_port();
	ct_env_private(e, store, dir, port);
	if (strcmp(store, "redis") == 0)
		e->redis_port = port;
	else
		(void)snprintf(e->mongo_uri, sizeof(e->mongo_uri),
		    "mongodb://127.0.0.1:%d/?appname=marimba-test", port);

	/*
	 * Small batches, and for Redis the deepest pipeline: the failures
	 * below hit many batches in flight, which the retry must count
	 * once each, oldest first.
	 */
	if (strcmp(store, "redis") == 0)
		pid = ct_consumer_start(e, NULL, "MARIMBA_BATCH_MAX=20",
		    "MARIMBA_REDIS_INFLIGHT=8", NULL);
	else
		pid = ct_consumer_start(e, NULL, NULL);
	ct_produce_votes(e, 0, N_BEFORE);
	assert_int_equal(ct_wait_total(e, N_BEFORE, 30000), N_BEFORE);
	assert_int_equal(ct_wait_committed(e, NULL, N_BEFORE, 15000),
	    N_BEFORE);

	assert_int_equal(ct_stack("down", store, dir, port), 0);
	ct_produce_votes(e, N_BEFORE, N_DURING);
	/* The other sink does not wait for the store that is down. */
	if (strcmp(store, "mongo") == 0) {
		assert_int_equal(ct_wait_total(e, N_BEFORE + N_DURING, 30000),
		    N_BEFORE + N_DURING);
		assert_int_equal(ct_wait_committed_sink(e, NULL, "redis",
		    N_BEFORE + N_DURING, 15000), N_BEFORE + N_DURING);
	} else {
		assert_int_equal(ct_wait_mongo_count(e, N_BEFORE + N_DURING,
		    30000), N_BEFORE + N_DURING);
		assert_int_equal(ct_wait_committed_sink(e, NULL, "mongo",
		    N_BEFORE + N_DURING, 15000), N_BEFORE + N_DURING);
	}
	/* Nothing committed that the store that is down lacks. */
	assert_int_equal(ct_committed_sink(e, NULL, store), N_BEFORE);

	assert_int_equal(ct_stack("up", store, dir, port), 0);
	assert_int_equal(ct_wait_total(e, N_BEFORE + N_DURING, 40000),
	    N_BEFORE + N_DURING);
	assert_int_equal(ct_wait_committed(e, NULL, N_BEFORE + N_DURING,
	    30000), N_BEFORE + N_DURING);
	if (strcmp(store, "redis") == 0) {
		/* Redis forgets the scripts: NOSCRIPT, reload, retry. */
		assert_int_equal(ct_redis_simple(e, "SCRIPT FLUSH"), 0);
		ct_produce_votes(e, N_BEFORE + N_DURING, N_AFTER);
	}
	n = N_BEFORE + N_DURING + (strcmp(store, "redis") == 0 ? N_AFTER : 0);
	assert_int_equal(ct_wait_total(e, n, 30000), n);
	assert_int_equal(ct_wait_committed(e, NULL, n, 30000), n);
	assert_int_equal(ct_wait_series(e, n, 10000), n);
	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 15000), 0);

	assert_int_equal(ct_mongo_count(e), n);
	assert_int_equal(ct_mongo_count_ids(e), n);
	assert_int_equal(ct_redis_hget(e, "bands", ct_band(1)),
	    n / CT_BANDS);
	if (strcmp(store, "redis") == 0) {
		assert_true(ct_file_has(e->log_path, "redis down: "));
		assert_true(ct_file_has(e->log_path, "redis back: resuming"));
		assert_true(ct_file_has(e->log_path,
		    "NOSCRIPT (script cache flushed): loading count_vote.lua"));
		assert_false(ct_file_has(e->log_path, "mongo down: "));
	} else {
		assert_true(ct_file_has(e->log_path, "mongo down: "));
		assert_true(ct_file_has(e->log_path, "mongo back: resuming"));
		assert_false(ct_file_has(e->log_path, "redis down: "));
	}

	ct_env_cleanup(e);
}

/* Signals the private Redis of dir (SIGSTOP: a hung server). */
static void
signal_redis(const char *dir, int sig)
{
	FILE	*f;
	char	 path[512];
	int	 pid;

	(void)snprintf(path, sizeof(path), "%s/%s/redis/redis.pid",
	    MARIMBA_SOURCE_DIR, dir);
	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(fscanf(f, "%d", &pid), 1);
	fclose(f);
	assert_int_equal(kill(pid, sig), 0);
}

/*
 * A Redis that hangs (SIGSTOP) instead of refusing: hiredis' I/O timeout
 * turns it into a failed batch, the consumer pauses instead of hanging,
 * and after SIGCONT the stalled and the retried writes count once.
 */
static void
test_redis_stalled(void **state)
{
	struct ct_env	*e;
	char		dir[128];
	pid_t		pid;
	int		port, i;

	(void)state;
	e = ct_env_new("stall", 3);
	(void)snprintf(dir, sizeof(dir), "var/stack-consumertest-%d-stall",
	    (int)getpid());
	port = ct_free_port();
	ct_env_private(e, "redis", dir, port);
	e->redis_port = port;
	(void)snprintf(e->log_path, sizeof(e->log_path), "%s/%s/redis/"
	    "consumer.log", MARIMBA_SOURCE_DIR, dir);

	/*
	 * Up to eight batches stall in the pipeline, then are retried.
	 * (Batches stay large: the mongo sink's log window waits out the
	 * hung Redis's I/O timeout once per batch.)
	 */
	pid = ct_consumer_start(e, NULL, "MARIMBA_REDIS_INFLIGHT=8", NULL);
	ct_produce_votes(e, 0, N_BEFORE);
	assert_int_equal(ct_wait_total(e, N_BEFORE, 30000), N_BEFORE);
	assert_int_equal(ct_wait_committed(e, NULL, N_BEFORE, 15000),
	    N_BEFORE);

	signal_redis(dir, SIGSTOP);
	ct_produce_votes(e, N_BEFORE, N_DURING);
	/*
	 * Each call into the hung Redis (the series flush, then the batch)
	 * takes the 3 s I/O timeout before the batch is called down: wait
	 * for that, boundedly, rather than a fixed time a loaded machine
	 * may not meet.
	 */
	for (i = 0; i < 200 && !ct_file_has(e->log_path, "redis down: "); i++)
		ct_sleep_ms(100);
	assert_true(ct_file_has(e->log_path, "redis down: "));
	/* Logging goes on while counting hangs. */
	assert_int_equal(ct_wait_mongo_count(e, N_BEFORE + N_DURING, 30000),
	    N_BEFORE + N_DURING);
	assert_int_equal(ct_committed_sink(e, NULL, "redis"), N_BEFORE);
	signal_redis(dir, SIGCONT);

	assert_int_equal(ct_wait_total(e, N_BEFORE + N_DURING, 40000),
	    N_BEFORE + N_DURING);
	assert_int_equal(ct_wait_committed(e, NULL, N_BEFORE + N_DURING,
	    30000), N_BEFORE + N_DURING);
	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 15000), 0);
	assert_int_equal(ct_redis_hget(e, "sources", "rest") +
	    ct_redis_hget(e, "sources", "grpc"), N_BEFORE + N_DURING);
	assert_int_equal(ct_mongo_count(e), N_BEFORE + N_DURING);
	assert_true(ct_file_has(e->log_path, "redis back: resuming"));

	ct_env_cleanup(e);
}

static void
test_redis_down_then_back(void **state)
{
	(void)state;
	outage("redis");
}

static void
test_mongo_down_then_back(void **state)
{
	(void)state;
	outage("mongo");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_teardown(test_redis_down_then_back,
		    ct_teardown),
		cmocka_unit_test_teardown(test_mongo_down_then_back,
		    ct_teardown),
		cmocka_unit_test_teardown(test_redis_stalled,
		    ct_teardown),
	};
	int	rv;

	mongoc_init();
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	mongoc_cleanup();
	return (rv);
}
