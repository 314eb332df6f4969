/* SPDX-License-Identifier: ISC */
/*
 * Implements kafka_side.h with librdkafka: watermarks and committed
 * offsets from lib/kafka_offsets.c, dead letters counted by reading the
 * DLQ topic's headers, ranges read with assign() (no group, no commit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "kafka_side.h"
#include "tally.h"
#include "vote_id.h"

#define KAFKA_TIMEOUT_MS	10000
#define KAFKA_IDLE_MS		30000

struct dlq_count {
	const char		*topic;
	const struct kafka_part	*parts;
	int			 nparts;
	struct count_map	 seen;	/* "partition:offset" */
	long long		 dead;
};

static rd_kafka_t	*kafka_handle(const struct marimba_config *, int,
			    char *, size_t);
static int	kafka_dlq_one(void *, const rd_kafka_message_t *);
static int	kafka_header(const rd_kafka_message_t *, const char *, char *,
		    size_t);
static int	kafka_groups(const struct marimba_config *,
		    struct kafka_votes *, char *, size_t);
static int	kafka_dead(const struct marimba_config *,
		    struct kafka_votes *, char *, size_t);

/* A consumer handle that never joins a group (assign() only). */
static rd_kafka_t *
kafka_handle(const struct marimba_config *cfg, int eof, char *err,
    size_t errlen)
{
	rd_kafka_conf_t	*conf;
	rd_kafka_t	*rk;

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", cfg->kafka_brokers,
	    err, errlen) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", "marimba-audit", err,
	    errlen) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err,
	    errlen) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", err,
	    errlen) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.partition.eof",
	    eof ? "true" : "false", err, errlen) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", err,
	    errlen) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "log_level", "3", err, errlen) !=
	    RD_KAFKA_CONF_OK) {
		rd_kafka_conf_destroy(conf);
		return (NULL);
	}
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, errlen)) == NULL)
		rd_kafka_conf_destroy(conf);
	return (rk);
}

int
kafka_side_count(const struct marimba_config *cfg, struct kafka_votes *kv,
    char *err, size_t errlen)
{
	rd_kafka_t	*rk;
	int		 i, rv;

	memset(kv, 0, sizeof(*kv));
	if ((rk = kafka_handle(cfg, 0, err, errlen)) == NULL)
		return (-1);
	rv = kafka_offsets(rk, cfg->kafka_topic, KAFKA_TIMEOUT_MS, &kv->parts,
	    &kv->nparts, err, errlen);
	rd_kafka_destroy(rk);
	if (rv == -1)
		return (-1);
	for (i = 0; i < kv->nparts; i++) {
		kv->messages += kv->parts[i].high - kv->parts[i].low;
		if (kv->parts[i].low > 0)
			kv->trimmed = 1;
	}
	if (kafka_groups(cfg, kv, err, errlen) == -1 ||
	    kafka_dead(cfg, kv, err, errlen) == -1) {
		kafka_votes_free(kv);
		return (-1);
	}
	kv->votes = kv->messages - kv->dead;
	return (0);
}

void
kafka_votes_free(struct kafka_votes *kv)
{
	free(kv->parts);
	kv->parts = NULL;
	kv->nparts = 0;
}

/*
 * The lowest committed offset per partition of the per-store groups
 * ("<group>-redis", "<group>-mongo") where they exist, else of the
 * group itself (a group left over from before a split would hold its
 * old offsets for days): below it every store has every vote. A
 * partition no group has committed on counts as committed at its low
 * watermark.
 */
static int
kafka_groups(const struct marimba_config *cfg, struct kafka_votes *kv,
    char *err, size_t errlen)
{
	struct kafka_part	*tmp;
	const char		*suffix[] = { "-redis", "-mongo", "" };
	char			 group[160];
	size_t			 s;
	int			 i, found, any;

	if ((tmp = calloc((size_t)kv->nparts, sizeof(*tmp))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	any = 0;
	for (s = 0; s < sizeof(suffix) / sizeof(suffix[0]); s++) {
		if (suffix[s][0] == '\0' && any)
			break;	/* split groups found: the old one is stale */
		(void)snprintf(group, sizeof(group), "%s%s",
		    cfg->consumer_group, suffix[s]);
		memcpy(tmp, kv->parts, (size_t)kv->nparts * sizeof(*tmp));
		found = kafka_committed(cfg->kafka_brokers, group,
		    cfg->kafka_topic, tmp, kv->nparts, KAFKA_TIMEOUT_MS, err,
		    errlen);
		if (found == -1) {
			free(tmp);
			return (-1);
		}
		if (found == 0)
			continue;
		for (i = 0; i < kv->nparts; i++) {
			if (tmp[i].committed < 0)
				tmp[i].committed = kv->parts[i].low;
			if (!any || tmp[i].committed < kv->parts[i].committed)
				kv->parts[i].committed = tmp[i].committed;
		}
		(void)snprintf(kv->groups + strlen(kv->groups),
		    sizeof(kv->groups) - strlen(kv->groups), "%s%s",
		    any ? "," : "", group);
		any = 1;
	}
	free(tmp);
	for (i = 0; i < kv->nparts; i++) {
		if (!any || kv->parts[i].committed < kv->parts[i].low)
			kv->parts[i].committed = kv->parts[i].low;
		kv->inflight += kv->parts[i].high - kv->parts[i].committed;
	}
	return (0);
}

int
kafka_side_settle(const struct marimba_config *cfg,
    const struct kafka_votes *at, int wait_s, long long *behind, char *err,
    size_t errlen)
{
	struct kafka_votes	now;
	struct timespec		ts = { 0, 500000000 };
	int64_t			deadline;
	int			i, rv;

	deadline = marimba_now_ms() + (int64_t)wait_s * 1000;
	for (;;) {
		memset(&now, 0, sizeof(now));
		now.nparts = at->nparts;
		if ((now.parts = calloc((size_t)at->nparts,
		    sizeof(*now.parts))) == NULL) {
			(void)snprintf(err, errlen, "out of memory");
			return (-1);
		}
		memcpy(now.parts, at->parts, (size_t)at->nparts *
		    sizeof(*now.parts));
		rv = kafka_groups(cfg, &now, err, errlen);
		*behind = 0;
		for (i = 0; rv == 0 && i < at->nparts; i++) {
			if (now.parts[i].committed < at->parts[i].high)
				*behind += at->parts[i].high -
				    now.parts[i].committed;
		}
		kafka_votes_free(&now);
		if (rv == -1)
			return (-1);
		if (*behind == 0)
			return (0);
		if (marimba_now_ms() >= deadline)
			return (1);
		(void)nanosleep(&ts, NULL);
	}
}

/* Dead letters whose source offset is still on the topic, once each. */
static int
kafka_dead(const struct marimba_config *cfg, struct kafka_votes *kv,
    char *err, size_t errlen)
{
	struct dlq_count	 dc;
	struct kafka_part	*dp;
	rd_kafka_t		*rk;
	int64_t			*from, *to;
	int			 i, n, rv;

	if ((rk = kafka_handle(cfg, 0, err, errlen)) == NULL)
		return (-1);
	rv = kafka_offsets(rk, cfg->kafka_dlq_topic, KAFKA_TIMEOUT_MS, &dp,
	    &n, err, errlen);
	rd_kafka_destroy(rk);
	if (rv == -1) {
		/* No DLQ topic yet: nothing was ever dead. */
		if (strstr(err, "Unknown topic") != NULL ||
		    strstr(err, "not available") != NULL)
			return (0);
		return (-1);
	}
	from = calloc((size_t)n, sizeof(*from));
	to = calloc((size_t)n, sizeof(*to));
	if (from == NULL || to == NULL) {
		free(from);
		free(to);
		free(dp);
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		from[i] = dp[i].low;
		to[i] = dp[i].high;
	}
	memset(&dc, 0, sizeof(dc));
	dc.topic = cfg->kafka_topic;
	dc.parts = kv->parts;
	dc.nparts = kv->nparts;
	rv = kafka_side_read(cfg, cfg->kafka_dlq_topic, from, to, n,
	    kafka_dlq_one, &dc, err, errlen);
	kv->dead = dc.dead;
	count_map_free(&dc.seen);
	free(from);
	free(to);
	free(dp);
	return (rv);
}

static int
kafka_dlq_one(void *arg, const rd_kafka_message_t *m)
{
	struct dlq_count	*dc = arg;
	char			 topic[256], part[16], off[32], key[64];
	char			*end;
	long			 p;
	long long		 o;

	if (kafka_header(m, "marimba-dlq-topic", topic, sizeof(topic)) == -1 ||
	    strcmp(topic, dc->topic) != 0 ||
	    kafka_header(m, "marimba-dlq-partition", part, sizeof(part)) ==
	    -1 ||
	    kafka_header(m, "marimba-dlq-offset", off, sizeof(off)) == -1)
		return (0);
	p = strtol(part, &end, 10);
	if (*end != '\0' || p < 0 || p >= dc->nparts)
		return (0);
	o = strtoll(off, &end, 10);
	if (*end != '\0' || o < dc->parts[p].low || o >= dc->parts[p].high)
		return (0);
	/* The DLQ is at least once: a dead letter may be there twice. */
	(void)snprintf(key, sizeof(key), "%ld:%lld", p, o);
	if (count_map_get(&dc->seen, key, strlen(key)) != NULL)
		return (0);
	if (count_map_add(&dc->seen, key, strlen(key), 1) == -1)
		return (-1);
	dc->dead++;
	return (0);
}

static int
kafka_header(const rd_kafka_message_t *m, const char *name, char *dst,
    size_t len)
{
	rd_kafka_headers_t	*hdrs;
	const void		*val;
	size_t			 vlen;

	if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    rd_kafka_header_get_last(hdrs, name, &val, &vlen) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR || val == NULL || vlen >= len)
		return (-1);
	memcpy(dst, val, vlen);
	dst[vlen] = '\0';
	return (0);
}

int
kafka_side_read(const struct marimba_config *cfg, const char *topic,
    const int64_t *from, const int64_t *to, int n, kafka_msg_fn fn,
    void *arg, char *err, size_t errlen)
{
	rd_kafka_t			*rk;
	rd_kafka_topic_partition_list_t	*list;
	rd_kafka_message_t		*m;
	rd_kafka_resp_err_t		 rerr;
	int64_t				 idle_until;
	int				 i, left, rv, p;
	char				*done;

	if (errlen > 0)
		err[0] = '\0';
	if ((done = calloc((size_t)n + 1, 1)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	left = 0;
	for (i = 0; i < n; i++) {
		if (from[i] < to[i])
			left++;
		else
			done[i] = 1;
	}
	if (left == 0) {
		free(done);
		return (0);
	}
	if ((rk = kafka_handle(cfg, 1, err, errlen)) == NULL) {
		free(done);
		return (-1);
	}
	list = rd_kafka_topic_partition_list_new(n);
	for (i = 0; i < n; i++) {
		if (!done[i])
			rd_kafka_topic_partition_list_add(list, topic,
			    i)->offset = from[i];
	}
	rerr = rd_kafka_assign(rk, list);
	rd_kafka_topic_partition_list_destroy(list);
	rv = -1;
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
		(void)snprintf(err, errlen, "%s: assign: %s", topic,
		    rd_kafka_err2str(rerr));
		goto out;
	}
	idle_until = marimba_now_ms() + KAFKA_IDLE_MS;
	while (left > 0) {
		if ((m = rd_kafka_consumer_poll(rk, 200)) == NULL) {
			if (marimba_now_ms() > idle_until) {
				(void)snprintf(err, errlen, "%s: no message "
				    "for %d s, %d partitions unfinished", topic,
				    KAFKA_IDLE_MS / 1000, left);
				goto out;
			}
			continue;
		}
		idle_until = marimba_now_ms() + KAFKA_IDLE_MS;
		p = m->partition;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			/* At the end: nothing at or after to[p] is wanted. */
			if (p >= 0 && p < n && !done[p] && m->offset >= to[p]) {
				done[p] = 1;
				left--;
			}
		} else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			(void)snprintf(err, errlen, "%s [%d]: %s", topic, p,
			    rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
			goto out;
		} else if (p >= 0 && p < n && !done[p] && m->offset < to[p]) {
			if (fn(arg, m) != 0) {
				if (err[0] == '\0')
					(void)snprintf(err, errlen, "%s [%d] "
					    "offset %lld: not handled", topic,
					    p, (long long)m->offset);
				rd_kafka_message_destroy(m);
				goto out;
			}
			if (m->offset + 1 >= to[p]) {
				done[p] = 1;
				left--;
			}
		}
		rd_kafka_message_destroy(m);
	}
	rv = 0;
out:
	(void)rd_kafka_assign(rk, NULL);
	rd_kafka_destroy(rk);
	free(done);
	return (rv);
}
