/* SPDX-License-Identifier: ISC */
/*
 * The dead-letter queue: poison messages (undecodable, or votes that break
 * the contract) are produced unchanged to MARIMBA_KAFKA_DLQ_TOPIC with
 * headers saying why and where they came from, so they never block their
 * partition and nothing is lost.
 */
#ifndef MARIMBA_CONSUMER_DLQ_H
#define MARIMBA_CONSUMER_DLQ_H

#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config.h"

#define DLQ_HDR_REASON		"marimba-dlq-reason"
#define DLQ_HDR_TOPIC		"marimba-dlq-topic"
#define DLQ_HDR_PARTITION	"marimba-dlq-partition"
#define DLQ_HDR_OFFSET		"marimba-dlq-offset"

/* Called once per message from dlq_wait(): ok is 1 if the broker has it. */
typedef void	(*dlq_done_fn)(uint64_t seq, int ok, const char *why,
		    void *arg);

struct dlq;

struct dlq	*dlq_new(const struct marimba_config *, dlq_done_fn, void *,
		    char *, size_t);
void		 dlq_free(struct dlq *);

/* Enqueues a copy of src with the reason headers. -1 with err if not. */
int		 dlq_send(struct dlq *, const rd_kafka_message_t *,
		    const char *, uint64_t, char *, size_t);

/* Waits up to timeout ms for the delivery reports. 0 if none is left. */
int		 dlq_wait(struct dlq *, int);

#endif
