/* SPDX-License-Identifier: ISC */
/*
 * Watermarks and committed offsets of a topic (see kafka_offsets.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <librdkafka/rdkafka.h>

#include "kafka_offsets.h"

int
kafka_offsets(rd_kafka_t *rk, const char *topic, int timeout_ms,
    struct kafka_part **parts, int *np, char *err, size_t errlen)
{
	const struct rd_kafka_metadata	*md;
	rd_kafka_topic_t		*rkt;
	rd_kafka_resp_err_t		 rerr;
	struct kafka_part		*p;
	int				 i, n;

	if ((rkt = rd_kafka_topic_new(rk, topic, NULL)) == NULL) {
		(void)snprintf(err, errlen, "%s: %s", topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
		return (-1);
	}
	rerr = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
	rd_kafka_topic_destroy(rkt);
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
		(void)snprintf(err, errlen, "%s: metadata: %s", topic,
		    rd_kafka_err2str(rerr));
		return (-1);
	}
	if (md->topic_cnt != 1 || md->topics[0].err != 0 ||
	    md->topics[0].partition_cnt <= 0) {
		(void)snprintf(err, errlen, "%s: %s", topic,
		    md->topic_cnt == 1 && md->topics[0].err != 0 ?
		    rd_kafka_err2str(md->topics[0].err) : "no partitions");
		rd_kafka_metadata_destroy(md);
		return (-1);
	}
	n = md->topics[0].partition_cnt;
	rd_kafka_metadata_destroy(md);
	if ((p = calloc((size_t)n, sizeof(*p))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		rerr = rd_kafka_query_watermark_offsets(rk, topic, i,
		    &p[i].low, &p[i].high, timeout_ms);
		if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
			(void)snprintf(err, errlen, "%s [%d]: watermarks: %s",
			    topic, i, rd_kafka_err2str(rerr));
			free(p);
			return (-1);
		}
		p[i].committed = -1;
	}
	*parts = p;
	*np = n;
	return (0);
}

int
kafka_committed(const char *brokers, const char *group, const char *topic,
    struct kafka_part *parts, int n, int timeout_ms, char *err,
    size_t errlen)
{
	rd_kafka_conf_t			*conf;
	rd_kafka_t			*rk;
	rd_kafka_topic_partition_list_t	*list;
	rd_kafka_resp_err_t		 rerr;
	int32_t				 p;
	int				 i, found;

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err,
	    errlen) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", group, err, errlen) !=
	    RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err,
	    errlen) != RD_KAFKA_CONF_OK) {
		rd_kafka_conf_destroy(conf);
		return (-1);
	}
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen)) ==
	    NULL) {
		rd_kafka_conf_destroy(conf);
		return (-1);
	}
	list = rd_kafka_topic_partition_list_new(n);
	for (i = 0; i < n; i++)
		(void)rd_kafka_topic_partition_list_add(list, topic, i);
	found = -1;
	rerr = rd_kafka_committed(rk, list, timeout_ms);
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR)
		(void)snprintf(err, errlen, "%s: committed offsets: %s", group,
		    rd_kafka_err2str(rerr));
	else {
		found = 0;
		for (i = 0; i < list->cnt; i++) {
			p = list->elems[i].partition;
			if (p < 0 || p >= n || list->elems[i].offset < 0)
				continue;
			parts[p].committed = list->elems[i].offset;
			found++;
		}
	}
	rd_kafka_topic_partition_list_destroy(list);
	rd_kafka_destroy(rk);
	return (found);
}
