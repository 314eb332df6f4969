/* SPDX-License-Identifier: ISC */
/*
 * A batch of Kafka messages on their way to a sink's store: each message
 * keeps its decoded vote (or the reason it is poison, and whether the
 * DLQ has it), and offsets are committed only once the whole batch is
 * stored.
 */
#ifndef MARIMBA_CONSUMER_BATCH_H
#define MARIMBA_CONSUMER_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "vote.h"

struct batch_msg {
	rd_kafka_message_t	*msg;
	uint64_t		 seq;		/* unique per process */
	struct vote		 vote;
	int			 poison;	/* undecodable or invalid */
	char			 reason[256];
	int			 dlq_done;	/* or not poison */
};

struct batch {
	struct batch_msg	*msgs;
	size_t			 len;
	size_t			 cap;
	uint64_t		 next_seq;
	int64_t			 started_ms;	/* first message in at */
	const struct vote	**votes;	/* from batch_votes() */
	size_t			 nvotes;
	int			 sent;		/* at the store, unconfirmed */
};

int		 batch_init(struct batch *, size_t);
void		 batch_free(struct batch *);

/* Takes ownership of msg and decodes it. -1 only if out of memory. */
int		 batch_add(struct batch *, rd_kafka_message_t *);

/* Destroys every message and empties the batch. */
void		 batch_clear(struct batch *);

/* Points votes/nvotes at the batch's votes (poison left out); -1 ENOMEM. */
int		 batch_votes(struct batch *);

/* Drops (without storing) the messages of these partitions. */
size_t		 batch_drop_partitions(struct batch *,
		    const rd_kafka_topic_partition_list_t *);

/* The message with this seq, or NULL. */
struct batch_msg	*batch_find_seq(struct batch *, uint64_t);

/*
 * The offsets to commit once every message is stored: for each partition
 * the highest offset in the batch plus one. NULL if the batch is empty.
 */
rd_kafka_topic_partition_list_t	*batch_offsets(const struct batch *);

#endif
