/* SPDX-License-Identifier: ISC */
/*
 * The plumbing both chaos tests (chaos_test.c, brokers_test.c) run on:
 * the process' libraries, the harness' environment on the private
 * services, Kore, the REST and gRPC load with its acknowledged ids, the
 * waits, the drain, and the teardown of what they started.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <grpc/grpc.h>
#include <mongoc/mongoc.h>

#include "chaos.h"

static void	chaos_mongo_log(mongoc_log_level_t, const char *,
		    const char *, void *);
static void	chaos_gen_init(struct chaos *, struct lg_gen *, const char *,
		    int);

int
chaos_init(void)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	mongoc_init();
	mongoc_log_set_handler(chaos_mongo_log, NULL);
	grpc_init();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return (-1);
	return (0);
}

void
chaos_fini(void)
{
	grpc_shutdown();
	mongoc_cleanup();
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

int
chaos_exit_status(int st)
{
	return (st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int
chaos_stack(struct chaos *c, const char *verb, const char *services)
{
	char	cmd[1024], kafka[128];

	kafka[0] = '\0';
	if (c->kafka_port != 0)
		(void)snprintf(kafka, sizeof(kafka), "MARIMBA_KAFKA_PORT=%d "
		    "MARIMBA_KAFKA_CONTROLLER_PORT=%d ", c->kafka_port,
		    c->kafka_cport);
	(void)snprintf(cmd, sizeof(cmd), "cd '%s' && MARIMBA_STACK_DIR='%s' "
	    "%sMARIMBA_REDIS_PORT=%d MARIMBA_MONGO_PORT=%d "
	    "timeout 180 scripts/stack %s%s%s >&2", MARIMBA_SOURCE_DIR, c->dir,
	    kafka, c->redis_port, c->mongo_port, verb,
	    services != NULL ? " " : "", services != NULL ? services : "");
	return (chaos_exit_status(system(cmd)));
}

int
chaos_env_start(struct chaos *c, const char *name)
{
	char	port[16];

	/* The harness takes its services from the environment. */
	(void)snprintf(port, sizeof(port), "%d", c->redis_port);
	if (setenv("MARIMBA_KAFKA_BROKERS", c->brokers, 1) == -1 ||
	    setenv("MARIMBA_MONGO_URI", c->mongo_uri, 1) == -1 ||
	    setenv("MARIMBA_REDIS_HOST", "127.0.0.1", 1) == -1 ||
	    setenv("MARIMBA_REDIS_PORT", port, 1) == -1)
		return (-1);
	ct_env_init(&c->env, name, 6);
	c->env_up = 1;
	(void)snprintf(c->env.log_path, sizeof(c->env.log_path),
	    "%s/consumer.log", c->path);
	return (0);
}

int
chaos_kore_start(struct chaos *c, const char *extra)
{
	char		 prefix[128], db[128];
	const char	*env[] = { prefix, db, extra, NULL };

	(void)snprintf(prefix, sizeof(prefix), "MARIMBA_REDIS_PREFIX=%s",
	    c->env.prefix);
	(void)snprintf(db, sizeof(db), "MARIMBA_MONGO_DB=%s", c->env.mongo_db);
	if (rest_kore_start(&c->kore, c->brokers, c->env.topic, env) == -1) {
		fprintf(stderr, "chaos: Kore did not start\n");
		return (-1);
	}
	return (0);
}

int
chaos_ids_open(struct chaos *c)
{
	(void)snprintf(c->ids_path, sizeof(c->ids_path), "%s/acked-ids.txt",
	    c->path);
	if ((c->ids = fopen(c->ids_path, "w")) == NULL) {
		fprintf(stderr, "chaos: %s: %s\n", c->ids_path,
		    strerror(errno));
		return (-1);
	}
	return (lg_sink_init(&c->sink, c->ids, NULL));
}

void
chaos_load_init(struct chaos *c, int rate)
{
	chaos_gen_init(c, &c->rest, "rest", rate);
	atomic_store(&c->rest.port, c->kore.port);
	chaos_gen_init(c, &c->grpcload, "grpc", rate);
	(void)snprintf(c->grpcload.addr, sizeof(c->grpcload.addr), "%s",
	    c->grpc.addr);
}

static void
chaos_gen_init(struct chaos *c, struct lg_gen *g, const char *name, int rate)
{
	g->name = name;
	g->rate = rate;
	g->votes = c->votes;
	g->nvotes = c->nvotes;
	g->sink = &c->sink;
}

int
chaos_load_start(struct chaos *c)
{
	c->load_up = 1;
	if (lg_rest_start(&c->rest) == -1 || lg_grpc_start(&c->grpcload) == -1)
		return (-1);
	return (0);
}

int
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

int
chaos_drain(struct chaos *c, int ms)
{
	long long	rcommitted, mcommitted, end, total, logged, last;
	int64_t		deadline;
	int		still;

	deadline = ct_now_ms() + ms;
	last = -1;
	still = 0;
	for (;;) {
		end = tg_topic_count(c->brokers, c->env.topic);
		rcommitted = ct_committed_sink(&c->env, NULL, "redis");
		mcommitted = ct_committed_sink(&c->env, NULL, "mongo");
		total = ct_redis_get(&c->env, "total");
		logged = ct_mongo_count(&c->env);
		still = total == last ? still + 1 : 0;
		last = total;
		if (rcommitted == end && mcommitted == end &&
		    total == logged && still >= 2) {
			chaos_say(c, "caught up: both sinks' lag 0 (%lld "
			    "messages), counted %lld, logged %lld", end, total,
			    logged);
			return (0);
		}
		if (ct_now_ms() > deadline) {
			chaos_say(c, "NOT caught up after %d s: end %lld, "
			    "committed by the redis sink %lld, by the mongo "
			    "sink %lld, counted %lld, logged %lld",
			    ms / 1000, end, rcommitted, mcommitted, total,
			    logged);
			return (-1);
		}
		ct_sleep_ms(1000);
	}
}

void
chaos_stop(struct chaos *c, int ms)
{
	pid_t	*sinks[] = { &c->consumer, &c->redis_sink,
		    &c->mongo_sink };
	size_t	 i;

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
		(void)rest_kore_stop(&c->kore, ms);
	if (c->grpc.pid > 0)
		(void)tg_server_stop(&c->grpc, ms);
	for (i = 0; i < sizeof(sinks) / sizeof(sinks[0]); i++) {
		if (*sinks[i] > 0) {
			(void)ct_consumer_stop(*sinks[i], SIGTERM, 15000);
			*sinks[i] = -1;
		}
	}
	if (c->env_up) {
		/* The stack goes away whole: only the producer to free. */
		rd_kafka_destroy(c->env.producer);
		free(c->env.ids);
		c->env_up = 0;
	}
}

void
chaos_remove(struct chaos *c)
{
	char	cmd[700];

	if (c->keep || getenv("MARIMBA_CHAOS_KEEP") != NULL)
		return;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->path);
	(void)system(cmd);
}
