/* SPDX-License-Identifier: ISC */
/*
 * The Kafka side of marimba-audit: how many votes the topic holds (its
 * offsets minus the dead letters the consumer moved to the DLQ), how far
 * the consumer group has committed, and a reader of offset ranges.
 */
#ifndef MARIMBA_AUDIT_KAFKA_SIDE_H
#define MARIMBA_AUDIT_KAFKA_SIDE_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "config.h"
#include "kafka_offsets.h"

struct kafka_votes {
	struct kafka_part	*parts;		/* committed: see groups */
	int			 nparts;
	long long		 messages;	/* sum of high - low */
	long long		 dead;		/* DLQ records of [low, high) */
	long long		 votes;		/* messages - dead */
	long long		 inflight;	/* sum of high - committed */
	int			 trimmed;	/* retention dropped some */
	char			 groups[400];	/* groups read, "" if none */
};

/*
 * Reads the watermarks, the committed offsets of the consumers (the
 * per-store groups "<MARIMBA_CONSUMER_GROUP>-redis" / "-mongo" where
 * they exist, the lowest offset wins; else MARIMBA_CONSUMER_GROUP) and
 * counts the DLQ records that name an offset still on the topic. 0 or
 * -1.
 */
int	kafka_side_count(const struct marimba_config *, struct kafka_votes *,
	    char *, size_t);
void	kafka_votes_free(struct kafka_votes *);

/*
 * Waits up to wait_s for the groups' committed offsets to reach the
 * high watermarks of at (every vote on the topic by then is stored).
 * 0 when they did, 1 if not in time (*behind: messages short), -1 on
 * error.
 */
int	kafka_side_settle(const struct marimba_config *,
	    const struct kafka_votes *, int, long long *, char *, size_t);

/*
 * Called for each message read; non-zero stops the read with an error
 * (the callback may have written it into the read's err).
 */
typedef int	(*kafka_msg_fn)(void *, const rd_kafka_message_t *);

/*
 * Reads partitions [0, n) of topic from from[i] up to (not including)
 * to[i] without joining a group, calling fn for every message. 0, or
 * -1 with err (also when no message arrives for 30 s).
 */
int	kafka_side_read(const struct marimba_config *, const char *,
	    const int64_t *, const int64_t *, int, kafka_msg_fn, void *,
	    char *, size_t);

#endif
