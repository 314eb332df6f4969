/* SPDX-License-Identifier: ISC */
/*
 * Implements dlq.h: an idempotent librdkafka producer (acks=all) whose
 * delivery reports are handed back by sequence number, so the consumer
 * commits past a poison message only once the DLQ has it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlq.h"
#include "log.h"

struct dlq {
	rd_kafka_t	*rk;
	char		 topic[128];
	dlq_done_fn	 done;
	void		*arg;
};

static void	dlq_delivered(rd_kafka_t *, const rd_kafka_message_t *,
		    void *);
static int	dlq_header(rd_kafka_headers_t *, const char *, const char *);

struct dlq *
dlq_new(const struct marimba_config *cfg, dlq_done_fn done, void *arg,
    char *err, size_t errlen)
{
	struct dlq		*d;
	rd_kafka_conf_t		*conf;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	(void)snprintf(d->topic, sizeof(d->topic), "%s", cfg->kafka_dlq_topic);
	d->done = done;
	d->arg = arg;

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", cfg->kafka_brokers,
	    err, errlen) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.idempotence", "true",
	    err, errlen) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "acks", "all", err, errlen) !=
	    RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "message.timeout.ms", "10000",
	    err, errlen) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "linger.ms", "5", err, errlen) !=
	    RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "client.id", "marimba-consumer-dlq",
	    err, errlen) != RD_KAFKA_CONF_OK) {
		rd_kafka_conf_destroy(conf);
		free(d);
		return (NULL);
	}
	rd_kafka_conf_set_dr_msg_cb(conf, dlq_delivered);
	rd_kafka_conf_set_opaque(conf, d);
	if ((d->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, errlen)) ==
	    NULL) {
		rd_kafka_conf_destroy(conf);
		free(d);
		return (NULL);
	}
	return (d);
}

void
dlq_free(struct dlq *d)
{
	if (d == NULL)
		return;
	if (rd_kafka_flush(d->rk, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		log_warn("dlq: %d messages not delivered at exit",
		    rd_kafka_outq_len(d->rk));
	rd_kafka_destroy(d->rk);
	free(d);
}

int
dlq_send(struct dlq *d, const rd_kafka_message_t *src, const char *reason,
    uint64_t seq, char *err, size_t errlen)
{
	rd_kafka_headers_t	*orig, *hdrs;
	rd_kafka_resp_err_t	 rerr;
	char			 num[32];

	if (rd_kafka_message_headers(src, &orig) ==
	    RD_KAFKA_RESP_ERR_NO_ERROR)
		hdrs = rd_kafka_headers_copy(orig);
	else
		hdrs = rd_kafka_headers_new(4);

	(void)snprintf(num, sizeof(num), "%" PRId32, src->partition);
	if (dlq_header(hdrs, DLQ_HDR_REASON, reason) == -1 ||
	    dlq_header(hdrs, DLQ_HDR_TOPIC, rd_kafka_topic_name(src->rkt)) ==
	    -1 || dlq_header(hdrs, DLQ_HDR_PARTITION, num) == -1) {
		rd_kafka_headers_destroy(hdrs);
		(void)snprintf(err, errlen, "dlq: cannot add headers");
		return (-1);
	}
	(void)snprintf(num, sizeof(num), "%" PRId64, src->offset);
	if (dlq_header(hdrs, DLQ_HDR_OFFSET, num) == -1) {
		rd_kafka_headers_destroy(hdrs);
		(void)snprintf(err, errlen, "dlq: cannot add headers");
		return (-1);
	}

	rerr = rd_kafka_producev(d->rk,
	    RD_KAFKA_V_TOPIC(d->topic),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_KEY(src->key, src->key_len),
	    RD_KAFKA_V_VALUE(src->payload, src->len),
	    RD_KAFKA_V_HEADERS(hdrs),
	    RD_KAFKA_V_OPAQUE((void *)(uintptr_t)seq),
	    RD_KAFKA_V_END);
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
		/* On failure the headers stay ours. */
		rd_kafka_headers_destroy(hdrs);
		(void)snprintf(err, errlen, "dlq produce: %s",
		    rd_kafka_err2str(rerr));
		return (-1);
	}
	return (0);
}

int
dlq_wait(struct dlq *d, int timeout_ms)
{
	(void)rd_kafka_flush(d->rk, timeout_ms);
	return (rd_kafka_outq_len(d->rk) == 0 ? 0 : -1);
}

static void
dlq_delivered(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	struct dlq	*d = opaque;

	(void)rk;
	d->done((uint64_t)(uintptr_t)msg->_private,
	    msg->err == RD_KAFKA_RESP_ERR_NO_ERROR,
	    rd_kafka_err2str(msg->err), d->arg);
}

static int
dlq_header(rd_kafka_headers_t *hdrs, const char *name, const char *value)
{
	if (rd_kafka_header_add(hdrs, name, -1, value, -1) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR)
		return (-1);
	return (0);
}
