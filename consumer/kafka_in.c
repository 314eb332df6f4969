/* SPDX-License-Identifier: ISC */
/*
 * A sink's consumer-group member: configuration, the rebalance callback,
 * pause and resume of the assignment, and the lag estimate.
 *
 * Assignment strategy: cooperative-sticky. A rebalance then revokes only
 * the partitions that really move, so the other replicas keep consuming
 * while one joins or leaves. When partitions are revoked the batch in
 * flight is stored and committed synchronously before they go; if the
 * store can't take it in time, the revoked partitions' messages are
 * dropped uncommitted and their next owner reads them again (the writes
 * are idempotent).
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "sink.h"

#define KAFKA_IN_WATERMARK_MS	200	/* broker query for a paused one */

static void	kafka_in_rebalance(rd_kafka_t *,
		    rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t *,
		    void *);
static void	kafka_in_log_parts(struct sink *, const char *,
		    const rd_kafka_topic_partition_list_t *);
static int	kafka_in_set(rd_kafka_conf_t *, const char *, const char *,
		    char *, size_t);
static void	kafka_in_committed(rd_kafka_t *, rd_kafka_resp_err_t,
		    rd_kafka_topic_partition_list_t *, void *);

int
kafka_in_open(struct sink *s, char *err, size_t errlen)
{
	rd_kafka_conf_t				*conf;
	rd_kafka_topic_partition_list_t		*topics;
	rd_kafka_resp_err_t			 rerr;
	char					 session[32];
	char					 client[64];

	(void)snprintf(client, sizeof(client), "marimba-consumer-%s",
	    s->name);
	(void)snprintf(session, sizeof(session), "%d",
	    s->cfg.session_timeout_ms);
	conf = rd_kafka_conf_new();
	if (kafka_in_set(conf, "bootstrap.servers", s->cfg.kafka_brokers,
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "group.id", s->group,
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "client.id", client,
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
	    s->cfg.session_timeout_ms < 9000 ? "1000" : "3000",
	    err, errlen) == -1 ||
	    /*
	     * librdkafka before 2.3 stops fetching for up to a second
	     * once the consumer's queue (all its partitions: they are
	     * forwarded to one) holds queued.min.messages: at 100,000 a
	     * sink catching up was fed 200,000-290,000 votes/s, at
	     * 1,000,000 1.3 million (docs/consumer.md). Memory stays
	     * bounded by queued.max.messages.kbytes, set here to its
	     * default.
	     */
	    kafka_in_set(conf, "queued.min.messages", "1000000",
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "queued.max.messages.kbytes", "65536",
	    err, errlen) == -1 ||
	    kafka_in_set(conf, "topic.metadata.refresh.interval.ms", "10000",
	    err, errlen) == -1) {
		rd_kafka_conf_destroy(conf);
		return (-1);
	}
	rd_kafka_conf_set_rebalance_cb(conf, kafka_in_rebalance);
	rd_kafka_conf_set_offset_commit_cb(conf, kafka_in_committed);
	rd_kafka_conf_set_opaque(conf, s);

	if ((s->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen)) ==
	    NULL) {
		rd_kafka_conf_destroy(conf);
		return (-1);
	}
	(void)rd_kafka_poll_set_consumer(s->rk);

	topics = rd_kafka_topic_partition_list_new(1);
	(void)rd_kafka_topic_partition_list_add(topics, s->cfg.kafka_topic,
	    RD_KAFKA_PARTITION_UA);
	rerr = rd_kafka_subscribe(s->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
		(void)snprintf(err, errlen, "subscribe %s: %s",
		    s->cfg.kafka_topic, rd_kafka_err2str(rerr));
		rd_kafka_destroy(s->rk);
		s->rk = NULL;
		return (-1);
	}
	return (0);
}

/* Leaves the group (the revoke callback stores and commits first). */
void
kafka_in_close(struct sink *s)
{
	rd_kafka_resp_err_t	rerr;

	if (s->rk == NULL)
		return;
	if ((rerr = rd_kafka_consumer_close(s->rk)) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR)
		log_warn("%s sink: kafka: consumer close: %s", s->name,
		    rd_kafka_err2str(rerr));
	rd_kafka_destroy(s->rk);
	s->rk = NULL;
}

void
kafka_in_pause(struct sink *s)
{
	rd_kafka_topic_partition_list_t	*parts;

	if (rd_kafka_assignment(s->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	if (parts->cnt > 0)
		(void)rd_kafka_pause_partitions(s->rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
}

void
kafka_in_resume(struct sink *s)
{
	rd_kafka_topic_partition_list_t	*parts;

	if (rd_kafka_assignment(s->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	if (parts->cnt > 0)
		(void)rd_kafka_resume_partitions(s->rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
}

/*
 * Messages the store lacks: behind the high watermark from the position,
 * plus the batch in flight; -1 if unknown. The watermarks are librdkafka's
 * cached ones from its fetches; paused partitions fetch nothing, so for
 * them the broker is asked (bounded by KAFKA_IN_WATERMARK_MS).
 */
int64_t
kafka_in_lag(struct sink *s, int *nparts)
{
	rd_kafka_topic_partition_list_t	*parts;
	rd_kafka_topic_partition_t	*tp;
	rd_kafka_resp_err_t		 rerr;
	int64_t				 lag, lo, hi;
	int				 i;

	*nparts = 0;
	if (rd_kafka_assignment(s->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return (-1);
	*nparts = parts->cnt;
	lag = (int64_t)sink_in_flight(s);
	if (rd_kafka_position(s->rk, parts) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		for (i = 0; i < parts->cnt; i++) {
			tp = &parts->elems[i];
			if (s->paused)
				rerr = rd_kafka_query_watermark_offsets(s->rk,
				    tp->topic, tp->partition, &lo, &hi,
				    KAFKA_IN_WATERMARK_MS);
			else
				rerr = rd_kafka_get_watermark_offsets(s->rk,
				    tp->topic, tp->partition, &lo, &hi);
			if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR || hi < 0)
				continue;
			/* No position yet (nothing fetched): unknown, 0. */
			if (tp->offset >= 0 && hi > tp->offset)
				lag += hi - tp->offset;
		}
	}
	rd_kafka_topic_partition_list_destroy(parts);
	return (lag);
}

static void
kafka_in_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct sink		*s = opaque;
	rd_kafka_error_t	*kerr;
	size_t			 dropped;
	int			 cooperative;

	cooperative = strcmp(rd_kafka_rebalance_protocol(rk),
	    "COOPERATIVE") == 0;
	kerr = NULL;

	switch (err) {
	case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
		kafka_in_log_parts(s, "assigned", parts);
		if (cooperative)
			kerr = rd_kafka_incremental_assign(rk, parts);
		else
			(void)rd_kafka_assign(rk, parts);
		/* A store is down: new partitions wait too. */
		if (s->paused && parts->cnt > 0)
			(void)rd_kafka_pause_partitions(rk, parts);
		break;
	case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
		kafka_in_log_parts(s, "revoked", parts);
		if (rd_kafka_assignment_lost(rk)) {
			log_warn("%s sink: kafka: assignment lost (session "
			    "timed out?): the batch's messages will be read "
			    "again", s->name);
			sink_drop_pending(s, parts);
		} else if (!s->flushing &&
		    sink_in_flight(s) > 0 &&
		    sink_drain(s, FLUSH_REVOKE) == -1)
			log_warn("%s sink: kafka: could not store the batch "
			    "before the revoke", s->name);
		/* What is stored is committed before the partitions go. */
		if (!rd_kafka_assignment_lost(rk))
			sink_commit_pending(s, FLUSH_REVOKE);
		/* Nothing in flight may be freed under its store. */
		sink_abandon_in_flight(s);
		dropped = sink_drop_partitions(s, parts);
		if (dropped > 0)
			log_warn("%s sink: kafka: %zu uncommitted messages of "
			    "revoked partitions left to their next owner",
			    s->name, dropped);
		if (cooperative)
			kerr = rd_kafka_incremental_unassign(rk, parts);
		else
			(void)rd_kafka_assign(rk, NULL);
		break;
	default:
		log_error("%s sink: kafka: rebalance failed: %s", s->name,
		    rd_kafka_err2str(err));
		if (cooperative)
			kerr = rd_kafka_incremental_unassign(rk, parts);
		else
			(void)rd_kafka_assign(rk, NULL);
		break;
	}
	if (kerr != NULL) {
		log_error("%s sink: kafka: incremental (un)assign: %s",
		    s->name, rd_kafka_error_string(kerr));
		rd_kafka_error_destroy(kerr);
	}
}

static void
kafka_in_log_parts(struct sink *s, const char *what,
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
	log_info("%s sink: kafka: %s %d partitions: %s", s->name, what,
	    parts->cnt, buf);
}

/* The answer to an (asynchronous) commit, served by poll. */
static void
kafka_in_committed(rd_kafka_t *rk, rd_kafka_resp_err_t err,
    rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
	struct sink	*s = opaque;

	(void)rk;
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR &&
	    err != RD_KAFKA_RESP_ERR__NO_OFFSET)
		log_warn("%s sink: commit of %d partitions failed: %s (the "
		    "messages will be read again, writes are idempotent)",
		    s->name, offsets != NULL ? offsets->cnt : 0,
		    rd_kafka_err2str(err));
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
