/* SPDX-License-Identifier: ISC */
/*
 * Kafka administration shared by the tests and the benches (see
 * kafka_admin.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <librdkafka/rdkafka.h>

#include "kafka_admin.h"

int
kafka_topic_create(rd_kafka_t *rk, const char *topic, int partitions,
    int timeout_ms, char *err, size_t errlen)
{
	rd_kafka_NewTopic_t			*nt;
	rd_kafka_queue_t			*q;
	rd_kafka_event_t			*ev;
	const rd_kafka_CreateTopics_result_t	*res;
	const rd_kafka_topic_result_t		**tr;
	size_t					 n;
	int					 rc;

	if (errlen > 0)
		err[0] = '\0';
	if ((nt = rd_kafka_NewTopic_new(topic, partitions, 1, err,
	    errlen)) == NULL)
		return (-1);
	q = rd_kafka_queue_new(rk);
	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	rc = -1;
	if ((ev = rd_kafka_queue_poll(q, timeout_ms)) == NULL)
		(void)snprintf(err, errlen, "no answer");
	else if ((res = rd_kafka_event_CreateTopics_result(ev)) != NULL) {
		tr = rd_kafka_CreateTopics_result_topics(res, &n);
		if (n == 1 && (rd_kafka_topic_result_error(tr[0]) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR ||
		    rd_kafka_topic_result_error(tr[0]) ==
		    RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS))
			rc = 0;
		else if (n == 1)
			(void)snprintf(err, errlen, "%s",
			    rd_kafka_topic_result_error_string(tr[0]));
	}
	if (ev != NULL)
		rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
	rd_kafka_NewTopic_destroy(nt);
	return (rc);
}

int
kafka_topic_marks(rd_kafka_t *rk, const char *topic, int timeout_ms,
    int64_t **hw, int *np)
{
	const struct rd_kafka_metadata	*md;
	rd_kafka_topic_t		*rkt;
	int64_t				 lo, hi;
	int				 i, n;

	if ((rkt = rd_kafka_topic_new(rk, topic, NULL)) == NULL)
		return (-1);
	if (rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms) != 0) {
		rd_kafka_topic_destroy(rkt);
		return (-1);
	}
	rd_kafka_topic_destroy(rkt);
	if (md->topic_cnt != 1 || md->topics[0].err != 0) {
		rd_kafka_metadata_destroy(md);
		return (-1);
	}
	n = md->topics[0].partition_cnt;
	rd_kafka_metadata_destroy(md);
	if ((*hw = calloc((size_t)n + 1, sizeof(**hw))) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if (rd_kafka_query_watermark_offsets(rk, topic, i, &lo, &hi,
		    timeout_ms) != 0) {
			free(*hw);
			return (-1);
		}
		(*hw)[i] = hi;
	}
	*np = n;
	return (0);
}

rd_kafka_t *
kafka_handle_new(const char *brokers, char *err, size_t errlen)
{
	rd_kafka_conf_t	*conf;
	rd_kafka_t	*rk;

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err,
	    errlen) != RD_KAFKA_CONF_OK) {
		rd_kafka_conf_destroy(conf);
		return (NULL);
	}
	/* rd_kafka_new owns conf once it succeeds. */
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen)) == NULL)
		rd_kafka_conf_destroy(conf);
	return (rk);
}

int
kafka_topic_marks_at(const char *brokers, const char *topic, int timeout_ms,
    int64_t **hw, int *np)
{
	rd_kafka_t	*rk;
	char		 err[256];
	int		 rc;

	if ((rk = kafka_handle_new(brokers, err, sizeof(err))) == NULL)
		return (-1);
	rc = kafka_topic_marks(rk, topic, timeout_ms, hw, np);
	rd_kafka_destroy(rk);
	return (rc);
}

long
kafka_topic_count(rd_kafka_t *rk, const char *topic, int timeout_ms)
{
	int64_t	*hw;
	long	 sum;
	int	 i, n;

	if (kafka_topic_marks(rk, topic, timeout_ms, &hw, &n) == -1)
		return (-1);
	for (sum = 0, i = 0; i < n; i++)
		sum += (long)hw[i];
	free(hw);
	return (sum);
}
