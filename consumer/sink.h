/* SPDX-License-Identifier: ISC */
/*
 * One sink of marimba-consumer: a consumer-group member of its own
 * (<MARIMBA_CONSUMER_GROUP>-<name>) that reads the votes topic in
 * batches, writes each batch to its one store and commits the offsets
 * once the store has it. The redis sink counts, the mongo sink logs;
 * neither ever waits for the other. Each sink runs in its own thread
 * with its own offsets, batches, back-off, DLQ handling and health; the
 * process' main thread only serves /metrics and the heartbeat.
 */
#ifndef MARIMBA_CONSUMER_SINK_H
#define MARIMBA_CONSUMER_SINK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "batch.h"
#include "config.h"
#include "dlq.h"
#include "sink_report.h"
#include "vote.h"

#define SINK_BACKOFF_MIN_MS	100
#define SINK_BACKOFF_MAX_MS	5000
#define SINK_REVOKE_MS		5000	/* flush budget at a revoke */
#define SINK_STOP_MS		10000	/* flush budget at SIGTERM */
#define SINK_HEALTH_MS		10000	/* health line */
#define SINK_LAG_MS		1000	/* lag gauges */
#define SINK_WEDGED_MS		30000	/* no loop turn for this long */
#define SINK_IDLE_POLL_MS	100	/* poll wait with an empty batch */
#define SINK_COMMIT_MS		100	/* async commits at most this often */
#define SINK_DEPTH_MAX		16	/* batches in a store's pipeline */

enum sink_flush_mode {
	FLUSH_UNTIL_STORED,	/* main loop: retry until stored or stopping */
	FLUSH_REVOKE,		/* inside the rebalance callback: bounded */
	FLUSH_STOP,		/* shutting down: bounded */
};

struct sink;

/* What makes a sink a Redis or a MongoDB sink. */
struct sink_ops {
	const char	*name;		/* "redis", "mongo" */
	int		 owns_dlq;	/* poison goes to the DLQ from here */
	/*
	 * Stores n votes (0 only if the store has every one; -1 with err
	 * otherwise: the whole batch is retried, the writes are
	 * idempotent). *fresh: how many were new to the store.
	 */
	int		(*store)(struct sink *, const struct vote *const *,
			    size_t, size_t *, char *, size_t);
	/*
	 * A pipeline (may be NULL): send writes a batch out, recv reads
	 * the n replies of the oldest batch sent; a batch can be sent
	 * before the one before it is received. -1 from recv loses what
	 * was sent after it too (retried with store, in order).
	 */
	int		(*send)(struct sink *, const struct vote *const *,
			    size_t, char *, size_t);
	int		(*recv)(struct sink *, size_t, size_t *, char *,
			    size_t);
	/* Periodic work in the sink's thread (may be NULL). */
	void		(*tick)(struct sink *, int64_t);
	void		(*free)(void *);
};

/* Counters of the sink's own thread. */
struct sink_stats {
	uint64_t	consumed;	/* messages taken from Kafka */
	uint64_t	fresh;		/* votes new to the store */
	uint64_t	stored;		/* votes stored and committed */
	uint64_t	poison;		/* messages sent to the DLQ */
	uint64_t	skipped;	/* poison left to the DLQ owner */
	uint64_t	commits;
	uint64_t	batches;
	uint64_t	store_ms;
	uint64_t	commit_ms;
	uint64_t	poll_ms;	/* for a batch's first message */
	uint64_t	topup_ms;	/* taking what is fetched into it */
	uint64_t	last_consumed;
	int64_t		last_health_ms;
	int64_t		last_lag_ms;
	int64_t		newest_stored_ts;	/* Kafka timestamp, ms */
};

/* What /metrics shows: a copy taken under the sink's mutex. */
struct sink_gauges {
	const char	*name;
	uint64_t	 consumed;
	uint64_t	 stored;
	uint64_t	 fresh;
	uint64_t	 poison;
	uint64_t	 batches;
	uint64_t	 store_ms;
	int64_t		 lag_messages;	/* -1 unknown */
	double		 lag_seconds;
	int		 store_up;
	int		 paused;
};

struct sink {
	const struct sink_ops	*ops;
	const char		*name;
	void			*store;		/* the ops' own state */
	struct marimba_config	 cfg;
	char			 group[192];
	int			 batch_max;
	int			 linger_ms;
	rd_kafka_t		*rk;
	struct dlq		*dlq;		/* NULL unless ops->owns_dlq */
	struct sink_report	*report;	/* lag, for the log viewer */
	struct batch		 batch;		/* filling */
	/*
	 * The store's pipeline (ops->send): up to depth batches sent, the
	 * oldest at flight[head]; committed in that order.
	 */
	struct batch		 flight[SINK_DEPTH_MAX];
	size_t			 head;
	size_t			 nflight;
	int			 depth;		/* 1: no pipeline */
	rd_kafka_topic_partition_list_t	*pending;	/* stored, to commit */
	int64_t			 last_commit_ms;
	const atomic_int	*stop;
	int			 flushing;	/* inside sink_flush() */
	int			 paused;	/* the store is down */
	int			 down;
	int			 dlq_down;
	struct sink_stats	 stats;

	pthread_t		 thread;
	int			 started;
	atomic_int		 running;
	atomic_llong		 alive_ms;	/* last loop turn */
	int			 rv;		/* exit status of the thread */
	pthread_mutex_t		 mtx;		/* guards gauges */
	struct sink_gauges	 gauges;
};

/* sink.c: a sink's life. */
struct sink	*sink_new(const struct marimba_config *, const char *,
		    const atomic_int *, char *, size_t);
void		 sink_free(struct sink *);
int		 sink_start(struct sink *, char *, size_t);
void		 sink_join(struct sink *);
void		 sink_gauges(struct sink *, struct sink_gauges *);
void		 sink_periodic(struct sink *, int64_t);
/* Takes ownership of msg into the batch; -1 only if out of memory. */
int		 sink_take(struct sink *, rd_kafka_message_t *);

/* kafka_in.c: the consumer-group member. */
int		 kafka_in_open(struct sink *, char *, size_t);
void		 kafka_in_close(struct sink *);
void		 kafka_in_pause(struct sink *);
void		 kafka_in_resume(struct sink *);
int64_t		 kafka_in_lag(struct sink *, int *);

/* flush.c: the batches into the store, then the offsets into Kafka. */
void		 sink_dispatch(struct sink *);
int		 sink_settle(struct sink *, enum sink_flush_mode);
int		 sink_settle_all(struct sink *, enum sink_flush_mode);
size_t		 sink_in_flight(const struct sink *);
struct batch	*sink_flight(struct sink *, size_t);
size_t		 sink_drop_partitions(struct sink *,
		    const rd_kafka_topic_partition_list_t *);
void		 sink_clear_batches(struct sink *);
int		 sink_drain(struct sink *, enum sink_flush_mode);
void		 sink_abandon_in_flight(struct sink *);
int		 sink_flush(struct sink *, struct batch *,
		    enum sink_flush_mode);
void		 sink_dlq_done(uint64_t, int, const char *, void *);
void		 sink_commit_pending(struct sink *, enum sink_flush_mode);
void		 sink_drop_pending(struct sink *,
		    const rd_kafka_topic_partition_list_t *);

/* redis_sink.c, mongo_sink.c: the two kinds. */
extern const struct sink_ops	redis_sink_ops;
extern const struct sink_ops	mongo_sink_ops;
extern const struct sink_ops	mongo_sink_pipelined_ops;
void		*redis_sink_new(const struct marimba_config *, char *, size_t);
void		*mongo_sink_new(const struct marimba_config *, char *, size_t);

#endif
