/* SPDX-License-Identifier: ISC */
/*
 * Chaos test: the whole pipeline (Kore votes API, marimba-grpc, Kafka,
 * marimba-consumer, Redis, FerretDB) on a PRIVATE stack (scripts/stack in
 * var/stack-chaos-<pid>, free ports) while votes flow over REST and gRPC
 * at ~300/s. In turn: kill -9 the consumer and start another; restart
 * Kafka; stop Redis for 4 s; stop FerretDB for 4 s; restart Kore (SIGTERM,
 * start). Then the load stops, the consumer catches up (lag 0), and:
 *
 *  - every acknowledged id (202 / OK) is on the topic, in MongoDB (by _id)
 *    and marked seen in Redis: nothing acknowledged is lost;
 *  - MongoDB holds exactly the distinct votes of the topic, once each;
 *  - the Redis total equals that count (each vote counted exactly once),
 *    and so does the sum over sources.
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
static int	chaos_drain(struct chaos *);
static int	chaos_verdict(struct chaos *);
static int	chaos_stack(struct chaos *, const char *);
static int	chaos_grpc_start(struct chaos *);
static int	chaos_kore_start(struct chaos *);
static void	chaos_consumer_start(struct chaos *);
static int	chaos_load_start(struct chaos *);
static int	chaos_wait_acks(struct chaos *, int, int, int);
static int	chaos_wait_counted(struct chaos *, int, int);
static void	chaos_mongo_log(mongoc_log_level_t, const char *,
		    const char *, void *);
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
	c.grpc.pid = -1;
	c.t0_ms = ct_now_ms();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	mongoc_init();
	mongoc_log_set_handler(chaos_mongo_log, NULL);
	grpc_init();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return (1);
	chaos_current = &c;
	if (atexit(chaos_atexit) != 0)
		return (1);

	rc = 1;
	if (chaos_setup(&c) == 0 && chaos_faults(&c) == 0) {
		(void)chaos_drain(&c);
		rc = chaos_verdict(&c);
	}
	/* A failed run keeps its logs (the stack itself is stopped). */
	c.keep = rc != 0;
	if (c.keep)
		printf("chaos: logs kept in %s\n", c.path);
	chaos_teardown(&c);
	chaos_current = NULL;
	grpc_shutdown();
	mongoc_cleanup();
	printf("chaos: %s\n", rc == 0 ? "PASS" : "FAIL");
	return (rc);
}

/* The private stack, the topic, the three processes, the load. */
static int
chaos_setup(struct chaos *c)
{
	char	port[16];

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
	if (chaos_stack(c, "up") != 0) {
		fprintf(stderr, "chaos: scripts/stack up failed\n");
		return (-1);
	}
	chaos_say(c, "stack up");

	/* The harness takes its services from the environment. */
	(void)snprintf(port, sizeof(port), "%d", c->redis_port);
	if (setenv("MARIMBA_KAFKA_BROKERS", c->brokers, 1) == -1 ||
	    setenv("MARIMBA_MONGO_URI", c->mongo_uri, 1) == -1 ||
	    setenv("MARIMBA_REDIS_HOST", "127.0.0.1", 1) == -1 ||
	    setenv("MARIMBA_REDIS_PORT", port, 1) == -1)
		return (-1);
	ct_env_init(&c->env, "chaos", 6);
	c->env_up = 1;
	(void)snprintf(c->env.log_path, sizeof(c->env.log_path),
	    "%s/consumer.log", c->path);

	chaos_consumer_start(c);
	if (chaos_grpc_start(c) == -1 || chaos_kore_start(c) == -1)
		return (-1);
	chaos_say(c, "topic %s; consumer pid %d; marimba-grpc %s; Kore "
	    "port %d (log %s)", c->env.topic, (int)c->consumer, c->grpc.addr,
	    c->kore.port, c->kore.log);

	if (lg_votes_load(MARIMBA_SOURCE_DIR "/locust/data.json", &c->votes,
	    &c->nvotes) == -1)
		return (-1);
	return (chaos_load_start(c));
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

	chaos_say(c, "kill -9 consumer %d", (int)c->consumer);
	(void)kill(c->consumer, SIGKILL);
	st = ct_consumer_stop(c->consumer, 0, 5000);
	c->consumer = -1;
	chaos_say(c, "consumer ended with %d; starting another", st);
	ct_sleep_ms(1000);
	chaos_consumer_start(c);
	if (chaos_wait_counted(c, 100, 30000) == -1) {
		fprintf(stderr, "chaos: the new consumer counts nothing\n");
		return (-1);
	}
	chaos_status(c, "the new consumer counts");

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

	chaos_say(c, "redis: stop for %d ms", CHAOS_OUTAGE_MS);
	if (ct_stack("down", "redis", c->dir, c->redis_port) != 0)
		return (-1);
	ct_sleep_ms(CHAOS_OUTAGE_MS);
	if (ct_stack("up", "redis", c->dir, c->redis_port) != 0)
		return (-1);
	chaos_status(c, "redis back");
	ct_sleep_ms(4000);

	chaos_say(c, "mongo: stop for %d ms", CHAOS_OUTAGE_MS);
	if (ct_stack("down", "mongo", c->dir, c->mongo_port) != 0)
		return (-1);
	ct_sleep_ms(CHAOS_OUTAGE_MS);
	if (ct_stack("up", "mongo", c->dir, c->mongo_port) != 0)
		return (-1);
	chaos_status(c, "mongo back");
	ct_sleep_ms(4000);

	chaos_say(c, "kore: SIGTERM");
	st = rest_kore_stop(&c->kore, 20000);
	chaos_say(c, "kore: exited with %d; starting again", st);
	if (st != 0 || chaos_kore_start(c) == -1)
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

/* Waits until the group's lag is 0 and the stores agree and hold still. */
static int
chaos_drain(struct chaos *c)
{
	long long	committed, end, total, logged, last;
	int64_t		deadline;
	int		still;

	deadline = ct_now_ms() + CHAOS_DRAIN_MS;
	last = -1;
	still = 0;
	for (;;) {
		end = tg_topic_count(c->brokers, c->env.topic);
		committed = ct_committed(&c->env, NULL);
		total = ct_redis_get(&c->env, "total");
		logged = ct_mongo_count(&c->env);
		still = total == last ? still + 1 : 0;
		last = total;
		if (committed == end && total == logged && still >= 2) {
			chaos_say(c, "caught up: lag 0 (%lld messages), "
			    "counted %lld, logged %lld", end, total, logged);
			return (0);
		}
		if (ct_now_ms() > deadline) {
			chaos_say(c, "NOT caught up after %d s: end %lld, "
			    "committed %lld, counted %lld, logged %lld",
			    CHAOS_DRAIN_MS / 1000, end, committed, total,
			    logged);
			return (-1);
		}
		ct_sleep_ms(1000);
	}
}

static int
chaos_verdict(struct chaos *c)
{
	struct chaos_figures	f;
	long			lost, dups, extra, acked_uniq;
	int			ok;

	if (chaos_measure(c, &f) == -1) {
		fprintf(stderr, "chaos: could not gather the figures\n");
		return (1);
	}
	acked_uniq = f.acked - f.acked_dups;
	lost = acked_uniq - f.acked_logged;
	dups = f.acked_dups + f.logged_dups + (f.counted > f.topic_ids ?
	    f.counted - f.topic_ids : 0) + (f.logged > f.topic_ids ?
	    f.logged - f.topic_ids : 0);
	extra = f.logged - f.acked_logged;

	printf("\n");
	printf("chaos: sent          %7ld\n", f.sent);
	printf("chaos: acknowledged  %7ld  (202 / OK)\n", f.acked);
	printf("chaos: rejected      %7ld  (%ld 503/UNAVAILABLE, %ld no "
	    "answer, %ld other, last %ld)\n", f.unavailable + f.failed +
	    f.other, f.unavailable, f.failed, f.other, f.other_code);
	printf("chaos: on the topic  %7ld  distinct ids in %ld messages\n",
	    f.topic_ids, f.topic_msgs);
	printf("chaos: counted       %7ld  (Redis total; sources sum %ld)\n",
	    f.counted, f.by_source);
	printf("chaos: logged        %7ld  (MongoDB logs documents)\n",
	    f.logged);
	printf("chaos: duplicates    %7ld\n", dups);
	printf("chaos: lost          %7ld  (acknowledged, not in MongoDB)\n",
	    lost);
	printf("chaos: not seen      %7ld  (acknowledged, no Redis seen "
	    "key)\n", acked_uniq - f.acked_seen);
	printf("chaos: ack'd not on topic %2ld\n", f.acked_not_in_topic);
	printf("chaos: extra         %7ld  (not acknowledged, yet in Kafka "
	    "and counted once)\n", extra);
	printf("\n");

	ok = 1;
#define CHAOS_CHECK(cond)	do {					\
		if (!(cond)) {						\
			printf("chaos: check failed: %s\n", #cond);	\
			ok = 0;						\
		}							\
	} while (0)
	CHAOS_CHECK(f.acked > 0);
	/* The Kafka outage was real: some votes were refused meanwhile. */
	CHAOS_CHECK(f.unavailable > 0);
	CHAOS_CHECK(f.other == 0);
	CHAOS_CHECK(lost == 0);
	CHAOS_CHECK(dups == 0);
	CHAOS_CHECK(f.acked_seen == acked_uniq);
	CHAOS_CHECK(f.acked_not_in_topic == 0);
	CHAOS_CHECK(f.topic_logged == f.topic_ids);
	CHAOS_CHECK(f.logged == f.topic_ids);
	CHAOS_CHECK(f.counted == f.logged);
	CHAOS_CHECK(f.by_source == f.counted);
#undef CHAOS_CHECK
	return (ok ? 0 : 1);
}

static int
chaos_stack(struct chaos *c, const char *verb)
{
	char	cmd[1024];
	int	st;

	(void)snprintf(cmd, sizeof(cmd), "cd '%s' && MARIMBA_STACK_DIR='%s' "
	    "MARIMBA_KAFKA_PORT=%d MARIMBA_KAFKA_CONTROLLER_PORT=%d "
	    "MARIMBA_REDIS_PORT=%d MARIMBA_MONGO_PORT=%d "
	    "timeout 180 scripts/stack %s >&2", MARIMBA_SOURCE_DIR, c->dir,
	    c->kafka_port, c->kafka_cport, c->redis_port, c->mongo_port, verb);
	st = system(cmd);
	return (st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
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

static int
chaos_kore_start(struct chaos *c)
{
	char		 prefix[128], db[128];
	const char	*env[] = { CHAOS_ACK_TIMEOUT, prefix, db, NULL };

	(void)snprintf(prefix, sizeof(prefix), "MARIMBA_REDIS_PREFIX=%s",
	    c->env.prefix);
	(void)snprintf(db, sizeof(db), "MARIMBA_MONGO_DB=%s", c->env.mongo_db);
	if (rest_kore_start(&c->kore, c->brokers, c->env.topic, env) == -1) {
		fprintf(stderr, "chaos: Kore did not start\n");
		return (-1);
	}
	return (0);
}

static void
chaos_consumer_start(struct chaos *c)
{
	c->consumer = ct_consumer_start(&c->env, NULL, NULL);
}

static int
chaos_load_start(struct chaos *c)
{
	(void)snprintf(c->ids_path, sizeof(c->ids_path), "%s/acked-ids.txt",
	    c->path);
	if ((c->ids = fopen(c->ids_path, "w")) == NULL) {
		fprintf(stderr, "chaos: %s: %s\n", c->ids_path,
		    strerror(errno));
		return (-1);
	}
	if (lg_sink_init(&c->sink, c->ids, NULL) == -1)
		return (-1);
	c->rest.name = "rest";
	c->rest.rate = CHAOS_RATE;
	c->rest.concurrency = 800;	/* 3 s of votes parked in Kore */
	c->rest.timeout_ms = 20000;
	c->rest.votes = c->votes;
	c->rest.nvotes = c->nvotes;
	c->rest.sink = &c->sink;
	atomic_store(&c->rest.port, c->kore.port);
	c->grpcload.name = "grpc";
	c->grpcload.rate = CHAOS_RATE;
	c->grpcload.votes = c->votes;
	c->grpcload.nvotes = c->nvotes;
	c->grpcload.sink = &c->sink;
	c->grpcload.concurrency = 32;
	c->grpcload.timeout_ms = 15000;
	(void)snprintf(c->grpcload.addr, sizeof(c->grpcload.addr), "%s",
	    c->grpc.addr);
	c->load_up = 1;
	if (lg_rest_start(&c->rest) == -1 || lg_grpc_start(&c->grpcload) == -1)
		return (-1);
	chaos_say(c, "load: %d votes/s over REST and %d over gRPC",
	    CHAOS_RATE, CHAOS_RATE);
	return (0);
}

/*
 * Waits up to ms until REST and gRPC have acknowledged at least rest_more
 * and grpc_more votes more than when it was called.
 */
static int
chaos_wait_acks(struct chaos *c, int rest_more, int grpc_more, int ms)
{
	struct lg_counts	r0, g0, r, g;
	int64_t			deadline;

	lg_counts(&c->rest, &r0);
	lg_counts(&c->grpcload, &g0);
	deadline = ct_now_ms() + ms;
	do {
		ct_sleep_ms(200);
		lg_counts(&c->rest, &r);
		lg_counts(&c->grpcload, &g);
		if (r.acked - r0.acked >= rest_more &&
		    g.acked - g0.acked >= grpc_more)
			return (0);
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

/* The driver's own warnings (FerretDB has no endSessions) are noise. */
static void
chaos_mongo_log(mongoc_log_level_t level, const char *domain,
    const char *message, void *arg)
{
	(void)arg;
	if (level <= MONGOC_LOG_LEVEL_ERROR)
		fprintf(stderr, "mongoc: %s: %s\n", domain, message);
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
	char	cmd[700];

	if (c->load_up) {
		lg_stop(&c->rest);
		lg_stop(&c->grpcload);
		lg_free(&c->rest);
		lg_free(&c->grpcload);
		lg_sink_free(&c->sink);
		c->load_up = 0;
	}
	if (c->ids != NULL) {
		fclose(c->ids);
		c->ids = NULL;
	}
	free(c->votes);
	c->votes = NULL;
	if (c->kore.pid > 0)
		(void)rest_kore_stop(&c->kore, 20000);
	if (c->grpc.pid > 0)
		(void)tg_server_stop(&c->grpc, 10000);
	if (c->consumer > 0) {
		(void)ct_consumer_stop(c->consumer, SIGTERM, 15000);
		c->consumer = -1;
	}
	if (c->env_up) {
		/* The stack goes away whole: only the producer to free. */
		rd_kafka_destroy(c->env.producer);
		free(c->env.ids);
		c->env_up = 0;
	}
	if (c->stack_up) {
		(void)chaos_stack(c, "down");
		if (!c->keep && getenv("MARIMBA_CHAOS_KEEP") == NULL) {
			(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'",
			    c->path);
			(void)system(cmd);
		}
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
