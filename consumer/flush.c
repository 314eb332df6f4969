/*
 * Writes the batch in flight to its stores: poison messages to the DLQ
 * (and their delivery reports awaited), then the votes to Redis and
 * MongoDB at the same time; then commits the offsets. While a store
 * fails, the assigned partitions are paused and the same batch is retried
 * with capped exponential backoff; nothing is committed that a store
 * doesn't have.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "consumer.h"
#include "log.h"
#include "vote_id.h"

static int	flush_dlq(struct consumer *, char *, size_t);
static int	flush_stores(struct consumer *, int);
static void	flush_commit(struct consumer *);
static void	flush_state(struct consumer *, const char *, int *, int,
		    const char *, int);
static void	flush_wait(struct consumer *, int, enum consumer_flush_mode);
static const struct vote	**flush_pending(struct batch *, int, size_t *);

int
consumer_flush(struct consumer *c, enum consumer_flush_mode mode)
{
	char	err[512];
	int64_t	deadline;
	int	backoff, rv;

	if (c->batch.len == 0) {
		/* A revoke took what was left of a failing batch. */
		if (c->paused && !c->flushing) {
			kafka_in_resume(c);
			c->paused = 0;
		}
		return (0);
	}
	if (mode == FLUSH_REVOKE)
		deadline = marimba_now_ms() + CONSUMER_REVOKE_MS;
	else if (mode == FLUSH_STOP)
		deadline = marimba_now_ms() + CONSUMER_STOP_MS;
	else
		deadline = INT64_MAX;

	c->flushing = 1;
	backoff = CONSUMER_BACKOFF_MIN_MS;
	for (;;) {
		rv = flush_dlq(c, err, sizeof(err));
		flush_state(c, "dlq", &c->dlq_down, rv, err, backoff);
		if (rv == 0)
			rv = flush_stores(c, backoff);
		if (rv == 0)
			break;
		if (c->batch.len == 0)
			break;	/* all of it was revoked meanwhile */
		if (!c->paused) {
			kafka_in_pause(c);
			c->paused = 1;
		}
		if (marimba_now_ms() + backoff > deadline ||
		    (mode == FLUSH_UNTIL_STORED && *c->stop)) {
			c->flushing = 0;
			return (-1);
		}
		flush_wait(c, backoff, mode);
		backoff *= 2;
		if (backoff > CONSUMER_BACKOFF_MAX_MS)
			backoff = CONSUMER_BACKOFF_MAX_MS;
	}

	flush_commit(c);
	batch_clear(&c->batch);
	if (c->paused) {
		kafka_in_resume(c);
		c->paused = 0;
	}
	c->flushing = 0;
	return (0);
}

void
consumer_dlq_done(uint64_t seq, int ok, const char *why, void *arg)
{
	struct consumer		*c = arg;
	struct batch_msg	*m;

	if ((m = batch_find_seq(&c->batch, seq)) == NULL)
		return;
	if (ok)
		m->dlq_done = 1;
	else
		log_warn("dlq: delivery of %s [%d] @%lld failed: %s",
		    rd_kafka_topic_name(m->msg->rkt), (int)m->msg->partition,
		    (long long)m->msg->offset, why);
}

static int
flush_dlq(struct consumer *c, char *err, size_t errlen)
{
	struct batch_msg	*m;
	size_t			 i, sent;

	sent = 0;
	for (i = 0; i < c->batch.len; i++) {
		m = &c->batch.msgs[i];
		if (m->dlq_done)
			continue;
		if (dlq_send(c->dlq, m->msg, m->reason, m->seq, err,
		    errlen) == -1)
			return (-1);
		log_warn("poison message %s [%d] @%lld to %s: %s",
		    rd_kafka_topic_name(m->msg->rkt), (int)m->msg->partition,
		    (long long)m->msg->offset, c->cfg.kafka_dlq_topic,
		    m->reason);
		sent++;
	}
	if (sent == 0)
		return (0);
	(void)dlq_wait(c->dlq, 10000);
	for (i = 0; i < c->batch.len; i++) {
		if (!c->batch.msgs[i].dlq_done) {
			(void)snprintf(err, errlen,
			    "%s: no delivery report from the broker",
			    c->cfg.kafka_dlq_topic);
			return (-1);
		}
	}
	c->stats.poison += sent;
	return (0);
}

/*
 * Redis and MongoDB get the batch at the same time: the EVALSHA pipeline
 * is written out, MongoDB's insert_many runs while Redis works through
 * it, then the Redis replies are read. Each store's success is kept per
 * message, so a retry only redoes the store that failed.
 */
static int
flush_stores(struct consumer *c, int backoff)
{
	const struct vote	**rvotes, **mvotes;
	char			  rerr[512], merr[512];
	size_t			  i, rn, mn, fresh;
	int64_t			  t0, now;
	int			  rrv, mrv;

	rvotes = flush_pending(&c->batch, 0, &rn);
	mvotes = flush_pending(&c->batch, 1, &mn);
	if ((rn > 0 && rvotes == NULL) || (mn > 0 && mvotes == NULL)) {
		free(rvotes);
		free(mvotes);
		log_error("out of memory building a batch");
		return (-1);
	}

	rrv = mrv = 0;
	t0 = marimba_now_ms();
	if (rn > 0)
		rrv = redis_store_count_send(c->redis, rvotes, rn, rerr,
		    sizeof(rerr));
	now = marimba_now_ms();
	c->stats.redis_ms += (uint64_t)(now - t0);
	if (mn > 0) {
		mrv = mongo_store_insert(c->mongo, mvotes, mn, now, merr,
		    sizeof(merr));
		/* Listed for the log viewer only once stored; a failure
		 * retries both (the insert then finds duplicates). */
		if (mrv == 0)
			mrv = log_window_add(c->window, mvotes, mn, merr,
			    sizeof(merr));
		t0 = marimba_now_ms();
		c->stats.mongo_ms += (uint64_t)(t0 - now);
	}
	if (rn > 0 && rrv == 0) {
		t0 = marimba_now_ms();
		rrv = redis_store_count_recv(c->redis, &fresh, rerr,
		    sizeof(rerr));
		c->stats.redis_ms += (uint64_t)(marimba_now_ms() - t0);
		if (rrv == 0)
			c->stats.counted += fresh;
	}
	free(rvotes);
	free(mvotes);

	for (i = 0; i < c->batch.len; i++) {
		if (rrv == 0)
			c->batch.msgs[i].redis_done = 1;
		if (mrv == 0)
			c->batch.msgs[i].mongo_done = 1;
	}
	flush_state(c, "redis", &c->redis_down, rrv, rerr, backoff);
	flush_state(c, "mongo", &c->mongo_down, mrv, merr, backoff);
	return (rrv == 0 && mrv == 0 ? 0 : -1);
}

/* The votes that store (0 redis, 1 mongo) lacks; NULL if none or ENOMEM. */
static const struct vote **
flush_pending(struct batch *b, int which, size_t *n)
{
	const struct vote	**votes;
	struct batch_msg	 *m;
	size_t			  i;

	*n = 0;
	for (i = 0; i < b->len; i++) {
		m = &b->msgs[i];
		if (!(which == 0 ? m->redis_done : m->mongo_done))
			(*n)++;
	}
	if (*n == 0)
		return (NULL);
	if ((votes = calloc(*n, sizeof(*votes))) == NULL)
		return (NULL);
	*n = 0;
	for (i = 0; i < b->len; i++) {
		m = &b->msgs[i];
		if (!(which == 0 ? m->redis_done : m->mongo_done))
			votes[(*n)++] = &m->vote;
	}
	return (votes);
}

/*
 * Synchronous commit of the highest stored offset + 1 per partition. If it
 * fails (e.g. the partition moved on) the next owner reads those messages
 * again, and the idempotent writes make that harmless.
 */
static void
flush_commit(struct consumer *c)
{
	rd_kafka_topic_partition_list_t	*offsets;
	rd_kafka_resp_err_t		 rerr;
	size_t				 votes;
	size_t				 i;
	int64_t				 t0;

	if ((offsets = batch_offsets(&c->batch)) == NULL)
		return;
	t0 = marimba_now_ms();
	rerr = rd_kafka_commit(c->rk, offsets, 0);
	c->stats.commit_ms += (uint64_t)(marimba_now_ms() - t0);
	c->stats.batches++;
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR)
		log_warn("commit of %d partitions failed: %s (the messages "
		    "will be read again, writes are idempotent)",
		    offsets->cnt, rd_kafka_err2str(rerr));
	else
		c->stats.commits++;
	rd_kafka_topic_partition_list_destroy(offsets);

	votes = 0;
	for (i = 0; i < c->batch.len; i++) {
		if (!c->batch.msgs[i].poison)
			votes++;
	}
	c->stats.stored += votes;
}

/* Logs a store going down or coming back, once per change. */
static void
flush_state(struct consumer *c, const char *name, int *down, int rv,
    const char *err, int backoff)
{
	if (rv == -1 && !*down) {
		*down = 1;
		log_error("%s down: %s: pausing %s, retrying every %d..%d ms",
		    name, err, c->paused ? "(already paused)" : "partitions",
		    backoff, CONSUMER_BACKOFF_MAX_MS);
	} else if (rv == -1) {
		log_debug("%s still down: %s", name, err);
	} else if (rv == 0 && *down) {
		*down = 0;
		log_info("%s back: resuming", name);
	}
}

/*
 * Sleeps for the backoff. In the main loop it keeps polling so rebalances
 * and other events are served; paused partitions deliver no new messages,
 * and any that were already fetched join the batch. The rebalance callback
 * can't poll (it is called from poll), so it just sleeps.
 */
static void
flush_wait(struct consumer *c, int ms, enum consumer_flush_mode mode)
{
	rd_kafka_message_t	*msg;
	struct timespec		 ts;
	int64_t			 until;
	int			 left;

	if (mode == FLUSH_REVOKE) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		return;
	}
	until = marimba_now_ms() + ms;
	while ((left = (int)(until - marimba_now_ms())) > 0) {
		if (*c->stop && mode == FLUSH_UNTIL_STORED)
			return;
		msg = rd_kafka_consumer_poll(c->rk, left > 100 ? 100 : left);
		if (msg == NULL)
			continue;
		if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			log_debug("kafka: %s", rd_kafka_message_errstr(msg));
			rd_kafka_message_destroy(msg);
			continue;
		}
		c->stats.consumed++;
		if (batch_add(&c->batch, msg) == -1) {
			/* Skipping it could commit past it: stop instead. */
			log_error("out of memory growing the batch: exiting");
			exit(1);
		}
		kafka_in_pause(c);	/* covers newly assigned partitions */
	}
}
