/* SPDX-License-Identifier: ISC */
/*
 * Three-broker fault test (issue 19): the whole pipeline on a PRIVATE
 * three-node Kafka KRaft cluster (scripts/kafka-cluster: RF 3,
 * min.insync.replicas 2) plus a private Redis and FerretDB
 * (scripts/stack), under REST and gRPC load whose every request carries
 * an idempotency key and is retried with it after a refusal. In turn:
 *
 *  1. kill -9 the active controller (it also leads partitions), then
 *     start it again and wait until every replica is back in sync;
 *  2. SIGTERM the broker leading the most partitions (a controlled
 *     shutdown);
 *  3. while it is down, kill -9 another: one broker of three is up,
 *     fewer than min.insync.replicas; then start both again.
 *
 * Then the load stops and the consumer catches up, and:
 *
 *  - no vote is refused (503 / UNAVAILABLE, no answer) while at least
 *    two brokers are up: a refusal is only allowed from the moment the
 *    second broker went down until MARIMBA_ACK_TIMEOUT_MS (+5 s) after
 *    both came back;
 *  - lost = 0: every acknowledged id is on the topic, in MongoDB and
 *    marked seen in Redis;
 *  - duplicates = 0: MongoDB holds each distinct id of the topic once,
 *    the Redis total equals that number; a retried vote whose refused
 *    attempt was stored anyway has the same id, so it is counted once
 *    (the topic may hold it twice: reported as "repeated on the topic");
 *  - what was stored but never acknowledged is at most what was finally
 *    refused (retries did not add votes);
 *  - the consumer stays alive: its liveness file (MARIMBA_HEARTBEAT_FILE)
 *    is never older than the 30 s k8s/base/consumer.yaml's probe allows,
 *    while the group coordinator moves with the brokers.
 *
 * It prints the timeline: per period, votes sent, refused attempts, ack
 * p50/p99 of the requests sent in it, and how long until acks were
 * normal again (docs/chaos.md).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <grpc/grpc.h>
#include <librdkafka/rdkafka.h>
#include <mongoc/mongoc.h>

#include "chaos.h"

#define BR_RATE		100	/* votes/s per door */
#define BR_ACK_TIMEOUT_MS	20000	/* the default: what is under test */
#define BR_RETRIES	8
#define BR_NODES	3
#define BR_STEADY_MS	6000
#define BR_WATCH_MS	15000	/* after a fault, before the next step */
#define BR_DOWN_MS	12000	/* two brokers down */
#define BR_SYNC_MS	120000	/* a restarted broker back in every ISR */
#define BR_RECOVER_MS	90000
#define BR_DRAIN_MS	120000
#define BR_NORMAL_US	1000000	/* an ack under 1 s is "normal" */
#define BR_PERIODS	8
#define BR_SAMPLES	4096
#define BR_SAMPLE_MS	250
#define BR_ALIVE_MS	30000	/* the liveness probe's limit */

struct br_period {
	const char	*name;
	int64_t		 t0_us;		/* its fault (or start) */
	int64_t		 t1_us;
};

struct br_sample {
	int64_t		 t_us;
	long		 refused;	/* refused so far, both doors */
	long		 sent;
};

struct br {
	struct chaos		 c;
	char			 cdir[128];	/* kafka-cluster state */
	FILE			*times;
	char			 times_path[600];
	struct br_period	 periods[BR_PERIODS];
	int			 nperiods;
	/* Refusals are allowed in [low_from_us, low_until_us]. */
	int64_t			 low_from_us;
	int64_t			 low_until_us;
	pthread_t		 sampler;
	int			 sampler_up;
	_Atomic int		 sampler_stop;
	pthread_mutex_t		 lock;
	struct br_sample	 samples[BR_SAMPLES];
	int			 nsamples;
	char			 alive_path[600];	/* heartbeat file */
	int64_t			 alive_max_ms;	/* its oldest age seen */
};

static struct br	*br_current;

static int	br_setup(struct br *);
static int	br_faults(struct br *);
static int	br_verdict(struct br *);
static int	br_cluster(struct br *, const char *, char *, size_t);
static FILE	*br_cluster_open(struct br *, const char *);
static int	br_cluster_close(FILE *, char *, size_t);
static void	br_keyed(struct lg_gen *, int);
static int	br_controller(struct br *);
static int	br_busiest_leader(struct br *);
static int	br_in_sync(struct br *, int);
static void	br_period(struct br *, const char *);
static void	*br_sample_main(void *);
static void	br_timeline(struct br *);
static void	br_teardown(struct br *);
static void	br_atexit(void);

int
main(void)
{
	struct br	*b;
	int		 rc;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return (1);
	b->c.consumer = -1;
	b->c.grpc.pid = -1;
	b->c.t0_ms = ct_now_ms();
	if (pthread_mutex_init(&b->lock, NULL) != 0)
		return (1);
	if (chaos_init() == -1)
		return (1);
	br_current = b;
	if (atexit(br_atexit) != 0)
		return (1);

	rc = 1;
	if (br_setup(b) == 0 && br_faults(b) == 0)
		rc = br_verdict(b);
	b->c.keep = rc != 0;
	if (b->c.keep)
		printf("brokers: logs kept in %s and %s\n", b->c.path,
		    b->cdir);
	br_teardown(b);
	br_current = NULL;
	chaos_fini();
	printf("brokers: %s\n", rc == 0 ? "PASS" : "FAIL");
	return (rc);
}

static int
br_setup(struct br *b)
{
	struct chaos	*c = &b->c;
	FILE		*cluster;
	int		 rc;

	do {
		c->redis_port = ct_free_port();
		c->mongo_port = ct_free_port();
	} while (c->redis_port == c->mongo_port);
	(void)snprintf(c->dir, sizeof(c->dir), "var/stack-brokers-%d",
	    (int)getpid());
	(void)snprintf(c->path, sizeof(c->path), "%s/%s", MARIMBA_SOURCE_DIR,
	    c->dir);
	(void)snprintf(b->cdir, sizeof(b->cdir), "var/kafka-cluster-%d",
	    (int)getpid());
	(void)snprintf(c->mongo_uri, sizeof(c->mongo_uri),
	    "mongodb://127.0.0.1:%d/?appname=marimba-brokers", c->mongo_port);

	chaos_say(c, "private cluster in %s, redis %d and mongo %d in %s",
	    b->cdir, c->redis_port, c->mongo_port, c->dir);
	c->stack_up = 1;
	/* The cluster starts while Redis and FerretDB do. */
	if ((cluster = br_cluster_open(b, "up")) == NULL)
		return (-1);
	rc = chaos_stack(c, "up", "redis mongo");
	if (br_cluster_close(cluster, c->brokers, sizeof(c->brokers)) != 0 ||
	    c->brokers[0] == '\0') {
		fprintf(stderr, "brokers: scripts/kafka-cluster up failed\n");
		return (-1);
	}
	if (rc != 0) {
		fprintf(stderr, "brokers: scripts/stack up failed\n");
		return (-1);
	}
	chaos_say(c, "cluster up: %s", c->brokers);

	if (chaos_env_start(c, "brokers") == -1)
		return (-1);
	/* The cluster's own topics: replication factor 3, min ISR 2. */
	(void)snprintf(c->env.topic, sizeof(c->env.topic), "votes");
	(void)snprintf(c->env.dlq_topic, sizeof(c->env.dlq_topic),
	    "votes.dlq");

	(void)snprintf(b->alive_path, sizeof(b->alive_path),
	    "MARIMBA_HEARTBEAT_FILE=%s/consumer.alive", c->path);
	c->consumer = ct_consumer_start(&c->env, NULL, b->alive_path, NULL);
	memmove(b->alive_path, strchr(b->alive_path, '=') + 1,
	    strlen(strchr(b->alive_path, '=') + 1) + 1);
	if (tg_server_start(&c->grpc, c->brokers, c->env.topic, NULL) == -1) {
		fprintf(stderr, "brokers: marimba-grpc did not start\n");
		return (-1);
	}
	if (chaos_kore_start(c, NULL) == -1)
		return (-1);
	chaos_say(c, "consumer pid %d; marimba-grpc %s; Kore port %d",
	    (int)c->consumer, c->grpc.addr, c->kore.port);

	if (lg_votes_load(MARIMBA_SOURCE_DIR "/locust/data.json", &c->votes,
	    &c->nvotes) == -1)
		return (-1);
	if (chaos_ids_open(c) == -1)
		return (-1);
	(void)snprintf(b->times_path, sizeof(b->times_path),
	    "%s/ack-times.txt", c->path);
	if ((b->times = fopen(b->times_path, "w+")) == NULL) {
		fprintf(stderr, "brokers: %s: %s\n", b->times_path,
		    strerror(errno));
		return (-1);
	}
	c->sink.times = b->times;

	chaos_load_init(c, BR_RATE);
	/* Room for every request of a stall of the whole ack timeout. */
	br_keyed(&c->rest, 1500);
	br_keyed(&c->grpcload, 64);
	if (chaos_load_start(c) == -1)
		return (-1);
	if (pthread_create(&b->sampler, NULL, br_sample_main, b) != 0)
		return (-1);
	b->sampler_up = 1;
	br_period(b, "steady, 3 brokers");
	chaos_say(c, "load: %d votes/s over REST and %d over gRPC, keyed, "
	    "up to %d retries", BR_RATE, BR_RATE, BR_RETRIES);
	return (0);
}

/* Each request keyed, retried, and waited for a whole ack timeout. */
static void
br_keyed(struct lg_gen *g, int concurrency)
{
	g->concurrency = concurrency;
	g->timeout_ms = BR_ACK_TIMEOUT_MS + 5000;
	g->keyed = 1;
	g->retries = BR_RETRIES;
}

static int
br_faults(struct br *b)
{
	struct chaos	*c = &b->c;
	char		 cmd[32], out[64];
	int		 ctl, busy, other;

	if (chaos_wait_acks(c, 100, 100, 60000) == -1) {
		fprintf(stderr, "brokers: the pipeline acknowledges nothing\n");
		return (-1);
	}
	ct_sleep_ms(BR_STEADY_MS);

	/* 1. kill -9 of the active controller. */
	if ((ctl = br_controller(b)) < 1)
		return (-1);
	(void)snprintf(cmd, sizeof(cmd), "kill %d", ctl);
	br_period(b, "kill -9 of the controller");
	chaos_say(c, "kill -9 node %d (the active controller)", ctl);
	if (br_cluster(b, cmd, out, sizeof(out)) != 0)
		return (-1);
	ct_sleep_ms(BR_WATCH_MS);
	br_period(b, "controller restarting");
	(void)snprintf(cmd, sizeof(cmd), "start %d", ctl);
	if (br_cluster(b, cmd, out, sizeof(out)) != 0)
		return (-1);
	if (br_in_sync(b, BR_SYNC_MS) == -1)
		return (-1);
	chaos_say(c, "node %d back in every ISR", ctl);
	br_period(b, "steady again, 3 brokers");
	ct_sleep_ms(BR_STEADY_MS);

	/* 2. controlled shutdown of the busiest leader. */
	if ((busy = br_busiest_leader(b)) < 1)
		return (-1);
	(void)snprintf(cmd, sizeof(cmd), "stop %d", busy);
	br_period(b, "controlled shutdown");
	chaos_say(c, "SIGTERM node %d (leads the most partitions)", busy);
	if (br_cluster(b, cmd, out, sizeof(out)) != 0)
		return (-1);
	chaos_say(c, "node %d stopped", busy);
	ct_sleep_ms(BR_WATCH_MS);

	/* 3. another one down: 1 broker of 3, under min.insync.replicas. */
	other = busy % BR_NODES + 1;
	(void)snprintf(cmd, sizeof(cmd), "kill %d", other);
	br_period(b, "two brokers down");
	b->low_from_us = marimba_mono_us();
	chaos_say(c, "kill -9 node %d: one broker up", other);
	if (br_cluster(b, cmd, out, sizeof(out)) != 0)
		return (-1);
	ct_sleep_ms(BR_DOWN_MS);
	chaos_say(c, "starting nodes %d and %d", busy, other);
	br_period(b, "brokers restarting");
	(void)snprintf(cmd, sizeof(cmd), "start %d %d", busy, other);
	if (br_cluster(b, cmd, out, sizeof(out)) != 0)
		return (-1);
	b->low_until_us = marimba_mono_us() +
	    (int64_t)(BR_ACK_TIMEOUT_MS + 5000) * 1000;
	if (chaos_wait_acks(c, 50, 50, BR_RECOVER_MS) == -1) {
		fprintf(stderr, "brokers: no acks after the restart\n");
		return (-1);
	}
	if (br_in_sync(b, BR_SYNC_MS) == -1)
		return (-1);
	/* Both restarted: refusals allowed until a timeout after this. */
	b->low_until_us = marimba_mono_us() +
	    (int64_t)(BR_ACK_TIMEOUT_MS + 5000) * 1000;
	br_period(b, "after, 3 brokers");
	ct_sleep_ms(BR_STEADY_MS);

	chaos_say(c, "stopping the load");
	lg_stop(&c->rest);
	lg_stop(&c->grpcload);
	br_period(b, NULL);
	atomic_store(&b->sampler_stop, 1);
	pthread_join(b->sampler, NULL);
	b->sampler_up = 0;
	return (0);
}

static int
br_verdict(struct br *b)
{
	struct chaos		*c = &b->c;
	struct chaos_figures	 f;
	struct lg_counts	 r, g;
	long			 lost, dups, extra, acked_uniq, bad_refusals;
	long			 refused_final;
	int			 i, ok;

	(void)chaos_drain(c, BR_DRAIN_MS);
	if (chaos_measure(c, &f) == -1) {
		fprintf(stderr, "brokers: could not gather the figures\n");
		return (1);
	}
	lg_counts(&c->rest, &r);
	lg_counts(&c->grpcload, &g);
	br_timeline(b);
	if (b->nsamples == BR_SAMPLES)
		printf("brokers: the timeline is cut short\n");

	/* Refused attempts outside the window with < 2 brokers up. */
	bad_refusals = 0;
	for (i = 1; i < b->nsamples; i++) {
		if (b->samples[i].t_us >= b->low_from_us &&
		    b->samples[i].t_us <= b->low_until_us)
			continue;
		bad_refusals += b->samples[i].refused -
		    b->samples[i - 1].refused;
	}
	acked_uniq = f.acked - f.acked_dups;
	lost = acked_uniq - f.acked_logged;
	dups = f.acked_dups + f.logged_dups + (f.counted > f.topic_ids ?
	    f.counted - f.topic_ids : 0) + (f.logged > f.topic_ids ?
	    f.logged - f.topic_ids : 0);
	extra = f.logged - f.acked_logged;
	refused_final = f.unavailable + f.failed + f.other;

	printf("\n");
	printf("brokers: sent          %7ld  (requests, one vote each)\n",
	    f.sent);
	printf("brokers: acknowledged  %7ld\n", f.acked);
	printf("brokers: refused attempts %4ld  (retried with their key: "
	    "rest %ld, grpc %ld)\n", r.retried + g.retried, r.retried,
	    g.retried);
	printf("brokers: finally refused %5ld  (%ld 503/UNAVAILABLE, %ld no "
	    "answer, %ld other)\n", refused_final, f.unavailable, f.failed,
	    f.other);
	printf("brokers: refused with >= 2 brokers up %ld\n", bad_refusals);
	printf("brokers: on the topic  %7ld  distinct ids in %ld messages "
	    "(%ld repeated: refused attempts stored, retried)\n",
	    f.topic_ids, f.topic_msgs, f.topic_msgs - f.topic_ids);
	printf("brokers: counted       %7ld  (Redis total)\n", f.counted);
	printf("brokers: logged        %7ld  (MongoDB documents)\n", f.logged);
	printf("brokers: duplicates    %7ld\n", dups);
	printf("brokers: lost          %7ld\n", lost);
	printf("brokers: extra         %7ld  (stored, never acknowledged)\n",
	    extra);
	printf("brokers: consumer liveness file at most %.1f s old\n",
	    (double)b->alive_max_ms / 1000.0);
	printf("\n");

	ok = 1;
	CHAOS_CHECK(ok, "brokers", f.acked > 0);
	CHAOS_CHECK(ok, "brokers", bad_refusals == 0);
	CHAOS_CHECK(ok, "brokers", f.other == 0);
	CHAOS_CHECK(ok, "brokers", lost == 0);
	CHAOS_CHECK(ok, "brokers", dups == 0);
	CHAOS_CHECK(ok, "brokers", f.acked_seen == acked_uniq);
	CHAOS_CHECK(ok, "brokers", f.acked_not_in_topic == 0);
	CHAOS_CHECK(ok, "brokers", f.topic_logged == f.topic_ids);
	CHAOS_CHECK(ok, "brokers", f.logged == f.topic_ids);
	CHAOS_CHECK(ok, "brokers", f.counted == f.logged);
	CHAOS_CHECK(ok, "brokers", f.by_source == f.counted);
	/* Retries never add a vote: only finally refused ones may be extra. */
	CHAOS_CHECK(ok, "brokers", extra <= refused_final);
	CHAOS_CHECK(ok, "brokers", b->alive_max_ms > 0 &&
	    b->alive_max_ms < BR_ALIVE_MS);
	return (ok ? 0 : 1);
}

/* Prints one line per period: sent, refusals, ack p50/p99, recovery. */
static void
br_timeline(struct br *b)
{
	struct br_period	*p;
	struct latency		 lat;
	long long		 sent_us, acked_us;
	int64_t			 normal_us;
	long			 refused, sent;
	int			 i, j;

	printf("\nbrokers: timeline (ack latency of requests sent in the "
	    "period, with their retries)\n");
	printf("brokers: %-28s %6s %6s %6s %8s %8s %9s\n", "period", "secs",
	    "sent", "refus", "p50 ms", "p99 ms", "normal s");
	for (i = 0; i < b->nperiods; i++) {
		p = &b->periods[i];
		memset(&lat, 0, sizeof(lat));
		normal_us = -1;
		rewind(b->times);
		while (fscanf(b->times, "%lld %lld", &sent_us,
		    &acked_us) == 2) {
			if (sent_us < p->t0_us || sent_us >= p->t1_us)
				continue;
			(void)latency_add(&lat, acked_us - sent_us);
			if (acked_us - sent_us < BR_NORMAL_US &&
			    (normal_us == -1 || acked_us - p->t0_us <
			    normal_us))
				normal_us = acked_us - p->t0_us;
		}
		refused = sent = 0;
		for (j = 1; j < b->nsamples; j++) {
			if (b->samples[j].t_us < p->t0_us ||
			    b->samples[j].t_us >= p->t1_us)
				continue;
			refused += b->samples[j].refused -
			    b->samples[j - 1].refused;
			sent += b->samples[j].sent - b->samples[j - 1].sent;
		}
		printf("brokers: %-28s %6.1f %6ld %6ld %8.1f %8.1f %9.1f\n",
		    p->name, (double)(p->t1_us - p->t0_us) / 1e6, sent,
		    refused, (double)latency_percentile(&lat, 50) / 1e3,
		    (double)latency_percentile(&lat, 99) / 1e3,
		    normal_us < 0 ? -1.0 : (double)normal_us / 1e6);
		latency_free(&lat);
	}
	printf("\n");
}

/* Ends the current period and starts one named name (NULL: none). */
static void
br_period(struct br *b, const char *name)
{
	int64_t	now = marimba_mono_us();

	if (b->nperiods > 0)
		b->periods[b->nperiods - 1].t1_us = now;
	if (name == NULL || b->nperiods == BR_PERIODS)
		return;
	b->periods[b->nperiods].name = name;
	b->periods[b->nperiods].t0_us = now;
	b->nperiods++;
}

/* Every BR_SAMPLE_MS: refused attempts and requests so far. */
static void *
br_sample_main(void *arg)
{
	struct br		*b = arg;
	struct lg_counts	 r, g;
	struct br_sample	*s;
	struct stat		 st;
	int64_t			 age;

	while (!atomic_load(&b->sampler_stop) && b->nsamples < BR_SAMPLES) {
		if (stat(b->alive_path, &st) == 0) {
			age = ct_now_ms() - ((int64_t)st.st_mtim.tv_sec * 1000 +
			    st.st_mtim.tv_nsec / 1000000);
			if (age > b->alive_max_ms)
				b->alive_max_ms = age;
		}
		lg_counts(&b->c.rest, &r);
		lg_counts(&b->c.grpcload, &g);
		s = &b->samples[b->nsamples];
		s->t_us = marimba_mono_us();
		s->refused = r.retried + g.retried + r.unavailable +
		    g.unavailable + r.failed + g.failed;
		s->sent = r.sent + g.sent;
		b->nsamples++;
		ct_sleep_ms(BR_SAMPLE_MS);
	}
	return (NULL);
}

/* scripts/kafka-cluster verb in the test's state dir; stdout into out. */
static int
br_cluster(struct br *b, const char *verb, char *out, size_t outlen)
{
	FILE	*p;

	if ((p = br_cluster_open(b, verb)) == NULL)
		return (-1);
	return (br_cluster_close(p, out, outlen));
}

/* Starts scripts/kafka-cluster verb; br_cluster_close() waits for it. */
static FILE *
br_cluster_open(struct br *b, const char *verb)
{
	char	cmd[1024];

	(void)snprintf(cmd, sizeof(cmd), "cd '%s' && MARIMBA_CLUSTER_DIR='%s' "
	    "timeout 300 scripts/kafka-cluster %s", MARIMBA_SOURCE_DIR,
	    b->cdir, verb);
	fflush(stdout);
	fflush(stderr);
	return (popen(cmd, "r"));
}

/* Its first line of output into out; its exit status. */
static int
br_cluster_close(FILE *p, char *out, size_t outlen)
{
	size_t	n;

	n = fread(out, 1, outlen - 1, p);
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return (chaos_exit_status(pclose(p)));
}

static int
br_controller(struct br *b)
{
	FILE	*p;
	char	 cmd[512];
	int	 id;

	(void)snprintf(cmd, sizeof(cmd), "cd '%s' && MARIMBA_CLUSTER_DIR='%s' "
	    "scripts/kafka-cluster controller", MARIMBA_SOURCE_DIR, b->cdir);
	if ((p = popen(cmd, "r")) == NULL)
		return (-1);
	if (fscanf(p, "%d", &id) != 1)
		id = -1;
	(void)pclose(p);
	return (id);
}

/* The node that leads the most partitions of the votes topic. */
static int
br_busiest_leader(struct br *b)
{
	const struct rd_kafka_metadata	*md;
	rd_kafka_topic_t		*rkt;
	int				 led[BR_NODES + 1], i, best;

	memset(led, 0, sizeof(led));
	rkt = rd_kafka_topic_new(b->c.env.producer, b->c.env.topic, NULL);
	if (rkt == NULL || rd_kafka_metadata(b->c.env.producer, 0, rkt, &md,
	    10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (rkt != NULL)
			rd_kafka_topic_destroy(rkt);
		return (-1);
	}
	for (i = 0; md->topic_cnt == 1 && i < md->topics[0].partition_cnt;
	    i++) {
		if (md->topics[0].partitions[i].leader >= 1 &&
		    md->topics[0].partitions[i].leader <= BR_NODES)
			led[md->topics[0].partitions[i].leader]++;
	}
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	best = 1;
	for (i = 2; i <= BR_NODES; i++) {
		if (led[i] > led[best])
			best = i;
	}
	return (best);
}

/* Waits up to ms until every partition has all BR_NODES in its ISR. */
static int
br_in_sync(struct br *b, int ms)
{
	const struct rd_kafka_metadata	*md;
	rd_kafka_topic_t		*rkt;
	int64_t				 deadline;
	int				 i, full;

	deadline = ct_now_ms() + ms;
	if ((rkt = rd_kafka_topic_new(b->c.env.producer, b->c.env.topic,
	    NULL)) == NULL)
		return (-1);
	do {
		full = 0;
		if (rd_kafka_metadata(b->c.env.producer, 0, rkt, &md,
		    5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
			full = md->topic_cnt == 1 &&
			    md->topics[0].partition_cnt > 0;
			for (i = 0; full &&
			    i < md->topics[0].partition_cnt; i++)
				full = md->topics[0].partitions[i].isr_cnt ==
				    BR_NODES;
			rd_kafka_metadata_destroy(md);
		}
		if (full) {
			rd_kafka_topic_destroy(rkt);
			return (0);
		}
		ct_sleep_ms(500);
	} while (ct_now_ms() < deadline);
	rd_kafka_topic_destroy(rkt);
	fprintf(stderr, "brokers: replicas not in sync after %d ms\n", ms);
	return (-1);
}

static void
br_teardown(struct br *b)
{
	struct chaos	*c = &b->c;
	char		 out[64];

	if (b->sampler_up) {
		atomic_store(&b->sampler_stop, 1);
		pthread_join(b->sampler, NULL);
		b->sampler_up = 0;
	}
	chaos_stop(c, 30000);
	if (b->times != NULL) {
		fclose(b->times);
		b->times = NULL;
	}
	if (c->stack_up) {
		(void)br_cluster(b, c->keep ? "down" : "wipe", out,
		    sizeof(out));
		(void)chaos_stack(c, "down", "redis mongo");
		chaos_remove(c);
		c->stack_up = 0;
	}
}

static void
br_atexit(void)
{
	if (br_current != NULL) {
		fprintf(stderr, "brokers: exiting early; tearing down\n");
		br_teardown(br_current);
	}
}
