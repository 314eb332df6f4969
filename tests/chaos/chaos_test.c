/* SPDX-License-Identifier: ISC */
/*
 * Chaos test: the whole pipeline (Kore votes API, marimba-grpc, Kafka,
 * marimba-consumer, Redis, FerretDB) on a PRIVATE stack (scripts/stack in
 * var/stack-chaos-<pid>, free ports) while votes flow over REST and gRPC
 * at ~300/s. The two sinks run as two processes (--sink=redis,
 * --sink=mongo), and each is hurt while the other must go on. In turn:
 * kill -9 the mongo sink (counting goes on), start another; kill -9 the
 * redis sink (logging goes on), start another; restart Kafka; stop Redis
 * (logging goes on); stop FerretDB (counting goes on); restart Kore
 * (SIGTERM, start). Then the load stops, both sinks catch up (lag 0), and
 * in EACH store:
 *
 *  - Redis: every acknowledged id (202 / OK) is marked seen, and the
 *    total is exactly the distinct votes of the topic (nothing lost,
 *    nothing counted twice), and so is the sum over sources;
 *  - MongoDB: every acknowledged id has its document (by _id), and the
 *    documents are exactly the distinct votes of the topic, once each;
 *  - every acknowledged id is on the topic.
 *
 * Votes answered 503/UNAVAILABLE or not at all may still have reached
 * Kafka (a timed-out vote can be written late); they are counted like any
 * other vote on the topic, and reported as "extra".
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <grpc/grpc.h>
#include <mongoc/mongoc.h>

#include "chaos.h"

#define CHAOS_RATE		150	/* votes/s per door */
#define CHAOS_ACK_TIMEOUT	"MARIMBA_ACK_TIMEOUT_MS=3000"
#define CHAOS_OUTAGE_MS		4000
#define CHAOS_RECOVER_MS	60000
#define CHAOS_DRAIN_MS		90000

/* For the atexit handler only: the harness exits on setup errors. */
static struct chaos	*chaos_current;

static int	chaos_setup(struct chaos *);
static int	chaos_faults(struct chaos *);
static int	chaos_verdict(struct chaos *);
static int	chaos_grpc_start(struct chaos *);
static void	chaos_consumer_start(struct chaos *);
static int	chaos_load(struct chaos *);
static int	chaos_wait_counted(struct chaos *, int, int);
static long long	chaos_grows(struct chaos *, int, long long, int, int);
static pid_t	chaos_sink_start(struct chaos *, const char *);
static int	chaos_kill_sink(struct chaos *, pid_t *, const char *,
		    long long *);
static int	chaos_store_outage(struct chaos *, const char *,
		    long long *);
static void	chaos_status(struct chaos *, const char *);
static void	chaos_teardown(struct chaos *);
static void	chaos_atexit(void);

int
main(void)
{
	struct chaos	c;
	int		rc;

	memset(&c, 0, sizeof(c));
	c.consumer = -1;
	c.redis_sink = -1;
	c.mongo_sink = -1;
	c.grpc.pid = -1;
	c.t0_ms = ct_now_ms();
	if (chaos_init() == -1)
		return (1);
	chaos_current = &c;
	if (atexit(chaos_atexit) != 0)
		return (1);

	rc = 1;
	if (chaos_setup(&c) == 0 && chaos_faults(&c) == 0) {
		(void)chaos_drain(&c, CHAOS_DRAIN_MS);
		rc = chaos_verdict(&c);
	}
	/* A failed run keeps its logs (the stack itself is stopped). */
	c.keep = rc != 0;
	if (c.keep)
		printf("chaos: logs kept in %s\n", c.path);
	chaos_teardown(&c);
	chaos_current = NULL;
	chaos_fini();
	printf("chaos: %s\n", rc == 0 ? "PASS" : "FAIL");
	return (rc);
}

/* The private stack, the topic, the three processes, the load. */
static int
chaos_setup(struct chaos *c)
{
	c->kafka_port = ct_free_port();
	do {
		c->kafka_cport = ct_free_port();
		c->redis_port = ct_free_port();
		c->mongo_port = ct_free_port();
	} while (c->kafka_cport == c->kafka_port ||
	    c->redis_port == c->kafka_port ||
	    c->redis_port == c->kafka_cport ||
	    c->mongo_port == c->kafka_port ||
	    c->mongo_port == c->kafka_cport ||
	    c->mongo_port == c->redis_port);
	(void)snprintf(c->dir, sizeof(c->dir), "var/stack-chaos-%d",
	    (int)getpid());
	(void)snprintf(c->path, sizeof(c->path), "%s/%s", MARIMBA_SOURCE_DIR,
	    c->dir);
	(void)snprintf(c->brokers, sizeof(c->brokers), "127.0.0.1:%d",
	    c->kafka_port);
	(void)snprintf(c->mongo_uri, sizeof(c->mongo_uri),
	    "mongodb://127.0.0.1:%d/?appname=marimba-chaos", c->mongo_port);

	chaos_say(c, "private stack in %s: kafka %d, redis %d, mongo %d",
	    c->dir, c->kafka_port, c->redis_port, c->mongo_port);
	c->stack_up = 1;
	if (chaos_stack(c, "up", NULL) != 0) {
		fprintf(stderr, "chaos: scripts/stack up failed\n");
		return (-1);
	}
	chaos_say(c, "stack up");

	if (chaos_env_start(c, "chaos") == -1)
		return (-1);

	chaos_consumer_start(c);
	if (chaos_grpc_start(c) == -1 ||
	    chaos_kore_start(c, CHAOS_ACK_TIMEOUT) == -1)
		return (-1);
	chaos_say(c, "topic %s; redis sink pid %d, mongo sink pid %d; "
	    "marimba-grpc %s; Kore port %d (log %s)", c->env.topic,
	    (int)c->redis_sink, (int)c->mongo_sink, c->grpc.addr,
	    c->kore.port, c->kore.log);

	if (lg_votes_load(MARIMBA_SOURCE_DIR "/locust/data.json", &c->votes,
	    &c->nvotes) == -1)
		return (-1);
	return (chaos_load(c));
}

static int
chaos_faults(struct chaos *c)
{
	int	st;

	/* Each fault hits a pipeline that is moving. */
	if (chaos_wait_acks(c, 50, 50, 30000) == -1) {
		fprintf(stderr, "chaos: REST or gRPC acknowledges nothing\n");
		return (-1);
	}
	if (chaos_wait_counted(c, 100, 30000) == -1) {
		fprintf(stderr, "chaos: the consumer counts nothing\n");
		return (-1);
	}
	ct_sleep_ms(2000);
	chaos_status(c, "steady");

	/* One sink killed: the other one's store goes on growing. */
	if (chaos_kill_sink(c, &c->mongo_sink, "mongo",
	    &c->counted_no_mongo_sink) == -1 ||
	    chaos_kill_sink(c, &c->redis_sink, "redis",
	    &c->logged_no_redis_sink) == -1)
		return (-1);
	chaos_status(c, "both sinks back");

	chaos_say(c, "kafka: stop");
	if (tg_stack_kafka("down", c->dir, c->kafka_port, c->kafka_cport) !=
	    0)
		return (-1);
	chaos_say(c, "kafka: stopped; starting");
	ct_sleep_ms(2000);
	if (tg_stack_kafka("up", c->dir, c->kafka_port, c->kafka_cport) !=
	    0) {
		fprintf(stderr, "chaos: kafka did not come back\n");
		return (-1);
	}
	chaos_say(c, "kafka: up");
	if (chaos_wait_acks(c, 20, 20, CHAOS_RECOVER_MS) == -1) {
		fprintf(stderr, "chaos: no acknowledgements after kafka "
		    "came back\n");
		return (-1);
	}
	chaos_status(c, "votes acknowledged again after the kafka restart");
	ct_sleep_ms(3000);

	/* One store down: the other sink's store goes on growing. */
	if (chaos_store_outage(c, "redis", &c->logged_redis_down) == -1)
		return (-1);
	chaos_status(c, "redis back");
	ct_sleep_ms(4000);
	if (chaos_store_outage(c, "mongo", &c->counted_mongo_down) == -1)
		return (-1);
	chaos_status(c, "mongo back");
	ct_sleep_ms(4000);

	chaos_say(c, "kore: SIGTERM");
	st = rest_kore_stop(&c->kore, 20000);
	chaos_say(c, "kore: exited with %d; starting again", st);
	if (st != 0 || chaos_kore_start(c, CHAOS_ACK_TIMEOUT) == -1)
		return (-1);
	atomic_store(&c->rest.port, c->kore.port);
	chaos_say(c, "kore: up on port %d", c->kore.port);
	if (chaos_wait_acks(c, 20, 0, CHAOS_RECOVER_MS) == -1) {
		fprintf(stderr, "chaos: no REST acknowledgements after the "
		    "Kore restart\n");
		return (-1);
	}
	ct_sleep_ms(4000);
	chaos_status(c, "kore restarted");

	chaos_say(c, "stopping the load");
	atomic_store(&c->rest.stop, 1);
	atomic_store(&c->grpcload.stop, 1);
	lg_stop(&c->rest);
	lg_stop(&c->grpcload);
	chaos_status(c, "load stopped");
	return (0);
}

/*
 * Each store on its own against what the clients were told: nothing
 * acknowledged missing, nothing twice.
 */
static int
chaos_verdict(struct chaos *c)
{
	struct chaos_figures	f;
	long			acked_uniq, extra;
	long			r_lost, r_dups, m_lost, m_dups;
	int			ok;

	if (chaos_measure(c, &f) == -1) {
		fprintf(stderr, "chaos: could not gather the figures\n");
		return (1);
	}
	acked_uniq = f.acked - f.acked_dups;
	r_lost = acked_uniq - f.acked_seen;
	r_dups = f.counted > f.topic_ids ? f.counted - f.topic_ids : 0;
	m_lost = acked_uniq - f.acked_logged;
	m_dups = f.logged_dups + (f.logged > f.topic_ids ?
	    f.logged - f.topic_ids : 0);
	extra = f.logged - f.acked_logged;

	printf("\n");
	printf("chaos: sent          %7ld\n", f.sent);
	printf("chaos: acknowledged  %7ld  (202 / OK; %ld acknowledged "
	    "twice)\n", f.acked, f.acked_dups);
	printf("chaos: rejected      %7ld  (%ld 503/UNAVAILABLE, %ld no "
	    "answer, %ld other, last %ld)\n", f.unavailable + f.failed +
	    f.other, f.unavailable, f.failed, f.other, f.other_code);
	printf("chaos: on the topic  %7ld  distinct ids in %ld messages\n",
	    f.topic_ids, f.topic_msgs);
	printf("chaos: ack'd not on topic %2ld\n", f.acked_not_in_topic);
	printf("chaos: extra         %7ld  (not acknowledged, yet in Kafka "
	    "and stored once)\n", extra);
	printf("chaos: redis: counted %6ld  (total; sources sum %ld), lost "
	    "%ld (acknowledged, no seen key), duplicates %ld\n", f.counted,
	    f.by_source, r_lost, r_dups);
	printf("chaos: mongo: logged  %6ld  (documents), lost %ld "
	    "(acknowledged, no document), duplicates %ld\n", f.logged,
	    m_lost, m_dups);
	printf("chaos: counted while the mongo sink was dead %lld, while "
	    "FerretDB was down %lld\n", c->counted_no_mongo_sink,
	    c->counted_mongo_down);
	printf("chaos: logged while the redis sink was dead %lld, while "
	    "Redis was down %lld\n", c->logged_no_redis_sink,
	    c->logged_redis_down);
	printf("\n");

	ok = 1;
	CHAOS_CHECK(ok, "chaos", f.acked > 0);
	/* The Kafka outage was real: some votes were refused meanwhile. */
	CHAOS_CHECK(ok, "chaos", f.unavailable > 0);
	CHAOS_CHECK(ok, "chaos", f.other == 0);
	CHAOS_CHECK(ok, "chaos", f.acked_dups == 0);
	CHAOS_CHECK(ok, "chaos", f.acked_not_in_topic == 0);
	/* Redis: exactly the distinct votes of the topic, once each. */
	CHAOS_CHECK(ok, "chaos", r_lost == 0);
	CHAOS_CHECK(ok, "chaos", r_dups == 0);
	CHAOS_CHECK(ok, "chaos", f.counted == f.topic_ids);
	CHAOS_CHECK(ok, "chaos", f.by_source == f.counted);
	/* MongoDB: the same. */
	CHAOS_CHECK(ok, "chaos", m_lost == 0);
	CHAOS_CHECK(ok, "chaos", m_dups == 0);
	CHAOS_CHECK(ok, "chaos", f.topic_logged == f.topic_ids);
	CHAOS_CHECK(ok, "chaos", f.logged == f.topic_ids);
	/* Neither sink waited for the other one or its store. */
	CHAOS_CHECK(ok, "chaos", c->counted_no_mongo_sink > 0);
	CHAOS_CHECK(ok, "chaos", c->logged_no_redis_sink > 0);
	CHAOS_CHECK(ok, "chaos", c->counted_mongo_down > 0);
	CHAOS_CHECK(ok, "chaos", c->logged_redis_down > 0);
	return (ok ? 0 : 1);
}

/* marimba-grpc with its output in the state dir. */
static int
chaos_grpc_start(struct chaos *c)
{
	const char	*extra[] = { CHAOS_ACK_TIMEOUT, NULL };
	char		 log[600];
	int		 fd, saved, rc;

	(void)snprintf(log, sizeof(log), "%s/grpc.log", c->path);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) == -1 ||
	    (saved = dup(STDERR_FILENO)) == -1) {
		fprintf(stderr, "chaos: %s: %s\n", log, strerror(errno));
		return (-1);
	}
	fflush(stderr);
	(void)dup2(fd, STDERR_FILENO);
	rc = tg_server_start(&c->grpc, c->brokers, c->env.topic, extra);
	(void)dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	if (rc == -1)
		fprintf(stderr, "chaos: marimba-grpc did not start; see %s\n",
		    log);
	return (rc);
}

/* The two sinks as two processes. */
static void
chaos_consumer_start(struct chaos *c)
{
	c->redis_sink = chaos_sink_start(c, "redis");
	c->mongo_sink = chaos_sink_start(c, "mongo");
}

static pid_t
chaos_sink_start(struct chaos *c, const char *sink)
{
	return (ct_consumer_start(&c->env, NULL, strcmp(sink, "redis") == 0 ?
	    "--sink=redis" : "--sink=mongo", NULL));
}

/*
 * kill -9 of one sink's process: the other store must grow meanwhile
 * (*grew: by how much, the redis sink's group waiting out the session
 * timeout of the dead member included); then another process of that
 * sink, which must get its store growing again.
 */
static int
chaos_kill_sink(struct chaos *c, pid_t *pid, const char *sink,
    long long *grew)
{
	int	counting, st;

	counting = strcmp(sink, "mongo") == 0;	/* what must go on */
	chaos_say(c, "kill -9 the %s sink (pid %d)", sink, (int)*pid);
	(void)kill(*pid, SIGKILL);
	st = ct_consumer_stop(*pid, 0, 5000);
	*pid = -1;
	chaos_say(c, "the %s sink ended with %d", sink, st);
	if ((*grew = chaos_grows(c, counting, 100, CHAOS_OUTAGE_MS,
	    30000)) < 0) {
		fprintf(stderr, "chaos: with the %s sink dead, %s stopped "
		    "too\n", sink, counting ? "counting" : "logging");
		return (-1);
	}
	chaos_say(c, "%s went on without the %s sink: +%lld; starting "
	    "another", counting ? "counting" : "logging", sink, *grew);
	*pid = chaos_sink_start(c, sink);
	if (chaos_grows(c, !counting, 100, 0, 30000) < 0) {
		fprintf(stderr, "chaos: the new %s sink stores nothing\n",
		    sink);
		return (-1);
	}
	chaos_status(c, counting ? "the new mongo sink logs" :
	    "the new redis sink counts");
	return (0);
}

/*
 * Stops the private Redis or FerretDB for at least CHAOS_OUTAGE_MS and
 * until the other store grew by 100 meanwhile (*grew), then starts it.
 */
static int
chaos_store_outage(struct chaos *c, const char *what, long long *grew)
{
	int	port, counting;

	counting = strcmp(what, "mongo") == 0;
	port = counting ? c->mongo_port : c->redis_port;
	chaos_say(c, "%s: stop", what);
	if (ct_stack("down", what, c->dir, port) != 0)
		return (-1);
	*grew = chaos_grows(c, counting, 100, CHAOS_OUTAGE_MS, 30000);
	chaos_say(c, "%s down: %s +%lld meanwhile; starting it", what,
	    counting ? "counted" : "logged", *grew);
	if (ct_stack("up", what, c->dir, port) != 0)
		return (-1);
	if (*grew < 0) {
		fprintf(stderr, "chaos: with %s down, %s stopped too\n", what,
		    counting ? "counting" : "logging");
		return (-1);
	}
	return (0);
}

static int
chaos_load(struct chaos *c)
{
	if (chaos_ids_open(c) == -1)
		return (-1);
	chaos_load_init(c, CHAOS_RATE);
	c->rest.concurrency = 800;	/* 3 s of votes parked in Kore */
	c->rest.timeout_ms = 20000;
	c->grpcload.concurrency = 32;
	c->grpcload.timeout_ms = 15000;
	if (chaos_load_start(c) == -1)
		return (-1);
	chaos_say(c, "load: %d votes/s over REST and %d over gRPC",
	    CHAOS_RATE, CHAOS_RATE);
	return (0);
}

/*
 * Waits at least min_ms, and up to max_ms until the Redis total
 * (counted) or the MongoDB documents (!counted) grew by more; the
 * growth, or -1 if it did not come.
 */
static long long
chaos_grows(struct chaos *c, int counted, long long more, int min_ms,
    int max_ms)
{
	long long	first, now;
	int64_t		t0, deadline;

	t0 = ct_now_ms();
	first = counted ? ct_redis_get(&c->env, "total") :
	    ct_mongo_count(&c->env);
	if (first < 0)
		first = 0;
	deadline = t0 + max_ms;
	do {
		ct_sleep_ms(200);
		now = counted ? ct_redis_get(&c->env, "total") :
		    ct_mongo_count(&c->env);
		if (now >= first + more && ct_now_ms() >= t0 + min_ms)
			return (now - first);
	} while (ct_now_ms() < deadline);
	return (-1);
}

/* Waits up to ms until the Redis total grew by more. */
static int
chaos_wait_counted(struct chaos *c, int more, int ms)
{
	long long	first, now;
	int64_t		deadline;

	first = ct_redis_get(&c->env, "total");
	if (first < 0)
		first = 0;
	deadline = ct_now_ms() + ms;
	do {
		ct_sleep_ms(200);
		now = ct_redis_get(&c->env, "total");
		if (now >= first + more)
			return (0);
	} while (ct_now_ms() < deadline);
	return (-1);
}

static void
chaos_status(struct chaos *c, const char *what)
{
	struct lg_counts	r, g;

	lg_counts(&c->rest, &r);
	lg_counts(&c->grpcload, &g);
	chaos_say(c, "%s: rest sent %ld acked %ld 503 %ld no-answer %ld "
	    "other %ld; grpc sent %ld acked %ld unavailable %ld failed %ld "
	    "other %ld; counted %lld", what, r.sent, r.acked, r.unavailable,
	    r.failed, r.other, g.sent, g.acked, g.unavailable, g.failed,
	    g.other, ct_redis_get(&c->env, "total"));
}

/* Everything this test started, in reverse; safe to call twice. */
static void
chaos_teardown(struct chaos *c)
{
	chaos_stop(c, 20000);
	if (c->stack_up) {
		(void)chaos_stack(c, "down", NULL);
		chaos_remove(c);
		c->stack_up = 0;
	}
}

static void
chaos_atexit(void)
{
	if (chaos_current != NULL) {
		fprintf(stderr, "chaos: exiting early; tearing down\n");
		chaos_teardown(chaos_current);
	}
}
