/* SPDX-License-Identifier: ISC */
/*
 * Implements batch.h: a growable array of Kafka messages with their
 * decoded votes and DLQ progress.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "vote_codec.h"
#include "vote_id.h"

int
batch_init(struct batch *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	if (cap == 0)
		cap = 1;
	if ((b->msgs = calloc(cap, sizeof(*b->msgs))) == NULL)
		return (-1);
	b->cap = cap;
	b->next_seq = 1;
	return (0);
}

void
batch_free(struct batch *b)
{
	batch_clear(b);
	free(b->msgs);
	b->msgs = NULL;
	b->cap = 0;
}

int
batch_add(struct batch *b, rd_kafka_message_t *msg)
{
	struct batch_msg	*m, *grown;
	struct vote_error	 verr;
	size_t			 ncap;

	if (b->len == b->cap) {
		ncap = b->cap * 2;
		grown = reallocarray(b->msgs, ncap, sizeof(*b->msgs));
		if (grown == NULL)
			return (-1);
		b->msgs = grown;
		b->cap = ncap;
	}
	m = &b->msgs[b->len];
	memset(m, 0, sizeof(*m));
	m->msg = msg;
	m->seq = b->next_seq++;

	memset(&verr, 0, sizeof(verr));
	if (vote_decode(msg->payload, msg->len, &m->vote, &verr) != VOTE_OK) {
		m->poison = 1;
		if (verr.field[0] != '\0')
			(void)snprintf(m->reason, sizeof(m->reason), "%s: %s",
			    verr.field, verr.message);
		else if (verr.message[0] != '\0')
			(void)snprintf(m->reason, sizeof(m->reason), "%s",
			    verr.message);
		else
			(void)snprintf(m->reason, sizeof(m->reason),
			    "not a valid marimba.v1.Vote");
	} else {
		m->dlq_done = 1;
	}

	if (b->len == 0)
		b->started_ms = marimba_now_ms();
	b->len++;
	return (0);
}

void
batch_clear(struct batch *b)
{
	size_t	i;

	for (i = 0; i < b->len; i++)
		rd_kafka_message_destroy(b->msgs[i].msg);
	b->len = 0;
	b->started_ms = 0;
	free(b->votes);
	b->votes = NULL;
	b->nvotes = 0;
	b->sent = 0;
}

int
batch_votes(struct batch *b)
{
	size_t	i;

	free(b->votes);
	b->votes = NULL;
	b->nvotes = 0;
	if (b->len == 0)
		return (0);
	if ((b->votes = calloc(b->len, sizeof(*b->votes))) == NULL)
		return (-1);
	for (i = 0; i < b->len; i++) {
		if (!b->msgs[i].poison)
			b->votes[b->nvotes++] = &b->msgs[i].vote;
	}
	return (0);
}

size_t
batch_drop_partitions(struct batch *b,
    const rd_kafka_topic_partition_list_t *parts)
{
	const char	*topic;
	size_t		 i, kept, dropped;

	kept = 0;
	dropped = 0;
	for (i = 0; i < b->len; i++) {
		topic = rd_kafka_topic_name(b->msgs[i].msg->rkt);
		if (rd_kafka_topic_partition_list_find(parts, topic,
		    b->msgs[i].msg->partition) != NULL) {
			rd_kafka_message_destroy(b->msgs[i].msg);
			dropped++;
			continue;
		}
		if (kept != i)
			b->msgs[kept] = b->msgs[i];
		kept++;
	}
	b->len = kept;
	if (b->len == 0)
		b->started_ms = 0;
	if (dropped > 0) {
		/* The votes moved: batch_votes() again before storing. */
		free(b->votes);
		b->votes = NULL;
		b->nvotes = 0;
	}
	return (dropped);
}

struct batch_msg *
batch_find_seq(struct batch *b, uint64_t seq)
{
	size_t	i;

	for (i = 0; i < b->len; i++) {
		if (b->msgs[i].seq == seq)
			return (&b->msgs[i]);
	}
	return (NULL);
}

rd_kafka_topic_partition_list_t *
batch_offsets(const struct batch *b)
{
	rd_kafka_topic_partition_list_t	*list;
	rd_kafka_topic_partition_t	*tp;
	const rd_kafka_message_t	*msg;
	const char			*topic;
	size_t				 i;

	if (b->len == 0)
		return (NULL);
	list = rd_kafka_topic_partition_list_new(8);
	for (i = 0; i < b->len; i++) {
		msg = b->msgs[i].msg;
		topic = rd_kafka_topic_name(msg->rkt);
		tp = rd_kafka_topic_partition_list_find(list, topic,
		    msg->partition);
		if (tp == NULL)
			tp = rd_kafka_topic_partition_list_add(list, topic,
			    msg->partition);
		if (msg->offset + 1 > tp->offset)
			tp->offset = msg->offset + 1;
	}
	return (list);
}
