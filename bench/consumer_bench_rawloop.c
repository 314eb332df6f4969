/* SPDX-License-Identifier: ISC */
/*
 * The baseline for consumer-bench: a bare librdkafka consumer-group loop
 * that reads n messages of a topic (and decodes them with vote_decode, as
 * the consumer does) and stores nothing. The gap between its rate and
 * marimba-consumer's is the cost of Redis, MongoDB and the commits.
 *
 *   consumer_bench_rawloop <brokers> <topic> <group> <n>
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "vote.h"
#include "vote_codec.h"
#include "vote_id.h"

int
main(int argc, char **argv)
{
	rd_kafka_conf_t				*conf;
	rd_kafka_t				*rk;
	rd_kafka_topic_partition_list_t		*topics;
	rd_kafka_message_t			*msg;
	struct vote				 v;
	struct vote_error			 verr;
	char					 err[256];
	long long				 n, got, bad;
	int64_t					 t0, deadline;

	if (argc != 5) {
		fprintf(stderr, "usage: consumer_bench_rawloop <brokers> "
		    "<topic> <group> <n>\n");
		return (1);
	}
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", argv[3], err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    /* Fetched as marimba-consumer fetches (consumer/kafka_in.c). */
	    rd_kafka_conf_set(conf, "queued.min.messages", "1000000", err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "queued.max.messages.kbytes", "65536",
	    err, sizeof(err)) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "conf: %s\n", err);
		return (1);
	}
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "consumer: %s\n", err);
		return (1);
	}
	(void)rd_kafka_poll_set_consumer(rk);
	topics = rd_kafka_topic_partition_list_new(1);
	(void)rd_kafka_topic_partition_list_add(topics, argv[2],
	    RD_KAFKA_PARTITION_UA);
	(void)rd_kafka_subscribe(rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);

	n = atoll(argv[4]);
	got = bad = 0;
	t0 = 0;
	deadline = marimba_now_ms() + 120000;
	while (got < n && marimba_now_ms() < deadline) {
		if ((msg = rd_kafka_consumer_poll(rk, 100)) == NULL)
			continue;
		if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (t0 == 0)
				t0 = marimba_now_ms();
			if (vote_decode(msg->payload, msg->len, &v, &verr) !=
			    VOTE_OK)
				bad++;
			got++;
		}
		rd_kafka_message_destroy(msg);
	}
	printf("rawloop: %lld messages (%lld undecodable) in %.2f s after "
	    "the first: %.0f msg/s\n", got, bad,
	    (marimba_now_ms() - t0) / 1000.0,
	    got * 1000.0 / (double)(marimba_now_ms() - t0 > 0 ?
	    marimba_now_ms() - t0 : 1));
	(void)rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return (got == n ? 0 : 1);
}
