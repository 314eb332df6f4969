/* SPDX-License-Identifier: ISC */
/*
 * The Kafka producer every ingest path shares: validated votes are encoded
 * with protobuf-c and produced to the votes topic with acks=all and the
 * idempotent producer, keyed by vote id. A vote counts as accepted only
 * when its delivery report says the broker acknowledged it.
 */
#ifndef MARIMBA_VOTE_PRODUCER_H
#define MARIMBA_VOTE_PRODUCER_H

#include "config.h"
#include "vote.h"

struct vote_producer;

/*
 * Called from vote_producer_poll() (or _flush) once per message. err is 0 when
 * the broker acknowledged the message, otherwise a librdkafka error code
 * (rd_kafka_resp_err_t) and reason says why. opaque is the pointer given
 * to vote_producer_send(); arg the one given to vote_producer_new().
 */
typedef void	(*vote_delivery_fn)(void *opaque, int err, const char *reason,
		    void *arg);

enum vote_send_status {
	VOTE_SEND_OK = 0,
	VOTE_SEND_FULL,		/* local queue full: back-pressure, 503 */
	VOTE_SEND_ERROR,	/* could not enqueue for another reason */
};

/*
 * A producer for cfg's brokers and topic; cb gets every delivery report
 * with arg. NULL on failure, with the reason in err (errlen bytes).
 */
struct vote_producer	*vote_producer_new(const struct marimba_config *cfg,
			    vote_delivery_fn cb, void *arg, char *err,
			    size_t errlen);
void			 vote_producer_free(struct vote_producer *vp);

/* Enqueues one encoded vote; never blocks. */
enum vote_send_status	 vote_producer_send(struct vote_producer *vp,
			    const struct vote *v, void *opaque);

/* Serves delivery reports; returns how many were served. */
int			 vote_producer_poll(struct vote_producer *vp,
			    int timeout_ms);

/*
 * Serves reports until every message is reported, up to timeout_ms: 0, or
 * -1 when some are left.
 */
int			 vote_producer_flush(struct vote_producer *vp,
			    int timeout_ms);

/*
 * Sends the messages waiting for linger.ms now, then waits up to
 * timeout_ms until every message has been reported: 0, or -1 when some
 * are left. Serves nothing itself: another thread must be in
 * vote_producer_poll() (producers/server.c's delivery-report thread).
 */
int			 vote_producer_send_now(struct vote_producer *vp,
			    int timeout_ms);

/* Messages enqueued and not yet reported. */
int			 vote_producer_queue_len(struct vote_producer *vp);

/*
 * Asks librdkafka to write a byte to fd (non-blocking, e.g. a pipe) each
 * time delivery reports become ready, so an event loop can call
 * vote_producer_poll() when there is work instead of on a timer.
 */
void			 vote_producer_notify_fd(struct vote_producer *vp,
			    int fd);

/*
 * 1 if a broker answered a metadata request within timeout ms, else 0.
 * The answer's leaders also guide the partitioner until librdkafka has
 * handed the topic's partitions to their brokers (a starting producer).
 */
int			 vote_producer_broker_is_up(struct vote_producer *vp,
			    int timeout_ms);

#endif
