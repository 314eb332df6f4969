/* SPDX-License-Identifier: ISC */
/*
 * marimba-consumer against real Kafka, Redis and FerretDB: N votes give
 * exactly N in every counter, the series and MongoDB; reading the same
 * messages again (a second consumer group) changes nothing; poison
 * messages go to the DLQ with their reason and don't stop the partition;
 * the liveness heartbeat file is touched while the consumer runs; /metrics
 * shows each sink's lag and counters.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <mongoc/mongoc.h>

#include "test_consumer_harness.h"
#include "test_consumer_tallies.h"
#include "vote.h"
#include "vote_codec.h"
#include "vote_id.h"

#define N_VOTES		2000

/* 1 if GET /metrics on port shows text within timeout ms. */
static int
wait_metric(int port, const char *text, int timeout_ms)
{
	char	buf[8192];
	int64_t	deadline;

	deadline = ct_now_ms() + timeout_ms;
	for (;;) {
		if (ct_http_get(port, "/metrics", buf, sizeof(buf)) == 0 &&
		    strstr(buf, text) != NULL)
			return (1);
		if (ct_now_ms() >= deadline)
			return (0);
		ct_sleep_ms(200);
	}
}

static void
test_counts_exact_then_replayed(void **state)
{
	struct ct_env	*e;
	char		group2[160], env[64], want[128], page[512];
	pid_t		pid;
	long long	rest, grpc;
	int		port;

	(void)state;
	e = ct_env_new("counts", 3);
	ct_produce_votes(e, 0, N_VOTES);

	port = ct_free_port();
	(void)snprintf(env, sizeof(env), "MARIMBA_CONSUMER_METRICS_PORT=%d",
	    port);
	pid = ct_consumer_start(e, NULL, env, NULL);
	assert_int_equal(ct_wait_total(e, N_VOTES, 30000), N_VOTES);
	assert_int_equal(ct_wait_committed(e, NULL, N_VOTES, 15000),
	    N_VOTES);
	(void)snprintf(want, sizeof(want),
	    "marimba_consumer_processed_total{sink=\"mongo\"} %d", N_VOTES);
	assert_true(wait_metric(port, want, 10000));
	(void)snprintf(want, sizeof(want),
	    "marimba_consumer_processed_total{sink=\"redis\"} %d", N_VOTES);
	assert_true(wait_metric(port, want, 10000));
	assert_true(wait_metric(port,
	    "marimba_consumer_lag_messages{sink=\"redis\"} 0\n", 10000));
	assert_true(wait_metric(port,
	    "marimba_consumer_lag_messages{sink=\"mongo\"} 0\n", 10000));
	assert_true(wait_metric(port,
	    "marimba_consumer_lag_seconds{sink=\"mongo\"} 0.000\n", 10000));
	assert_true(wait_metric(port,
	    "marimba_consumer_store_up{sink=\"redis\"} 1\n", 1000));
	assert_true(wait_metric(port, "HTTP/1.0 200 OK", 1000));
	assert_int_equal(ct_http_get(port, "/other", page, sizeof(page)), 0);
	assert_non_null(strstr(page, "HTTP/1.0 404 Not Found"));
	ct_assert_tallies(e, N_VOTES);
	assert_int_equal(ct_mongo_count(e), N_VOTES);
	assert_int_equal(ct_mongo_count_ids(e), N_VOTES);

	/* One stream entry per second; their sums are the totals. */
	assert_int_equal(ct_wait_series(e, N_VOTES, 10000), N_VOTES);
	rest = ct_redis_series_sum(e, "rest");
	grpc = ct_redis_series_sum(e, "grpc");
	assert_int_equal(rest, ct_redis_hget(e, "sources", "rest"));
	assert_int_equal(grpc, ct_redis_hget(e, "sources", "grpc"));

	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 15000), 0);

	/* A second group reads every message again: nothing changes. */
	(void)snprintf(group2, sizeof(group2), "%s-again", e->group);
	pid = ct_consumer_start(e, group2, NULL);
	assert_int_equal(ct_wait_committed(e, group2, N_VOTES, 30000),
	    N_VOTES);
	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 15000), 0);
	ct_assert_tallies(e, N_VOTES);
	assert_int_equal(ct_mongo_count(e), N_VOTES);
	ct_sleep_ms(3000);	/* let a late series flush show up */
	assert_int_equal(ct_redis_series_sum(e, "total"), N_VOTES);

	ct_env_cleanup(e);
}

static void
test_poison_to_dlq(void **state)
{
	struct ct_env		*e;
	struct vote		v;
	struct ct_dlq_record	recs[4];
	uint8_t			junk[64], enc[512];
	size_t			i, len;
	pid_t			pid;
	int			n;

	(void)state;
	e = ct_env_new("poison", 1);

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	junk[0] = 0xff;		/* an invalid wire type: not protobuf */
	ct_produce_raw(e, 0, junk, sizeof(junk));

	memset(&v, 0, sizeof(v));
	(void)snprintf(v.name, sizeof(v.name), "Alux Nahual");
	(void)snprintf(v.album, sizeof(v.album), "Conquista");
	(void)snprintf(v.source, sizeof(v.source), "rest");
	v.year = 3000;
	v.rank = 1;
	v.received_at_ms = ct_now_ms();
	assert_int_equal(vote_id_new(v.id, v.received_at_ms), 0);
	assert_int_equal(vote_encode(&v, enc, sizeof(enc), &len), VOTE_OK);
	ct_produce_raw(e, 0, enc, len);

	ct_produce_votes(e, 0, 10);

	pid = ct_consumer_start(e, NULL, NULL);
	assert_int_equal(ct_wait_total(e, 10, 30000), 10);
	assert_int_equal(ct_wait_committed(e, NULL, 12, 15000), 12);
	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 15000), 0);
	assert_int_equal(ct_mongo_count(e), 10);

	/* Only the redis sink dead-letters: each poison message once. */
	n = ct_dlq_read(e->brokers, e->dlq_topic, recs, 4, 4, 5000);
	assert_int_equal(n, 2);
	assert_int_equal(recs[0].len, sizeof(junk));
	assert_memory_equal(recs[0].payload, junk, sizeof(junk));
	assert_int_equal(recs[1].len, len);
	assert_memory_equal(recs[1].payload, enc, len);
	assert_true(recs[0].reason[0] != '\0');
	assert_non_null(strstr(recs[1].reason, "year"));
	assert_string_equal(recs[0].src_topic, e->topic);
	assert_string_equal(recs[0].src_offset, "0");
	assert_string_equal(recs[1].src_offset, "1");
	assert_string_equal(recs[1].src_partition, "0");
	assert_string_equal(recs[1].origin, "test");
	ct_dlq_records_free(recs, n);

	ct_env_cleanup(e);
}

/* Seconds since path was last modified, or -1 if it does not exist. */
static long
file_age_s(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return (-1);
	return ((long)(time(NULL) - st.st_mtime));
}

static void
test_heartbeat(void **state)
{
	struct ct_env	*e;
	struct timespec	 old[2];
	char		 path[256], env[300];
	pid_t		 pid;
	int		 i;

	(void)state;
	e = ct_env_new("heartbeat", 1);
	(void)snprintf(path, sizeof(path), "%s/heartbeat-%d.alive",
	    P_tmpdir, (int)getpid());
	(void)unlink(path);
	(void)snprintf(env, sizeof(env), "MARIMBA_HEARTBEAT_FILE=%s", path);

	pid = ct_consumer_start(e, NULL, env, NULL);
	for (i = 0; i < 100 && file_age_s(path) == -1; i++)
		usleep(100 * 1000);
	assert_true(file_age_s(path) >= 0);

	/* Age the file by an hour: the running loop must touch it again. */
	old[0].tv_sec = old[1].tv_sec = time(NULL) - 3600;
	old[0].tv_nsec = old[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	assert_true(file_age_s(path) >= 3600);
	for (i = 0; i < 100 && file_age_s(path) >= 3600; i++)
		usleep(100 * 1000);
	assert_in_range(file_age_s(path), 0, 10);

	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 15000), 0);
	(void)unlink(path);
	ct_env_cleanup(e);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_teardown(test_counts_exact_then_replayed,
		    ct_teardown),
		cmocka_unit_test_teardown(test_poison_to_dlq, ct_teardown),
		cmocka_unit_test_teardown(test_heartbeat, ct_teardown),
	};
	int	rv;

	mongoc_init();
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	mongoc_cleanup();
	return (rv);
}
