/*
 * marimba-consumer's state, passed to every part of it: the Kafka
 * consumer, the two stores, the DLQ producer and the batch in flight.
 */
#ifndef MARIMBA_CONSUMER_H
#define MARIMBA_CONSUMER_H

#include <signal.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "batch.h"
#include "config.h"
#include "dlq.h"
#include "log_window.h"
#include "mongo_store.h"
#include "redis_store.h"

#define CONSUMER_LINGER_MS	50	/* longest wait to fill a batch */
#define CONSUMER_BACKOFF_MIN_MS	100
#define CONSUMER_BACKOFF_MAX_MS	5000
#define CONSUMER_REVOKE_MS	5000	/* flush budget at a revoke */
#define CONSUMER_STOP_MS	10000	/* flush budget at SIGTERM */
#define CONSUMER_HEALTH_MS	10000
#define CONSUMER_SERIES_MS	1000
#define CONSUMER_HEARTBEAT_MS	5000

enum consumer_flush_mode {
	FLUSH_UNTIL_STORED,	/* main loop: retry until stored or stopping */
	FLUSH_REVOKE,		/* inside the rebalance callback: bounded */
	FLUSH_STOP,		/* shutting down: bounded */
};

struct consumer_stats {
	uint64_t	consumed;	/* messages taken from Kafka */
	uint64_t	counted;	/* votes new to Redis */
	uint64_t	stored;		/* votes committed */
	uint64_t	poison;		/* messages sent to the DLQ */
	uint64_t	commits;
	uint64_t	batches;	/* stored and committed */
	uint64_t	redis_ms;	/* time spent in each stage */
	uint64_t	mongo_ms;
	uint64_t	commit_ms;
	uint64_t	last_consumed;
	int64_t		last_health_ms;
};

struct consumer {
	struct marimba_config	 cfg;
	rd_kafka_t		*rk;
	struct dlq		*dlq;
	struct redis_store	*redis;
	struct mongo_store	*mongo;
	struct log_window	*window;	/* lists stored logs */
	struct batch		 batch;
	volatile sig_atomic_t	*stop;
	int			 flushing;	/* inside consumer_flush() */
	int			 paused;	/* a store is down */
	int			 redis_down;
	int			 mongo_down;
	int			 dlq_down;
	struct consumer_stats	 stats;
	int64_t			 last_heartbeat_ms;
};

/* kafka_in.c: the consumer-group member. */
int	kafka_in_open(struct consumer *, char *, size_t);
void	kafka_in_close(struct consumer *);
void	kafka_in_pause(struct consumer *);
void	kafka_in_resume(struct consumer *);
int64_t	kafka_in_lag(struct consumer *, int *);

/* heartbeat.c: touches cfg.heartbeat_file every CONSUMER_HEARTBEAT_MS. */
void	heartbeat_touch(struct consumer *, int64_t);

/* flush.c: the batch into the stores, then the offsets into Kafka. */
int	consumer_flush(struct consumer *, enum consumer_flush_mode);
void	consumer_dlq_done(uint64_t, int, const char *, void *);

#endif
