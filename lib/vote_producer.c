/* SPDX-License-Identifier: ISC */
/*
 * The shared Kafka producer (see vote_producer.h): a librdkafka producer
 * with acks=all and idempotence whose delivery reports are handed to the
 * caller's callback with the opaque given at send time, and whose
 * partitioner keeps the votes of a time window on one partition
 * (sticky_partition.h).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "sticky_partition.h"
#include "vote.h"
#include "vote_codec.h"
#include "vote_producer.h"

/* Partitions whose leaders the metadata bitmap below can hold. */
#define LED_MAX		4096
#define LED_BITS	64
#define LED_WORDS	(LED_MAX / LED_BITS)
#define FLUSH_POLL_MS	100	/* vote_producer_flush: a wait at most */

struct vote_producer {
	rd_kafka_t		*rk;
	rd_kafka_topic_t	*rkt;
	rd_kafka_queue_t	*reports;	/* the main queue: DR events */
	vote_delivery_fn	 cb;
	void			*arg;
	struct sticky_partition	 sticky;
	int			 sticky_ok;	/* sticky is initialised */
	/*
	 * Until librdkafka has handed a partition to its leader's broker
	 * thread (it then calls the partition available), the partitioner
	 * takes the leaders from the last metadata the producer asked for
	 * (vote_producer_broker_is_up): the partitions with a leader, and
	 * whether librdkafka has called any available yet.
	 */
	_Atomic uint64_t	 led[LED_WORDS];
	atomic_int		 delegated;
};

/* What producer_partition_available() looks at. */
struct producer_topic {
	struct vote_producer	*vp;
	const rd_kafka_topic_t	*rkt;
};

static int	producer_set(rd_kafka_conf_t *, const char *, const char *,
		    char *, size_t);
static int	producer_event(struct vote_producer *, rd_kafka_event_t *);
static int32_t	producer_partition(const rd_kafka_topic_t *, const void *,
		    size_t, int32_t, void *, void *);
static int	producer_partition_available(int32_t, void *);
static void	producer_note_leaders(struct vote_producer *,
		    const rd_kafka_metadata_topic_t *);

struct vote_producer *
vote_producer_new(const struct marimba_config *cfg, vote_delivery_fn cb,
    void *arg, char *err, size_t errlen)
{
	struct vote_producer	*vp;
	rd_kafka_conf_t		*conf;
	rd_kafka_topic_conf_t	*tconf;
	char			 num[32];
	int			 i;

	if ((vp = calloc(1, sizeof(*vp))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	vp->cb = cb;
	vp->arg = arg;
	for (i = 0; i < LED_WORDS; i++)
		atomic_init(&vp->led[i], 0);
	atomic_init(&vp->delegated, 0);

	conf = rd_kafka_conf_new();
	(void)snprintf(num, sizeof(num), "%d", cfg->producer_linger_ms);
	if (producer_set(conf, "bootstrap.servers", cfg->kafka_brokers,
	    err, errlen) == -1 ||
	    producer_set(conf, "acks", "all", err, errlen) == -1 ||
	    producer_set(conf, "enable.idempotence", "true", err,
	    errlen) == -1 ||
	    producer_set(conf, "linger.ms", num, err, errlen) == -1 ||
	    producer_set(conf, "compression.type", "lz4", err, errlen) == -1)
		goto fail;

	/*
	 * Two timeouts: a message may wait MARIMBA_ACK_TIMEOUT_MS in all,
	 * long enough to outlast a broker crash (until the broker is fenced
	 * and leaves the ISRs, acks=all stalls), while each produce request
	 * is given up after the shorter MARIMBA_REQUEST_TIMEOUT_MS and
	 * retried (idempotence keeps the retry from duplicating it), so a
	 * dead connection is noticed quickly. A request never outlives its
	 * message.
	 */
	(void)snprintf(num, sizeof(num), "%d", cfg->ack_timeout_ms);
	if (producer_set(conf, "message.timeout.ms", num, err, errlen) == -1)
		goto fail;
	(void)snprintf(num, sizeof(num), "%d",
	    cfg->request_timeout_ms < cfg->ack_timeout_ms ?
	    cfg->request_timeout_ms : cfg->ack_timeout_ms);
	if (producer_set(conf, "request.timeout.ms", num, err, errlen) == -1)
		goto fail;
	(void)snprintf(num, sizeof(num), "%d", cfg->queue_max);
	if (producer_set(conf, "queue.buffering.max.messages", num,
	    err, errlen) == -1)
		goto fail;
	/* Reconnect quickly once a broker that went away comes back. */
	if (producer_set(conf, "reconnect.backoff.max.ms", "1000",
	    err, errlen) == -1)
		goto fail;

	/*
	 * Delivery reports as events, served by vote_producer_poll(): then
	 * rd_kafka_flush() (vote_producer_send_now) only waits for them and
	 * leaves serving them to the thread that polls.
	 */
	rd_kafka_conf_set_events(conf, RD_KAFKA_EVENT_DR);

	/* On success rd_kafka_new() owns conf. */
	if ((vp->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err,
	    errlen)) == NULL)
		goto fail;
	conf = NULL;
	vp->reports = rd_kafka_queue_get_main(vp->rk);

	/*
	 * librdkafka 2.0 puts one partition in a produce request: votes
	 * spread by their key's hash made a request per vote or two. The
	 * sticky partitioner sends a window's votes to one partition. 0
	 * keeps librdkafka's partitioner (the key's hash).
	 */
	tconf = NULL;
	if (cfg->producer_sticky_ms > 0) {
		if (sticky_partition_init(&vp->sticky,
		    cfg->producer_sticky_ms) == -1) {
			snprintf(err, errlen, "sticky partition: no lock");
			goto fail;
		}
		vp->sticky_ok = 1;
		/*
		 * A copy of the default topic configuration: the timeouts
		 * and acks set above are topic settings, which a new one
		 * would reset.
		 */
		if ((tconf = rd_kafka_default_topic_conf_dup(vp->rk)) ==
		    NULL) {
			snprintf(err, errlen, "topic configuration: %s",
			    rd_kafka_err2str(rd_kafka_last_error()));
			goto fail;
		}
		rd_kafka_topic_conf_set_partitioner_cb(tconf,
		    producer_partition);
		rd_kafka_topic_conf_set_opaque(tconf, vp);
	}
	/* rd_kafka_topic_new() frees tconf, whatever it returns. */
	if ((vp->rkt = rd_kafka_topic_new(vp->rk, cfg->kafka_topic,
	    tconf)) == NULL) {
		snprintf(err, errlen, "topic %s: %s", cfg->kafka_topic,
		    rd_kafka_err2str(rd_kafka_last_error()));
		goto fail;
	}

	return (vp);

fail:
	if (conf != NULL)
		rd_kafka_conf_destroy(conf);
	if (vp->reports != NULL)
		rd_kafka_queue_destroy(vp->reports);
	if (vp->rk != NULL)
		rd_kafka_destroy(vp->rk);
	if (vp->sticky_ok)
		sticky_partition_destroy(&vp->sticky);
	free(vp);
	return (NULL);
}

void
vote_producer_free(struct vote_producer *vp)
{
	if (vp == NULL)
		return;
	if (vp->rkt != NULL)
		rd_kafka_topic_destroy(vp->rkt);
	if (vp->reports != NULL)
		rd_kafka_queue_destroy(vp->reports);
	if (vp->rk != NULL)
		rd_kafka_destroy(vp->rk);
	if (vp->sticky_ok)
		sticky_partition_destroy(&vp->sticky);
	free(vp);
}

enum vote_send_status
vote_producer_send(struct vote_producer *vp, const struct vote *v,
    void *opaque)
{
	uint8_t			*buf;
	size_t			 cap, len;
	rd_kafka_resp_err_t	 rerr;

	cap = vote_encoded_size(v);
	if ((buf = malloc(cap == 0 ? 1 : cap)) == NULL)
		return (VOTE_SEND_ERROR);
	if (vote_encode(v, buf, cap, &len) != VOTE_OK) {
		free(buf);
		return (VOTE_SEND_ERROR);
	}

	/* With RD_KAFKA_MSG_F_FREE librdkafka frees buf once it is done. */
	if (rd_kafka_produce(vp->rkt, RD_KAFKA_PARTITION_UA,
	    RD_KAFKA_MSG_F_FREE, buf, len, v->id, strlen(v->id),
	    opaque) == 0)
		return (VOTE_SEND_OK);

	rerr = rd_kafka_last_error();
	free(buf);
	if (rerr == RD_KAFKA_RESP_ERR__QUEUE_FULL)
		return (VOTE_SEND_FULL);
	return (VOTE_SEND_ERROR);
}

int
vote_producer_poll(struct vote_producer *vp, int timeout_ms)
{
	rd_kafka_event_t	*ev;
	int			 n;

	/* Waits for the first event only, then takes what is ready. */
	n = 0;
	while ((ev = rd_kafka_queue_poll(vp->reports, timeout_ms)) != NULL) {
		n += producer_event(vp, ev);
		rd_kafka_event_destroy(ev);
		timeout_ms = 0;
	}
	return (n);
}

int
vote_producer_flush(struct vote_producer *vp, int timeout_ms)
{
	int64_t	end, left;

	end = marimba_mono_ms() + timeout_ms;
	while (rd_kafka_outq_len(vp->rk) > 0) {
		if ((left = end - marimba_mono_ms()) <= 0)
			return (-1);
		(void)vote_producer_poll(vp, left < FLUSH_POLL_MS ?
		    (int)left : FLUSH_POLL_MS);
	}
	return (0);
}

int
vote_producer_send_now(struct vote_producer *vp, int timeout_ms)
{
	/*
	 * In event mode rd_kafka_flush() serves nothing: it makes linger.ms
	 * immediate, wakes the broker threads, and waits until every
	 * message's report was served by the thread in vote_producer_poll().
	 */
	if (rd_kafka_flush(vp->rk, timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return (-1);
	return (0);
}

int
vote_producer_queue_len(struct vote_producer *vp)
{
	return (rd_kafka_outq_len(vp->rk));
}

void
vote_producer_notify_fd(struct vote_producer *vp, int fd)
{
	rd_kafka_queue_t	*q;

	/* Delivery reports are served from the main queue. */
	q = rd_kafka_queue_get_main(vp->rk);
	rd_kafka_queue_io_event_enable(q, fd, "r", 1);
	rd_kafka_queue_destroy(q);
}

int
vote_producer_broker_is_up(struct vote_producer *vp, int timeout_ms)
{
	const struct rd_kafka_metadata	*md;
	rd_kafka_resp_err_t		 rerr;
	int				 up;

	/* Ask for this topic only: a cheap request any live broker answers. */
	rerr = rd_kafka_metadata(vp->rk, 0, vp->rkt, &md, timeout_ms);
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR)
		return (0);
	up = md->broker_cnt > 0;
	if (md->topic_cnt == 1 && md->topics[0].err == 0)
		producer_note_leaders(vp, &md->topics[0]);
	rd_kafka_metadata_destroy(md);
	return (up);
}

/* Keeps which partitions of the topic have a leader, for the partitioner. */
static void
producer_note_leaders(struct vote_producer *vp,
    const rd_kafka_metadata_topic_t *t)
{
	uint64_t	led[LED_WORDS];
	int32_t		id;
	int		i;

	/* Only read until librdkafka has delegated a partition. */
	if (atomic_load(&vp->delegated))
		return;
	memset(led, 0, sizeof(led));
	for (i = 0; i < t->partition_cnt; i++) {
		id = t->partitions[i].id;
		if (id >= 0 && id < LED_MAX && t->partitions[i].leader >= 0)
			led[id / LED_BITS] |= (uint64_t)1 << (id % LED_BITS);
	}
	for (i = 0; i < LED_WORDS; i++)
		atomic_store(&vp->led[i], led[i]);
}

static int
producer_set(rd_kafka_conf_t *conf, const char *name, const char *value,
    char *err, size_t errlen)
{
	if (rd_kafka_conf_set(conf, name, value, err, errlen) !=
	    RD_KAFKA_CONF_OK)
		return (-1);
	return (0);
}

/*
 * One event of the main queue: a batch of delivery reports, each handed to
 * the caller's callback; an error is logged. Returns the reports served.
 */
static int
producer_event(struct vote_producer *vp, rd_kafka_event_t *ev)
{
	const rd_kafka_message_t	*msg;
	const char			*reason;
	int				 n;

	if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_ERROR) {
		log_warn("kafka producer: %s%s",
		    rd_kafka_event_error_string(ev),
		    rd_kafka_event_error_is_fatal(ev) ? " (fatal)" : "");
		return (0);
	}
	if (rd_kafka_event_type(ev) != RD_KAFKA_EVENT_DR)
		return (0);
	n = 0;
	while ((msg = rd_kafka_event_message_next(ev)) != NULL) {
		n++;
		if (vp->cb == NULL)
			continue;
		reason = msg->err == RD_KAFKA_RESP_ERR_NO_ERROR ? "" :
		    rd_kafka_err2str(msg->err);
		vp->cb(msg->_private, (int)msg->err, reason, vp->arg);
	}
	return (n);
}

/*
 * librdkafka's partitioner callback (called under the topic's lock, from
 * the producing thread or, for votes produced before the topic's metadata
 * was known, from librdkafka's own): the sticky partition.
 */
static int32_t
producer_partition(const rd_kafka_topic_t *rkt, const void *key,
    size_t keylen, int32_t count, void *rkt_opaque, void *msg_opaque)
{
	struct vote_producer	*vp = rkt_opaque;
	struct producer_topic	 pt;
	int32_t			 seed;

	/* The vote id's FNV-1a partition: its random bits pick the first. */
	seed = rd_kafka_msg_partitioner_fnv1a(rkt, key, keylen, count,
	    rkt_opaque, msg_opaque);
	pt.vp = vp;
	pt.rkt = rkt;
	return (sticky_partition_choose(&vp->sticky, count, marimba_mono_ms(),
	    (uint32_t)seed, producer_partition_available, &pt));
}

/*
 * librdkafka's word once it has handed any partition to a broker thread;
 * before that (a producer just started), the last metadata's leaders.
 */
static int
producer_partition_available(int32_t partition, void *arg)
{
	const struct producer_topic	*pt = arg;
	struct vote_producer		*vp = pt->vp;

	if (rd_kafka_topic_partition_available(pt->rkt, partition)) {
		/* Once: not a shared write per vote. */
		if (!atomic_load(&vp->delegated))
			atomic_store(&vp->delegated, 1);
		return (1);
	}
	if (atomic_load(&vp->delegated) || partition < 0 ||
	    partition >= LED_MAX)
		return (0);
	return ((atomic_load(&vp->led[partition / LED_BITS]) >>
	    (partition % LED_BITS)) & 1);
}
