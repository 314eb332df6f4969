/*
 * Kafka administration shared by the tests and the benches (see
 * kafka_admin.h).
 */
#include <stdio.h>

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
