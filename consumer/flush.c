/* SPDX-License-Identifier: ISC */
/*
 * Writes a sink's batches to its store and commits their offsets, in
 * order. Poison messages go to the DLQ first if the sink owns it (their
 * delivery reports awaited).
 *
 * A store with a pipeline (ops->send/recv) has up to depth batches in
 * flight (the redis sink: MARIMBA_REDIS_INFLIGHT, on one connection):
 * batch N+depth-1 is written out before N's replies are read, so the
 * store works on the newer ones while N is committed and the next one
 * is polled. Any failure drops back to the synchronous path for what is
 * in flight, oldest first. The mongo sink has one as deep as
 * MARIMBA_MONGO_INFLIGHT (2..4 insert_many at once, by worker threads);
 * with 1 it is written synchronously.
 *
 * The synchronous path: while the store (or the DLQ) fails, the assigned
 * partitions are paused and the same batch is retried with capped
 * exponential backoff; nothing is committed that the store doesn't have.
 * A batch is committed only after every batch before it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "sink.h"
#include "vote_id.h"

/* Longest wait for a commit at a revoke or the stop (below SINK_WEDGED_MS). */
#define FLUSH_COMMIT_WAIT_MS	5000

static int	flush_dlq(struct sink *, struct batch *, char *, size_t);
static int	flush_store(struct sink *, struct batch *, char *, size_t);
static void	flush_commit(struct sink *, struct batch *,
		    enum sink_flush_mode);
static rd_kafka_resp_err_t	flush_commit_bounded(struct sink *,
		    rd_kafka_topic_partition_list_t *);
static void	flush_state(struct sink *, const char *, int *, int,
		    const char *, int);
static void	flush_wait(struct sink *, int, enum sink_flush_mode);
static void	flush_push(struct sink *);
static void	flush_pop(struct sink *);
static void	flush_done(struct sink *, struct batch *,
		    enum sink_flush_mode);

/* The i-th batch in flight, oldest first (i < nflight). */
struct batch *
sink_flight(struct sink *s, size_t i)
{
	return (&s->flight[(s->head + i) % (size_t)s->depth]);
}

/* Messages taken from Kafka and not yet stored: in flight and filling. */
size_t
sink_in_flight(const struct sink *s)
{
	size_t	i, n;

	n = s->batch.len;
	for (i = 0; i < s->nflight; i++)
		n += s->flight[(s->head + i) % (size_t)s->depth].len;
	return (n);
}

/*
 * The filling batch joins the pipeline: it swaps places with the free
 * slot after the newest, and the message sequence numbers go on from
 * where it left them (unique per sink, for the DLQ's reports).
 */
static void
flush_push(struct sink *s)
{
	struct batch	 tmp, *slot;

	slot = &s->flight[(s->head + s->nflight) % (size_t)s->depth];
	tmp = *slot;
	*slot = s->batch;
	s->batch = tmp;
	s->batch.next_seq = slot->next_seq;
	s->nflight++;
}

/* The oldest batch in flight is stored (or emptied): its slot is free. */
static void
flush_pop(struct sink *s)
{
	s->head = (s->head + 1) % (size_t)s->depth;
	s->nflight--;
}

/*
 * The filling batch is ready: into the store, pipelined if it can be.
 * It is written out before the replies of the batches before it are
 * read; once depth batches are in flight, the oldest one's replies are
 * read and it is committed, so the store works on the newer ones while
 * the sink commits, polls and decodes.
 */
void
sink_dispatch(struct sink *s)
{
	char	err[512];
	int64_t	t0;

	if (s->ops->send == NULL || s->depth < 2 || s->paused) {
		(void)sink_drain(s, FLUSH_UNTIL_STORED);
		return;
	}
	/* Batches left unsent by a failure, revoke or stop go first. */
	if (s->nflight > 0 && !sink_flight(s, 0)->sent &&
	    sink_settle_all(s, FLUSH_UNTIL_STORED) == -1)
		return;
	if (flush_dlq(s, &s->batch, err, sizeof(err)) == -1 ||
	    batch_votes(&s->batch) == -1) {
		(void)sink_drain(s, FLUSH_UNTIL_STORED);
		return;
	}
	t0 = marimba_now_ms();
	if (s->batch.nvotes > 0 && s->ops->send(s, s->batch.votes,
	    s->batch.nvotes, err, sizeof(err)) == -1) {
		s->stats.store_ms += (uint64_t)(marimba_now_ms() - t0);
		/* The connection went with whatever was in flight. */
		(void)sink_drain(s, FLUSH_UNTIL_STORED);
		return;
	}
	s->stats.store_ms += (uint64_t)(marimba_now_ms() - t0);
	s->batch.sent = 1;
	flush_push(s);

	/* The pipeline is full: the oldest batch's replies and commit. */
	if (s->nflight >= (size_t)s->depth)
		(void)sink_settle(s, FLUSH_UNTIL_STORED);
}

/*
 * The oldest batch in flight: its replies, then its commit. If they
 * fail, whatever was sent after it is lost with the connection (their
 * sent flags are cleared), and every batch in flight is retried
 * synchronously, oldest first.
 */
int
sink_settle(struct sink *s, enum sink_flush_mode mode)
{
	struct batch	*b;
	char		 err[512];
	size_t		 fresh, i;
	int64_t		 t0;
	int		 rv;

	if (s->nflight == 0)
		return (0);
	b = sink_flight(s, 0);
	if (b->sent) {
		rv = 0;
		fresh = 0;
		t0 = marimba_now_ms();
		if (b->nvotes > 0)
			rv = s->ops->recv(s, b->nvotes, &fresh, err,
			    sizeof(err));
		s->stats.store_ms += (uint64_t)(marimba_now_ms() - t0);
		b->sent = 0;
		if (rv == 0) {
			s->stats.fresh += fresh;
			flush_state(s, s->name, &s->down, 0, err, 0);
			flush_done(s, b, mode);
			flush_pop(s);
			return (0);
		}
		for (i = 1; i < s->nflight; i++)
			sink_flight(s, i)->sent = 0;
		/* Logged as the store going down: the retry may well work. */
		flush_state(s, s->name, &s->down, -1, err,
		    SINK_BACKOFF_MIN_MS);
	}
	/* Nothing of the pipeline is left: each one synchronously. */
	while (s->nflight > 0 && !sink_flight(s, 0)->sent) {
		if (sink_flush(s, sink_flight(s, 0), mode) == -1)
			return (-1);
		flush_pop(s);
	}
	return (0);
}

/* Every batch in flight, oldest first. */
int
sink_settle_all(struct sink *s, enum sink_flush_mode mode)
{
	while (s->nflight > 0)
		if (sink_settle(s, mode) == -1)
			return (-1);
	return (0);
}

/* Everything in flight, then the filling batch: revoke, stop, outage. */
int
sink_drain(struct sink *s, enum sink_flush_mode mode)
{
	if (sink_settle_all(s, mode) == -1)
		return (-1);
	s->batch.sent = 0;	/* a settled pipeline has nothing after it */
	return (sink_flush(s, &s->batch, mode));
}

int
sink_flush(struct sink *s, struct batch *b, enum sink_flush_mode mode)
{
	char	err[512];
	int64_t	deadline;
	int	backoff, rv;

	if (b->len == 0) {
		/* A revoke took what was left of a failing batch. */
		if (s->paused && !s->flushing && (s->nflight == 0 ||
		    (s->nflight == 1 && sink_flight(s, 0) == b))) {
			kafka_in_resume(s);
			s->paused = 0;
		}
		return (0);
	}
	if (mode == FLUSH_REVOKE)
		deadline = marimba_now_ms() + SINK_REVOKE_MS;
	else if (mode == FLUSH_STOP)
		deadline = marimba_now_ms() + SINK_STOP_MS;
	else
		deadline = INT64_MAX;

	s->flushing = 1;
	backoff = SINK_BACKOFF_MIN_MS;
	for (;;) {
		rv = flush_dlq(s, b, err, sizeof(err));
		flush_state(s, "dlq", &s->dlq_down, rv, err, backoff);
		if (rv == 0) {
			rv = flush_store(s, b, err, sizeof(err));
			flush_state(s, s->name, &s->down, rv, err, backoff);
		}
		if (rv == 0)
			break;
		if (b->len == 0)
			break;	/* all of it was revoked meanwhile */
		if (!s->paused) {
			kafka_in_pause(s);
			s->paused = 1;
		}
		if (marimba_now_ms() + backoff > deadline ||
		    (mode == FLUSH_UNTIL_STORED && atomic_load(s->stop))) {
			s->flushing = 0;
			return (-1);
		}
		flush_wait(s, backoff, mode);
		backoff *= 2;
		if (backoff > SINK_BACKOFF_MAX_MS)
			backoff = SINK_BACKOFF_MAX_MS;
	}
	flush_done(s, b, mode);
	s->flushing = 0;
	return (0);
}

void
sink_dlq_done(uint64_t seq, int ok, const char *why, void *arg)
{
	struct sink		*s = arg;
	struct batch_msg	*m;
	size_t			 i;

	m = batch_find_seq(&s->batch, seq);
	for (i = 0; m == NULL && i < s->nflight; i++)
		m = batch_find_seq(sink_flight(s, i), seq);
	if (m == NULL)
		return;
	if (ok)
		m->dlq_done = 1;
	else
		log_warn("dlq: delivery of %s [%d] @%lld failed: %s",
		    rd_kafka_topic_name(m->msg->rkt), (int)m->msg->partition,
		    (long long)m->msg->offset, why);
}

/* Stored: commit, empty the batch, resume if this was an outage. */
static void
flush_done(struct sink *s, struct batch *b, enum sink_flush_mode mode)
{
	flush_commit(s, b, mode);
	batch_clear(b);
	if (s->paused) {
		kafka_in_resume(s);
		s->paused = 0;
	}
}

static int
flush_dlq(struct sink *s, struct batch *b, char *err, size_t errlen)
{
	struct batch_msg	*m;
	size_t			 i, sent;

	if (s->dlq == NULL)
		return (0);
	sent = 0;
	for (i = 0; i < b->len; i++) {
		m = &b->msgs[i];
		if (m->dlq_done)
			continue;
		if (dlq_send(s->dlq, m->msg, m->reason, m->seq, err,
		    errlen) == -1)
			return (-1);
		log_warn("poison message %s [%d] @%lld to %s: %s",
		    rd_kafka_topic_name(m->msg->rkt), (int)m->msg->partition,
		    (long long)m->msg->offset, s->cfg.kafka_dlq_topic,
		    m->reason);
		sent++;
	}
	if (sent == 0)
		return (0);
	(void)dlq_wait(s->dlq, 10000);
	for (i = 0; i < b->len; i++) {
		if (!b->msgs[i].dlq_done) {
			(void)snprintf(err, errlen,
			    "%s: no delivery report from the broker",
			    s->cfg.kafka_dlq_topic);
			return (-1);
		}
	}
	s->stats.poison += sent;
	return (0);
}

/* The batch's votes (poison left out) into the store, all or nothing. */
static int
flush_store(struct sink *s, struct batch *b, char *err, size_t errlen)
{
	size_t	fresh;
	int64_t	t0;
	int	rv;

	if (batch_votes(b) == -1) {
		(void)snprintf(err, errlen, "out of memory building a batch");
		return (-1);
	}
	if (b->nvotes == 0)
		return (0);
	fresh = 0;
	t0 = marimba_now_ms();
	rv = s->ops->store(s, b->votes, b->nvotes, &fresh, err, errlen);
	s->stats.store_ms += (uint64_t)(marimba_now_ms() - t0);
	if (rv == 0)
		s->stats.fresh += fresh;
	return (rv);
}

/*
 * Commit of the highest stored offset + 1 per partition: the batch's
 * offsets join the sink's pending ones, which go out asynchronously in
 * the main loop at most every SINK_COMMIT_MS (and as soon as the stream
 * is idle, sink_commit_pending): small batches (a linger of 0 at a low
 * rate makes hundreds a second) must not cost the broker a commit each.
 * Delaying a commit only means a crash rereads a little more, which the
 * idempotent writes make harmless. At a revoke or the stop the pending
 * offsets are committed synchronously, which so also waits for the
 * commits before, but for FLUSH_COMMIT_WAIT_MS at most
 * (flush_commit_bounded): while the group coordinator moves a commit can
 * wait for it for tens of seconds, and the loop, its health line and the
 * liveness heartbeat must go on. If a commit fails or is not answered in
 * time (e.g. the partition moved on) the next owner reads those messages
 * again.
 */
static void
flush_commit(struct sink *s, struct batch *b, enum sink_flush_mode mode)
{
	rd_kafka_topic_partition_list_t	*offsets;
	rd_kafka_topic_partition_t	*tp, *have;
	rd_kafka_timestamp_type_t	 tstype;
	int64_t				 ts;
	size_t				 i, votes;
	int				 k;

	if ((offsets = batch_offsets(b)) == NULL)
		return;
	if (s->pending == NULL)
		s->pending = offsets;
	else {
		for (k = 0; k < offsets->cnt; k++) {
			tp = &offsets->elems[k];
			have = rd_kafka_topic_partition_list_find(s->pending,
			    tp->topic, tp->partition);
			if (have == NULL)
				rd_kafka_topic_partition_list_add(s->pending,
				    tp->topic, tp->partition)->offset =
				    tp->offset;
			else if (tp->offset > have->offset)
				have->offset = tp->offset;
		}
		rd_kafka_topic_partition_list_destroy(offsets);
	}
	s->stats.batches++;
	if (mode != FLUSH_UNTIL_STORED ||
	    marimba_now_ms() - s->last_commit_ms >= SINK_COMMIT_MS)
		sink_commit_pending(s, mode);

	votes = 0;
	for (i = 0; i < b->len; i++) {
		if (!b->msgs[i].poison)
			votes++;
		ts = rd_kafka_message_timestamp(b->msgs[i].msg, &tstype);
		if (ts > s->stats.newest_stored_ts)
			s->stats.newest_stored_ts = ts;
	}
	s->stats.stored += votes;
}

/* The pending offsets out: asynchronously in the loop, else bounded. */
void
sink_commit_pending(struct sink *s, enum sink_flush_mode mode)
{
	rd_kafka_resp_err_t	rerr;
	int64_t			t0;

	if (s->pending == NULL)
		return;
	t0 = marimba_now_ms();
	if (mode == FLUSH_UNTIL_STORED)
		rerr = rd_kafka_commit(s->rk, s->pending, 1);
	else
		rerr = flush_commit_bounded(s, s->pending);
	s->last_commit_ms = marimba_now_ms();
	s->stats.commit_ms += (uint64_t)(s->last_commit_ms - t0);
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR)
		log_warn("%s sink: commit of %d partitions failed: %s (the "
		    "messages will be read again, writes are idempotent)",
		    s->name, s->pending->cnt, rd_kafka_err2str(rerr));
	else
		s->stats.commits++;
	rd_kafka_topic_partition_list_destroy(s->pending);
	s->pending = NULL;
}

/*
 * Before a revoke drops messages: waits for the store's answer to every
 * batch still in flight and forgets them (nothing is committed). A store
 * may still be reading those votes (the mongo sink's insert workers), so
 * they must not be freed under it, and an answer left behind would be
 * taken for the next batch's. What was stored stays stored: the writes
 * are idempotent, and the next owner reads the messages again.
 */
void
sink_abandon_in_flight(struct sink *s)
{
	struct batch	*b;
	char		 err[512];
	size_t		 fresh, i;
	int		 lost;

	lost = 0;
	for (i = 0; i < s->nflight; i++) {	/* oldest first */
		b = sink_flight(s, i);
		if (!b->sent)
			continue;
		b->sent = 0;
		/* A failed answer took those sent after it along. */
		if (lost || b->nvotes == 0)
			continue;
		fresh = 0;
		if (s->ops->recv(s, b->nvotes, &fresh, err, sizeof(err)) == 0)
			s->stats.fresh += fresh;
		else
			lost = 1;
	}
}

/* Drops (uncommitted) the messages of these partitions from every batch. */
size_t
sink_drop_partitions(struct sink *s,
    const rd_kafka_topic_partition_list_t *parts)
{
	size_t	i, dropped;

	dropped = batch_drop_partitions(&s->batch, parts);
	for (i = 0; i < s->nflight; i++)
		dropped += batch_drop_partitions(sink_flight(s, i), parts);
	return (dropped);
}

/* Forgets every batch, uncommitted: the stop gave up on the store. */
void
sink_clear_batches(struct sink *s)
{
	while (s->nflight > 0) {
		batch_clear(sink_flight(s, 0));
		flush_pop(s);
	}
	batch_clear(&s->batch);
}

/* Lost partitions can't be committed: their pending offsets go. */
void
sink_drop_pending(struct sink *s, const rd_kafka_topic_partition_list_t *parts)
{
	int	k;

	if (s->pending == NULL)
		return;
	for (k = 0; k < parts->cnt; k++)
		(void)rd_kafka_topic_partition_list_del(s->pending,
		    parts->elems[k].topic, parts->elems[k].partition);
	if (s->pending->cnt == 0) {
		rd_kafka_topic_partition_list_destroy(s->pending);
		s->pending = NULL;
	}
}

/*
 * A synchronous commit that waits FLUSH_COMMIT_WAIT_MS at most: the
 * result comes on a queue of our own. Unanswered, it is reported as
 * timed out; its late answer is dropped with the queue.
 */
static rd_kafka_resp_err_t
flush_commit_bounded(struct sink *s, rd_kafka_topic_partition_list_t *offsets)
{
	rd_kafka_queue_t	*q;
	rd_kafka_event_t	*ev;
	rd_kafka_resp_err_t	 rerr;

	if ((q = rd_kafka_queue_new(s->rk)) == NULL)
		return (RD_KAFKA_RESP_ERR__FAIL);
	rerr = rd_kafka_commit_queue(s->rk, offsets, q, NULL, NULL);
	if (rerr == RD_KAFKA_RESP_ERR_NO_ERROR) {
		ev = rd_kafka_queue_poll(q, FLUSH_COMMIT_WAIT_MS);
		if (ev == NULL)
			rerr = RD_KAFKA_RESP_ERR__TIMED_OUT;
		else {
			rerr = rd_kafka_event_error(ev);
			rd_kafka_event_destroy(ev);
		}
	}
	rd_kafka_queue_destroy(q);
	return (rerr);
}

/* Logs the store (or the DLQ) going down or coming back, once per change. */
static void
flush_state(struct sink *s, const char *name, int *down, int rv,
    const char *err, int backoff)
{
	if (rv == -1 && !*down) {
		*down = 1;
		log_error("%s down: %s: pausing %s sink's partitions, "
		    "retrying every %d..%d ms", name, err, s->name, backoff,
		    SINK_BACKOFF_MAX_MS);
	} else if (rv == -1) {
		log_debug("%s still down: %s", name, err);
	} else if (rv == 0 && *down) {
		*down = 0;
		log_info("%s back: resuming %s sink", name, s->name);
	}
}

/*
 * Sleeps for the backoff. In the main loop it keeps polling so rebalances
 * and other events are served; paused partitions deliver no new messages,
 * and any that were already fetched join the filling batch. The rebalance
 * callback can't poll (it is called from poll), so it just sleeps.
 */
static void
flush_wait(struct sink *s, int ms, enum sink_flush_mode mode)
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
		if (atomic_load(s->stop) && mode == FLUSH_UNTIL_STORED)
			return;
		sink_periodic(s, marimba_now_ms());
		msg = rd_kafka_consumer_poll(s->rk, left > 100 ? 100 : left);
		if (msg == NULL)
			continue;
		if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			log_debug("%s sink: kafka: %s", s->name,
			    rd_kafka_message_errstr(msg));
			rd_kafka_message_destroy(msg);
			continue;
		}
		if (sink_take(s, msg) == -1) {
			/* Skipping it could commit past it: stop instead. */
			log_error("%s sink: out of memory growing the batch: "
			    "exiting", s->name);
			exit(1);
		}
		kafka_in_pause(s);	/* covers newly assigned partitions */
	}
}
