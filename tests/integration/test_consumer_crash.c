/* SPDX-License-Identifier: ISC */
/*
 * marimba-consumer stopped abruptly or politely in the middle of a run:
 * after kill -9 and a restart every vote is still counted exactly once;
 * after SIGTERM it exits 0 with its committed offsets equal to what it
 * stored, so a restart reads nothing twice (checked with the dedupe keys
 * removed, where a second read would count twice). With the sinks in
 * two processes (--sink redis, --sink mongo), kill -9 of one leaves the
 * other going, and the restarted one catches up to exactly N.
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

#define N_CRASH		12000
#define N_TERM		6000
#define N_SPLIT		3000	/* per phase of the one-sink kill */

/* Waits until <prefix>:total reaches at least want. */
static long long
wait_at_least(struct ct_env *e, long long want, int timeout_ms)
{
	int64_t		deadline;
	long long	v;

	deadline = ct_now_ms() + timeout_ms;
	for (;;) {
		v = ct_redis_get(e, "total");
		if (v >= want || ct_now_ms() > deadline)
			return (v);
		ct_sleep_ms(20);
	}
}

/* Waits until <db>.logs holds at least want documents. */
static long long
wait_logged(struct ct_env *e, long long want, int timeout_ms)
{
	int64_t		deadline;
	long long	v;

	deadline = ct_now_ms() + timeout_ms;
	for (;;) {
		v = ct_mongo_count(e);
		if (v >= want || ct_now_ms() > deadline)
			return (v);
		ct_sleep_ms(100);
	}
}

/*
 * The sinks as two processes. kill -9 the mongo one mid-run: counting
 * reaches N regardless; restarted, logging catches up to exactly N. Then
 * the other way round with N more votes: kill -9 the redis one, logging
 * reaches 2N, restarted, counting catches up to exactly 2N.
 */
static void
test_kill9_one_sink(void **state)
{
	struct ct_env	*e;
	pid_t		 rpid, mpid;

	(void)state;
	e = ct_env_new("kill9sink", 3);
	ct_produce_votes(e, 0, N_SPLIT);

	/*
	 * One vote per batch, one batch at a time: the redis sink drains
	 * ~100,000 votes/s otherwise, and must still be counting the second
	 * phase's votes when it is killed (the 20 ms poll below).
	 */
	rpid = ct_consumer_start(e, NULL, "--sink=redis", "MARIMBA_BATCH_MAX=1",
	    "MARIMBA_REDIS_INFLIGHT=1", NULL);
	/* Small batches, one at a time: still logging when it is killed. */
	mpid = ct_consumer_start(e, NULL, "--sink=mongo",
	    "MARIMBA_BATCH_MAX=20", "MARIMBA_MONGO_INFLIGHT=1", NULL);
	assert_true(wait_logged(e, N_SPLIT / 5, 60000) >= N_SPLIT / 5);
	assert_int_equal(ct_consumer_stop(mpid, SIGKILL, 5000),
	    128 + SIGKILL);
	assert_true(ct_mongo_count(e) < N_SPLIT);
	assert_int_equal(ct_wait_total(e, N_SPLIT, 60000), N_SPLIT);
	assert_int_equal(ct_wait_committed_sink(e, NULL, "redis", N_SPLIT,
	    20000), N_SPLIT);
	assert_true(ct_committed_sink(e, NULL, "mongo") < N_SPLIT);
	assert_true(ct_mongo_count(e) < N_SPLIT);

	mpid = ct_consumer_start(e, NULL, "--sink", NULL);	/* bad */
	assert_int_equal(ct_consumer_stop(mpid, 0, 5000), 2);
	mpid = ct_consumer_start(e, NULL, "MARIMBA_CONSUMER_SINKS=mongo",
	    NULL);
	assert_int_equal(ct_wait_mongo_count(e, N_SPLIT, 60000), N_SPLIT);
	assert_int_equal(ct_wait_committed_sink(e, NULL, "mongo", N_SPLIT,
	    20000), N_SPLIT);
	assert_int_equal(ct_mongo_count_ids(e), N_SPLIT);

	/* The other way round. */
	ct_produce_votes(e, N_SPLIT, N_SPLIT);
	assert_true(wait_at_least(e, N_SPLIT + N_SPLIT / 5, 60000) >=
	    N_SPLIT + N_SPLIT / 5);
	assert_int_equal(ct_consumer_stop(rpid, SIGKILL, 5000),
	    128 + SIGKILL);
	assert_int_equal(ct_wait_mongo_count(e, 2 * N_SPLIT, 60000),
	    2 * N_SPLIT);
	assert_int_equal(ct_wait_committed_sink(e, NULL, "mongo",
	    2 * N_SPLIT, 20000), 2 * N_SPLIT);
	assert_true(ct_redis_get(e, "total") < 2 * N_SPLIT);
	rpid = ct_consumer_start(e, NULL, "--sink=redis", NULL);
	assert_int_equal(ct_wait_total(e, 2 * N_SPLIT, 60000), 2 * N_SPLIT);
	assert_int_equal(ct_wait_committed(e, NULL, 2 * N_SPLIT, 20000),
	    2 * N_SPLIT);
	assert_int_equal(ct_consumer_stop(rpid, SIGTERM, 15000), 0);
	assert_int_equal(ct_consumer_stop(mpid, SIGTERM, 15000), 0);
	assert_int_equal(ct_redis_hget(e, "bands", ct_band(3)),
	    2 * N_SPLIT / CT_BANDS);
	assert_int_equal(ct_redis_hget(e, "sources", "rest") +
	    ct_redis_hget(e, "sources", "grpc"), 2 * N_SPLIT);
	assert_int_equal(ct_mongo_count(e), 2 * N_SPLIT);
	assert_int_equal(ct_mongo_count_ids(e), 2 * N_SPLIT);
	ct_env_cleanup(e);
}

static void
test_kill9_and_restart(void **state)
{
	struct ct_env	*e;
	pid_t		pid;
	long long	seen;

	(void)state;
	e = ct_env_new("kill9", 3);
	ct_produce_votes(e, 0, N_CRASH);

	/*
	 * One vote per batch, one redis batch at a time: the kill lands
	 * between many commits, and while the redis sink (~100,000 votes/s
	 * with its defaults) is still counting.
	 */
	pid = ct_consumer_start(e, NULL, "MARIMBA_BATCH_MAX=1",
	    "MARIMBA_REDIS_INFLIGHT=1", NULL);
	seen = wait_at_least(e, N_CRASH / 5, 60000);
	assert_true(seen >= N_CRASH / 5);
	assert_int_equal(ct_consumer_stop(pid, SIGKILL, 5000), 128 + SIGKILL);
	seen = ct_redis_get(e, "total");
	assert_true(seen < N_CRASH);

	pid = ct_consumer_start(e, NULL, NULL);
	assert_int_equal(ct_wait_total(e, N_CRASH, 60000), N_CRASH);
	/* Logging (FerretDB) may well finish after counting. */
	assert_int_equal(ct_wait_committed(e, NULL, N_CRASH, 90000),
	    N_CRASH);
	/* Sealed seconds reach the stream while a consumer runs. */
	assert_int_equal(ct_wait_series(e, N_CRASH, 10000), N_CRASH);
	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 15000), 0);

	assert_int_equal(ct_redis_hget(e, "bands", ct_band(0)),
	    N_CRASH / CT_BANDS);
	assert_int_equal(ct_mongo_count(e), N_CRASH);
	assert_int_equal(ct_mongo_count_ids(e), N_CRASH);
	ct_env_cleanup(e);
}

static void
test_sigterm_commits_what_it_stored(void **state)
{
	struct ct_env	*e;
	pid_t		pid;
	long long	committed, logged, total;

	(void)state;
	e = ct_env_new("sigterm", 3);
	ct_produce_votes(e, 0, N_TERM);

	pid = ct_consumer_start(e, NULL, "MARIMBA_BATCH_MAX=100", NULL);
	assert_true(wait_at_least(e, N_TERM / 6, 60000) >= N_TERM / 6);
	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 15000), 0);

	/* Each sink committed exactly what its store has. */
	committed = ct_committed_sink(e, NULL, "redis");
	logged = ct_committed_sink(e, NULL, "mongo");
	total = ct_redis_get(e, "total");
	assert_true(committed > 0);
	assert_true(logged > 0);
	assert_int_equal(total, committed);
	assert_int_equal(ct_mongo_count(e), logged);

	/*
	 * Without the dedupe keys a vote read twice would count twice: the
	 * restart must start exactly where the commit says.
	 */
	assert_true(ct_redis_del_pattern(e, "seen:*") == committed);
	pid = ct_consumer_start(e, NULL, NULL);
	assert_int_equal(ct_wait_committed(e, NULL, N_TERM, 60000), N_TERM);
	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 15000), 0);
	assert_int_equal(ct_redis_get(e, "total"), N_TERM);
	assert_int_equal(ct_mongo_count(e), N_TERM);
	assert_int_equal(ct_mongo_count_ids(e), N_TERM);
	ct_env_cleanup(e);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_teardown(test_kill9_and_restart, ct_teardown),
		cmocka_unit_test_teardown(test_kill9_one_sink, ct_teardown),
		cmocka_unit_test_teardown(test_sigterm_commits_what_it_stored,
		    ct_teardown),
	};
	int	rv;

	mongoc_init();
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	mongoc_cleanup();
	return (rv);
}
