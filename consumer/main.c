/*
 * marimba-consumer: a member of the MARIMBA_CONSUMER_GROUP consumer group
 * on the votes topic. It reads votes in batches, counts them in Redis and
 * logs them in MongoDB, and commits the offsets only when both stores (and
 * the DLQ, for poison messages) have the batch: at-least-once delivery
 * with idempotent writes, so every vote counts exactly once.
 * SIGTERM/SIGINT: store and commit the batch, leave the group, exit 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "consumer.h"
#include "log.h"
#include "vote_id.h"

static volatile sig_atomic_t	consumer_stop;

static void	on_signal(int);
static int	consumer_run(struct consumer *);
static void	consumer_tick(struct consumer *, int64_t *);
static void	consumer_health(struct consumer *, int64_t);
static void	mongo_log(mongoc_log_level_t, const char *, const char *,
		    void *);

int
main(void)
{
	struct consumer		c;
	struct sigaction	sa;
	char			err[512];
	int			rv;

	log_init("marimba-consumer");
	memset(&c, 0, sizeof(c));
	c.stop = &consumer_stop;
	if (marimba_config_load(&c.cfg, err, sizeof(err)) == -1) {
		log_error("config: %s", err);
		return (1);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1) {
		log_error("sigaction failed");
		return (1);
	}
	signal(SIGPIPE, SIG_IGN);

	mongoc_init();
	mongoc_log_set_handler(mongo_log, NULL);
	rv = 1;
	if (batch_init(&c.batch, (size_t)c.cfg.batch_max) == -1) {
		log_error("out of memory");
		goto out;
	}
	if ((c.redis = redis_store_new(&c.cfg)) == NULL) {
		log_error("out of memory");
		goto out;
	}
	if ((c.mongo = mongo_store_new(&c.cfg, err, sizeof(err))) == NULL) {
		log_error("mongo: %s", err);
		goto out;
	}
	if ((c.window = log_window_new(&c.cfg)) == NULL) {
		log_error("out of memory");
		goto out;
	}
	if ((c.dlq = dlq_new(&c.cfg, consumer_dlq_done, &c, err,
	    sizeof(err))) == NULL) {
		log_error("dlq producer: %s", err);
		goto out;
	}
	if (kafka_in_open(&c, err, sizeof(err)) == -1) {
		log_error("kafka consumer: %s", err);
		goto out;
	}
	log_info("consuming %s on %s as group %s; redis %s:%d prefix %s; "
	    "mongo db %s; batch %d", c.cfg.kafka_topic, c.cfg.kafka_brokers,
	    c.cfg.consumer_group, c.cfg.redis_host, c.cfg.redis_port,
	    c.cfg.redis_prefix, c.cfg.mongo_db, c.cfg.batch_max);

	rv = consumer_run(&c);
	kafka_in_close(&c);
	log_info("stopped: %llu messages, %llu votes stored, %llu new to "
	    "redis, %llu to the dlq; %llu batches, ms in redis %llu, mongo "
	    "%llu, commit %llu", (unsigned long long)c.stats.consumed,
	    (unsigned long long)c.stats.stored,
	    (unsigned long long)c.stats.counted,
	    (unsigned long long)c.stats.poison,
	    (unsigned long long)c.stats.batches,
	    (unsigned long long)c.stats.redis_ms,
	    (unsigned long long)c.stats.mongo_ms,
	    (unsigned long long)c.stats.commit_ms);
out:
	kafka_in_close(&c);
	dlq_free(c.dlq);
	batch_free(&c.batch);
	mongo_store_free(c.mongo);
	log_window_free(c.window);
	redis_store_free(c.redis);
	mongoc_cleanup();
	return (rv);
}

static void
on_signal(int sig)
{
	(void)sig;
	consumer_stop = 1;
}

/* The main loop; returns the exit status. */
static int
consumer_run(struct consumer *c)
{
	rd_kafka_message_t	*msg;
	int64_t			 now, last_series;
	int			 wait;

	last_series = 0;
	c->stats.last_health_ms = marimba_now_ms();
	while (!consumer_stop) {
		wait = CONSUMER_LINGER_MS;
		if (c->batch.len > 0) {
			wait = (int)(c->batch.started_ms + CONSUMER_LINGER_MS -
			    marimba_now_ms());
			if (wait < 0)
				wait = 0;
		}
		msg = rd_kafka_consumer_poll(c->rk, wait);
		if (msg != NULL && msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				log_warn("kafka: %s",
				    rd_kafka_message_errstr(msg));
			rd_kafka_message_destroy(msg);
			msg = NULL;
		}
		if (msg != NULL) {
			c->stats.consumed++;
			if (batch_add(&c->batch, msg) == -1) {
				log_error("out of memory growing the batch");
				rd_kafka_message_destroy(msg);
				return (1);
			}
		}

		now = marimba_now_ms();
		if (c->batch.len >= (size_t)c->cfg.batch_max ||
		    (c->batch.len > 0 &&
		    now - c->batch.started_ms >= CONSUMER_LINGER_MS) ||
		    (c->batch.len == 0 && c->paused))
			(void)consumer_flush(c, FLUSH_UNTIL_STORED);
		consumer_tick(c, &last_series);
	}

	log_info("stopping: storing the last batch (%zu messages)",
	    c->batch.len);
	if (consumer_flush(c, FLUSH_STOP) == -1) {
		log_error("stores unavailable: leaving %zu messages "
		    "uncommitted; they will be read again", c->batch.len);
		batch_clear(&c->batch);
		return (1);
	}
	return (0);
}

/* Periodic work: the series flush, the health line, the heartbeat. */
static void
consumer_tick(struct consumer *c, int64_t *last_series)
{
	char		err[512];
	long long	added;
	int64_t		now;

	now = marimba_now_ms();
	if (now - *last_series >= CONSUMER_SERIES_MS) {
		*last_series = now;
		if (redis_store_flush_series(c->redis, &added, err,
		    sizeof(err)) == -1)
			log_debug("series flush: %s", err);
	}
	if (now - c->stats.last_health_ms >= CONSUMER_HEALTH_MS)
		consumer_health(c, now);
	heartbeat_touch(c, now);
}

static void
consumer_health(struct consumer *c, int64_t now)
{
	int64_t		lag;
	double		secs, rate;
	int		nparts;

	secs = (double)(now - c->stats.last_health_ms) / 1000.0;
	rate = secs > 0 ?
	    (double)(c->stats.consumed - c->stats.last_consumed) / secs : 0;
	lag = kafka_in_lag(c, &nparts);
	log_info("health: %.0f msg/s, consumed %llu, stored %llu, dlq %llu, "
	    "lag %lld on %d partitions%s", rate,
	    (unsigned long long)c->stats.consumed,
	    (unsigned long long)c->stats.stored,
	    (unsigned long long)c->stats.poison, (long long)lag, nparts,
	    c->paused ? ", PAUSED (store down)" : "");
	c->stats.last_consumed = c->stats.consumed;
	c->stats.last_health_ms = now;
}

/*
 * The driver's own messages, on our log. Its warnings are debug: FerretDB
 * answers "no such command: endSessions" to every client that closes.
 */
static void
mongo_log(mongoc_log_level_t level, const char *domain, const char *msg,
    void *arg)
{
	(void)arg;
	if (level <= MONGOC_LOG_LEVEL_ERROR)
		log_error("mongoc %s: %s", domain, msg);
	else if (level <= MONGOC_LOG_LEVEL_WARNING)
		log_debug("mongoc %s: %s", domain, msg);
}
