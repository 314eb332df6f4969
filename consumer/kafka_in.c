/* SPDX-License-Identifier: ISC */
/*
 * The consumer-group member: configuration, the rebalance callback, pause
 * and resume of the assignment, and the lag estimate for the health line.
 *
 * Assignment strategy: cooperative-sticky. A rebalance then revokes only
 * the partitions that really move, so the other replicas keep consuming
 * while one joins or leaves. When partitions are revoked the batch in
 * flight is stored and committed synchronously before they go; if the
 * stores can't take it in time, the revoked partitions' messages are
 * dropped uncommitted and their next owner reads them again (the writes
 * are idempotent).
 */
#include <stdio.h>
#include <string.h>

#include "consumer.h"
#include "log.h"

static void	kafka_in_rebalance(rd_kafka_t *,
		    rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t *,
		    void *);
static void	kafka_in_log_parts(const char *,
		    const rd_kafka_topic_partition_list_t *);
static int	kafka_in_set(rd_kafka_conf_t *, const char *, const char *,
		    char *, size_t);

int
kafka_in_open(struct consumer *c, char *err, size_t errlen)
{
	rd_kafka_conf_t				*conf;
	rd_kafka_topic_partition_list_t		*topics;
	rd_kafka_resp_err_t			 rerr;
	char					 session[32];

	(void)snprintf(session, sizeof(session), "%d",
	    c->cfg.session_timeout_ms);
	conf = rd_kafka_conf_new();
	if (kafka_in_set(conf, "bootstrap.servers", c->cfg.kafka_brokers,
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "group.id", c->cfg.consumer_group,
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "client.id", "marimba-consumer",
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "partition.assignment.strategy",
	    "cooperative-sticky", err, errlen) == -1 ||
	    kafka_in_set(conf, "enable.auto.commit", "false",
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "enable.auto.offset.store", "false",
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "auto.offset.reset", "earliest",
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "session.timeout.ms", session,
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "heartbeat.interval.ms",
	    c->cfg.session_timeout_ms < 9000 ? "1000" : "3000",
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "queued.min.messages", "20000",
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "topic.metadata.refresh.interval.ms", "10000",
	    err, errlen) == -1) {
		rd_kafka_conf_destroy(conf);
		return (-1);
	}
	rd_kafka_conf_set_rebalance_cb(conf, kafka_in_rebalance);
	rd_kafka_conf_set_opaque(conf, c);

	if ((c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen)) ==
	    NULL) {
		rd_kafka_conf_destroy(conf);
		return (-1);
	}
	(void)rd_kafka_poll_set_consumer(c->rk);

	topics = rd_kafka_topic_partition_list_new(1);
	(void)rd_kafka_topic_partition_list_add(topics, c->cfg.kafka_topic,
	    RD_KAFKA_PARTITION_UA);
	rerr = rd_kafka_subscribe(c->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
		(void)snprintf(err, errlen, "subscribe %s: %s",
		    c->cfg.kafka_topic, rd_kafka_err2str(rerr));
		rd_kafka_destroy(c->rk);
		c->rk = NULL;
		return (-1);
	}
	return (0);
}

/* Leaves the group (the revoke callback stores and commits first). */
void
kafka_in_close(struct consumer *c)
{
	rd_kafka_resp_err_t	rerr;

	if (c->rk == NULL)
		return;
	if ((rerr = rd_kafka_consumer_close(c->rk)) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR)
		log_warn("kafka: consumer close: %s", rd_kafka_err2str(rerr));
	rd_kafka_destroy(c->rk);
	c->rk = NULL;
}

void
kafka_in_pause(struct consumer *c)
{
	rd_kafka_topic_partition_list_t	*parts;

	if (rd_kafka_assignment(c->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	if (parts->cnt > 0)
		(void)rd_kafka_pause_partitions(c->rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
}

void
kafka_in_resume(struct consumer *c)
{
	rd_kafka_topic_partition_list_t	*parts;

	if (rd_kafka_assignment(c->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	if (parts->cnt > 0)
		(void)rd_kafka_resume_partitions(c->rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
}

/* Messages behind the high watermark, from cached offsets; -1 if unknown. */
int64_t
kafka_in_lag(struct consumer *c, int *nparts)
{
	rd_kafka_topic_partition_list_t	*parts;
	rd_kafka_topic_partition_t	*tp;
	int64_t				 lag, lo, hi;
	int				 i;

	*nparts = 0;
	if (rd_kafka_assignment(c->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return (-1);
	*nparts = parts->cnt;
	lag = 0;
	if (rd_kafka_position(c->rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		for (i = 0; i < parts->cnt; i++) {
			tp = &parts->elems[i];
			if (rd_kafka_get_watermark_offsets(c->rk, tp->topic,
			    tp->partition, &lo, &hi) !=
			    RD_KAFKA_RESP_ERR_NO_ERROR || hi < 0)
				continue;
			if (tp->offset >= 0 && hi > tp->offset)
				lag += hi - tp->offset;
			else if (tp->offset < 0 && hi > lo)
				lag += hi - lo;
		}
	}
	rd_kafka_topic_partition_list_destroy(parts);
	return (lag);
}

static void
kafka_in_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct consumer		*c = opaque;
	rd_kafka_error_t	*kerr;
	size_t			 dropped;
	int			 cooperative;

	cooperative = strcmp(rd_kafka_rebalance_protocol(rk),
	    "COOPERATIVE") == 0;
	kerr = NULL;

	switch (err) {
	case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
		kafka_in_log_parts("assigned", parts);
		if (cooperative)
			kerr = rd_kafka_incremental_assign(rk, parts);
		else
			(void)rd_kafka_assign(rk, parts);
		/* A store is down: new partitions wait too. */
		if (c->paused && parts->cnt > 0)
			(void)rd_kafka_pause_partitions(rk, parts);
		break;
	case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
		kafka_in_log_parts("revoked", parts);
		if (rd_kafka_assignment_lost(rk))
			log_warn("kafka: assignment lost (session timed out?):"
			    " the batch's messages will be read again");
		else if (!c->flushing && c->batch.len > 0 &&
		    consumer_flush(c, FLUSH_REVOKE) == -1)
			log_warn("kafka: could not store the batch before "
			    "the revoke");
		dropped = batch_drop_partitions(&c->batch, parts);
		if (dropped > 0)
			log_warn("kafka: %zu uncommitted messages of revoked "
			    "partitions left to their next owner", dropped);
		if (cooperative)
			kerr = rd_kafka_incremental_unassign(rk, parts);
		else
			(void)rd_kafka_assign(rk, NULL);
		break;
	default:
		log_error("kafka: rebalance failed: %s",
		    rd_kafka_err2str(err));
		if (cooperative)
			kerr = rd_kafka_incremental_unassign(rk, parts);
		else
			(void)rd_kafka_assign(rk, NULL);
		break;
	}
	if (kerr != NULL) {
		log_error("kafka: incremental (un)assign: %s",
		    rd_kafka_error_string(kerr));
		rd_kafka_error_destroy(kerr);
	}
}

static void
kafka_in_log_parts(const char *what,
    const rd_kafka_topic_partition_list_t *parts)
{
	char	buf[512];
	size_t	off;
	int	i, n;

	buf[0] = '\0';
	off = 0;
	for (i = 0; i < parts->cnt && off < sizeof(buf); i++) {
		n = snprintf(buf + off, sizeof(buf) - off, "%s%s[%d]",
		    i ? " " : "", parts->elems[i].topic,
		    (int)parts->elems[i].partition);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	log_info("kafka: %s %d partitions: %s", what, parts->cnt, buf);
}

static int
kafka_in_set(rd_kafka_conf_t *conf, const char *name, const char *value,
    char *err, size_t errlen)
{
	if (rd_kafka_conf_set(conf, name, value, err, errlen) !=
	    RD_KAFKA_CONF_OK)
		return (-1);
	return (0);
}
