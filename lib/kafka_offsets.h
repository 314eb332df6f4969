/* SPDX-License-Identifier: ISC */
/*
 * Offsets of a topic: each partition's low and high watermarks and a
 * consumer group's committed offsets. Shared by marimba-audit and the
 * tests that compare what is on a topic with what the stores hold.
 */
#ifndef MARIMBA_KAFKA_OFFSETS_H
#define MARIMBA_KAFKA_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

struct kafka_part {
	int64_t		low;		/* first offset still on the topic */
	int64_t		high;		/* next offset to be written */
	int64_t		committed;	/* group's offset; -1 if none */
};

/*
 * The partitions of topic with their watermarks (*parts, *n entries,
 * freed with free()); committed is set to -1. 0, or -1 with err.
 */
int	kafka_offsets(rd_kafka_t *, const char *, int, struct kafka_part **,
	    int *, char *, size_t);

/*
 * Fills the committed member of n parts with group's offsets on topic
 * (-1 where the group has committed nothing). Uses a short-lived
 * consumer handle that never joins the group. Returns how many
 * partitions have an offset, or -1 with err.
 */
int	kafka_committed(const char *brokers, const char *group, const char *,
	    struct kafka_part *, int, int, char *, size_t);

#endif
