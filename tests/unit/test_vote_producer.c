/* SPDX-License-Identifier: ISC */
/*
 * lib/vote_producer.c against librdkafka's in-process mock cluster (no
 * services): delivery reports carry the send-time opaque, the notify fd
 * fires, a full queue is VOTE_SEND_FULL, and with the broker down a
 * message fails within the ack timeout and broker_up says 0. The sticky
 * partitioner puts a burst on one partition (the key's hash, with
 * MARIMBA_PRODUCER_STICKY_MS=0, spreads it) and never on a partition
 * without a leader. vote_producer_send_now() sends a message at once
 * instead of after linger.ms, and leaves its report to the polling thread.
 */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "clock.h"
#include "config.h"
#include "kafka_offsets.h"
#include "vote.h"
#include "vote_id.h"
#include "vote_producer.h"

#define TOPIC	"votes-unit"
#define PARTS	3	/* of TOPIC */

struct mock {
	rd_kafka_t		*rk;
	rd_kafka_mock_cluster_t	*cluster;
	struct marimba_config	 cfg;
};

struct reports {
	int	ok;
	int	failed;
	int	wrong_opaque;
};

static int
setup(void **state)
{
	struct mock	*m;
	rd_kafka_conf_t	*conf;
	char		 err[256];

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (-1);
	conf = rd_kafka_conf_new();
	(void)rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
	if ((m->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err,
	    sizeof(err))) == NULL) {
		free(m);
		return (-1);
	}
	if ((m->cluster = rd_kafka_mock_cluster_new(m->rk, 1)) == NULL ||
	    rd_kafka_mock_topic_create(m->cluster, TOPIC, PARTS, 1) != 0) {
		rd_kafka_destroy(m->rk);
		free(m);
		return (-1);
	}
	if (marimba_config_load(&m->cfg, err, sizeof(err)) == -1)
		return (-1);
	snprintf(m->cfg.kafka_brokers, sizeof(m->cfg.kafka_brokers), "%s",
	    rd_kafka_mock_cluster_bootstraps(m->cluster));
	snprintf(m->cfg.kafka_topic, sizeof(m->cfg.kafka_topic), "%s", TOPIC);
	m->cfg.ack_timeout_ms = 1500;
	*state = m;
	return (0);
}

static int
teardown(void **state)
{
	struct mock	*m = *state;

	rd_kafka_mock_cluster_destroy(m->cluster);
	rd_kafka_destroy(m->rk);
	free(m);
	return (0);
}

static void
delivered(void *opaque, int err, const char *reason, void *arg)
{
	struct reports	*r = arg;

	(void)reason;
	if (opaque != (void *)r)
		r->wrong_opaque++;
	if (err == 0)
		r->ok++;
	else
		r->failed++;
}

static void
make_vote(struct vote *v, uint32_t rank)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "Alux Nahual");
	snprintf(v->album, sizeof(v->album), "Alux Nahual");
	v->year = 1982;
	v->rank = rank;
	assert_int_equal(vote_accept(v, "rest"), 0);
}

/* Polls until want reports arrived or ms passed. */
static void
poll_reports(struct vote_producer *vp, struct reports *r, int want, int ms)
{
	int	waited;

	for (waited = 0; r->ok + r->failed < want && waited < ms;
	    waited += 50)
		(void)vote_producer_poll(vp, 50);
}

static void
test_delivery_reports(void **state)
{
	struct mock		*m = *state;
	struct vote_producer	*vp;
	struct reports		 r;
	struct vote		 v;
	char			 err[256];
	int			 i;

	memset(&r, 0, sizeof(r));
	vp = vote_producer_new(&m->cfg, delivered, &r, err, sizeof(err));
	assert_non_null(vp);
	for (i = 0; i < 10; i++) {
		make_vote(&v, (uint32_t)i + 1);
		assert_int_equal(vote_producer_send(vp, &v, &r), VOTE_SEND_OK);
	}
	poll_reports(vp, &r, 10, 10000);
	assert_int_equal(r.ok, 10);
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.wrong_opaque, 0);
	assert_int_equal(vote_producer_queue_len(vp), 0);
	assert_int_equal(vote_producer_broker_is_up(vp, 2000), 1);
	assert_int_equal(vote_producer_flush(vp, 1000), 0);
	vote_producer_free(vp);
}

static void
test_notify_fd(void **state)
{
	struct mock		*m = *state;
	struct vote_producer	*vp;
	struct reports		 r;
	struct vote		 v;
	struct pollfd		 pfd;
	char			 err[256], buf[16];
	int			 fds[2];

	memset(&r, 0, sizeof(r));
	assert_int_equal(pipe(fds), 0);
	vp = vote_producer_new(&m->cfg, delivered, &r, err, sizeof(err));
	assert_non_null(vp);
	vote_producer_notify_fd(vp, fds[1]);
	make_vote(&v, 1);
	assert_int_equal(vote_producer_send(vp, &v, &r), VOTE_SEND_OK);

	/* The report wakes the reader of the pipe; nobody polled before. */
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 10000), 1);
	assert_true(read(fds[0], buf, sizeof(buf)) > 0);
	assert_int_equal(r.ok, 0);
	assert_true(vote_producer_poll(vp, 0) >= 1);
	assert_int_equal(r.ok, 1);

	vote_producer_free(vp);
	close(fds[0]);
	close(fds[1]);
}

static void
test_queue_full(void **state)
{
	struct mock		*m = *state;
	struct marimba_config	 cfg = m->cfg;
	struct vote_producer	*vp;
	struct reports		 r;
	struct vote		 v;
	char			 err[256];

	memset(&r, 0, sizeof(r));
	cfg.queue_max = 1;
	vp = vote_producer_new(&cfg, delivered, &r, err, sizeof(err));
	assert_non_null(vp);
	make_vote(&v, 1);
	assert_int_equal(vote_producer_send(vp, &v, &r), VOTE_SEND_OK);
	make_vote(&v, 2);
	assert_int_equal(vote_producer_send(vp, &v, &r), VOTE_SEND_FULL);
	poll_reports(vp, &r, 1, 10000);
	assert_int_equal(r.ok, 1);
	vote_producer_free(vp);
}

/* Messages on each partition of TOPIC (high watermarks) into n[PARTS]. */
static void
partition_counts(struct mock *m, int64_t *n)
{
	rd_kafka_conf_t		*conf;
	rd_kafka_t		*rk;
	struct kafka_part	*parts;
	char			 err[256];
	int			 i, np;

	conf = rd_kafka_conf_new();
	assert_int_equal(rd_kafka_conf_set(conf, "bootstrap.servers",
	    rd_kafka_mock_cluster_bootstraps(m->cluster), err, sizeof(err)),
	    RD_KAFKA_CONF_OK);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
	assert_non_null(rk);
	assert_int_equal(kafka_offsets(rk, TOPIC, 5000, &parts, &np, err,
	    sizeof(err)), 0);
	assert_int_equal(np, PARTS);
	for (i = 0; i < PARTS; i++)
		n[i] = parts[i].high;
	free(parts);
	rd_kafka_destroy(rk);
}

/*
 * Sends one vote and waits for it (until then the partitions join their
 * leader one by one and may look unavailable), then n - 1 at once; all
 * must be acknowledged.
 */
static void
send_burst(struct mock *m, const struct marimba_config *cfg, int n)
{
	struct vote_producer	*vp;
	struct reports		 r;
	struct vote		 v;
	char			 err[256];
	int			 i;

	(void)m;
	memset(&r, 0, sizeof(r));
	vp = vote_producer_new(cfg, delivered, &r, err, sizeof(err));
	assert_non_null(vp);
	for (i = 0; i < n; i++) {
		if (i == 1)
			poll_reports(vp, &r, 1, 10000);
		make_vote(&v, (uint32_t)i + 1);
		assert_int_equal(vote_producer_send(vp, &v, &r), VOTE_SEND_OK);
	}
	poll_reports(vp, &r, n, 10000);
	assert_int_equal(r.ok, n);
	vote_producer_free(vp);
}

static void
test_sticky_burst(void **state)
{
	struct mock		*m = *state;
	struct marimba_config	 cfg = m->cfg;
	int64_t			 n[PARTS];
	int			 i, used;

	/* A window far longer than the burst: one partition gets it all. */
	cfg.producer_sticky_ms = 60000;
	send_burst(m, &cfg, 30);
	partition_counts(m, n);
	for (used = 0, i = 0; i < PARTS; i++)
		if (n[i] > 0) {
			used++;
			assert_int_equal(n[i], 30);
		}
	assert_int_equal(used, 1);
}

static void
test_key_hash_spreads(void **state)
{
	struct mock		*m = *state;
	struct marimba_config	 cfg = m->cfg;
	int64_t			 n[PARTS];
	int			 i;

	/* The old partitioner, for contrast: 30 random ids hit all 3. */
	cfg.producer_sticky_ms = 0;
	send_burst(m, &cfg, 30);
	partition_counts(m, n);
	for (i = 0; i < PARTS; i++)
		assert_true(n[i] > 0);
	assert_int_equal(n[0] + n[1] + n[2], 30);
}

static void
test_sticky_skips_leaderless(void **state)
{
	struct mock		*m = *state;
	struct marimba_config	 cfg = m->cfg;
	struct vote_producer	*vp;
	struct reports		 r;
	struct vote		 v;
	int64_t			 n[PARTS];
	char			 err[256];
	int			 i;

	/*
	 * Partitions 0 and 1 have no leader; with a 1 ms window the votes
	 * would go round all three. They must all go to 2 and be
	 * acknowledged within the ack timeout (1.5 s here).
	 */
	assert_int_equal(rd_kafka_mock_partition_set_leader(m->cluster, TOPIC,
	    0, -1), 0);
	assert_int_equal(rd_kafka_mock_partition_set_leader(m->cluster, TOPIC,
	    1, -1), 0);
	cfg.producer_sticky_ms = 1;
	memset(&r, 0, sizeof(r));
	vp = vote_producer_new(&cfg, delivered, &r, err, sizeof(err));
	assert_non_null(vp);
	/* The producer has the topic's leaders before the first vote. */
	assert_int_equal(vote_producer_broker_is_up(vp, 2000), 1);
	for (i = 0; i < 20; i++) {
		make_vote(&v, (uint32_t)i + 1);
		assert_int_equal(vote_producer_send(vp, &v, &r), VOTE_SEND_OK);
		(void)vote_producer_poll(vp, 3);
	}
	poll_reports(vp, &r, 20, 10000);
	assert_int_equal(r.ok, 20);
	assert_int_equal(r.failed, 0);
	vote_producer_free(vp);

	assert_int_equal(rd_kafka_mock_partition_set_leader(m->cluster, TOPIC,
	    0, 1), 0);
	assert_int_equal(rd_kafka_mock_partition_set_leader(m->cluster, TOPIC,
	    1, 1), 0);
	partition_counts(m, n);
	assert_int_equal(n[0], 0);
	assert_int_equal(n[1], 0);
	assert_int_equal(n[2], 20);
}

static void
test_broker_down(void **state)
{
	struct mock		*m = *state;
	struct vote_producer	*vp;
	struct reports		 r;
	struct vote		 v;
	char			 err[256];
	int64_t			 t0, took;

	memset(&r, 0, sizeof(r));
	vp = vote_producer_new(&m->cfg, delivered, &r, err, sizeof(err));
	assert_non_null(vp);
	assert_int_equal(rd_kafka_mock_broker_set_down(m->cluster, 1), 0);

	t0 = marimba_now_ms();
	make_vote(&v, 1);
	assert_int_equal(vote_producer_send(vp, &v, &r), VOTE_SEND_OK);
	poll_reports(vp, &r, 1, 10000);
	took = marimba_now_ms() - t0;
	assert_int_equal(r.failed, 1);
	/* message.timeout.ms is the ack timeout (librdkafka scans each s). */
	assert_true(took < m->cfg.ack_timeout_ms + 1500);
	assert_int_equal(vote_producer_broker_is_up(vp, 500), 0);

	assert_int_equal(rd_kafka_mock_broker_set_up(m->cluster, 1), 0);
	vote_producer_free(vp);
}

/* A thread in vote_producer_poll(), as marimba-grpc's report thread. */
struct poller {
	struct vote_producer	*vp;
	atomic_int		 stop;
	pthread_t		 thread;
};

static void *
poller_run(void *arg)
{
	struct poller	*p = arg;

	while (!atomic_load(&p->stop))
		(void)vote_producer_poll(p->vp, 20);
	return (NULL);
}

static void
test_send_now(void **state)
{
	struct mock		*m = *state;
	struct vote_producer	*vp;
	struct poller		 p;
	struct reports		 r;
	struct vote		 v;
	char			 err[256];
	int64_t			 t0, took;

	memset(&r, 0, sizeof(r));
	m->cfg.producer_linger_ms = 600;
	vp = vote_producer_new(&m->cfg, delivered, &r, err, sizeof(err));
	assert_non_null(vp);
	/* The partitions' leaders are known: only linger.ms holds a vote. */
	assert_int_equal(vote_producer_broker_is_up(vp, 2000), 1);
	make_vote(&v, 1);
	assert_int_equal(vote_producer_send(vp, &v, &r), VOTE_SEND_OK);
	poll_reports(vp, &r, 1, 5000);
	assert_int_equal(r.ok, 1);

	/* Left alone, a vote waits out linger.ms. */
	make_vote(&v, 2);
	t0 = marimba_mono_ms();
	assert_int_equal(vote_producer_send(vp, &v, &r), VOTE_SEND_OK);
	poll_reports(vp, &r, 2, 5000);
	took = marimba_mono_ms() - t0;
	assert_int_equal(r.ok, 2);
	assert_true(took >= 500);

	/* Sent now: reported well within linger.ms, by the polling thread. */
	p.vp = vp;
	atomic_init(&p.stop, 0);
	assert_int_equal(pthread_create(&p.thread, NULL, poller_run, &p), 0);
	make_vote(&v, 3);
	t0 = marimba_mono_ms();
	assert_int_equal(vote_producer_send(vp, &v, &r), VOTE_SEND_OK);
	assert_int_equal(vote_producer_send_now(vp, 3000), 0);
	took = marimba_mono_ms() - t0;
	atomic_store(&p.stop, 1);
	assert_int_equal(pthread_join(p.thread, NULL), 0);
	assert_int_equal(r.ok, 3);
	assert_true(took < 300);

	/* It serves no report itself: with nobody polling, it times out. */
	make_vote(&v, 4);
	assert_int_equal(vote_producer_send(vp, &v, &r), VOTE_SEND_OK);
	assert_int_equal(vote_producer_send_now(vp, 200), -1);
	assert_int_equal(r.ok, 3);
	poll_reports(vp, &r, 4, 5000);
	assert_int_equal(r.ok, 4);
	assert_int_equal(r.failed, 0);
	vote_producer_free(vp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_delivery_reports, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_notify_fd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_queue_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_now, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_broker_down, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sticky_burst, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key_hash_spreads, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sticky_skips_leaderless,
		    setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
