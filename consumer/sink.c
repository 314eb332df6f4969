/* SPDX-License-Identifier: ISC */
/*
 * A sink's life: created with its store in the main thread, then its own
 * thread joins its consumer group and runs the batch loop (poll until
 * the batch is full or lingered, store, commit) until the process stops;
 * then it stores and commits the batch in flight and leaves the group.
 * Lag and health are measured here, in the sink's thread, and published
 * for /metrics under the sink's mutex and, for the log viewer, in Redis
 * (sink_report.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mongo_inflight.h"
#include "sink.h"
#include "vote_id.h"

static void	*sink_main(void *);
static int	 sink_run(struct sink *);
static int	 sink_top_up(struct sink *);
static void	 sink_health(struct sink *, int64_t, int64_t, double);
static double	 sink_lag_seconds(struct sink *, int64_t, int64_t);
static void	 sink_publish(struct sink *, int64_t, double);

struct sink *
sink_new(const struct marimba_config *cfg, const char *name,
    const atomic_int *stop, char *err, size_t errlen)
{
	struct sink	*s;
	int		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	if (strcmp(name, "redis") == 0)
		s->ops = &redis_sink_ops;
	else if (strcmp(name, "mongo") == 0)
		s->ops = cfg->mongo_inflight > 1 ? &mongo_sink_pipelined_ops :
		    &mongo_sink_ops;
	else {
		(void)snprintf(err, errlen, "unknown sink '%s'", name);
		free(s);
		return (NULL);
	}
	s->name = s->ops->name;
	s->cfg = *cfg;
	s->stop = stop;
	(void)snprintf(s->group, sizeof(s->group), "%s-%s",
	    cfg->consumer_group, s->name);
	s->batch_max = cfg->batch_max;
	s->linger_ms = strcmp(s->name, "redis") == 0 ?
	    cfg->redis_linger_ms : cfg->mongo_linger_ms;
	if (pthread_mutex_init(&s->mtx, NULL) != 0) {
		(void)snprintf(err, errlen, "pthread_mutex_init failed");
		free(s);
		return (NULL);
	}
	s->gauges.name = s->name;
	s->gauges.lag_messages = -1;
	s->gauges.store_up = 1;
	/*
	 * The mongo sink's pipeline: one batch with one insert worker,
	 * else the batches its workers (2..4) may be handed at once.
	 */
	s->depth = strcmp(s->name, "redis") == 0 ? cfg->redis_inflight :
	    cfg->mongo_inflight > 1 ?
	    MONGO_INFLIGHT_BATCHES(cfg->mongo_inflight) : 1;
	if (s->depth < 1 || s->depth > SINK_DEPTH_MAX) {
		(void)snprintf(err, errlen, "%s sink: %d batches in flight: "
		    "1..%d", s->name, s->depth, SINK_DEPTH_MAX);
		goto fail;
	}
	if (batch_init(&s->batch, (size_t)s->batch_max) == -1) {
		(void)snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < s->depth; i++) {
		if (batch_init(&s->flight[i], (size_t)s->batch_max) == -1) {
			(void)snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (strcmp(s->name, "redis") == 0)
		s->store = redis_sink_new(cfg, err, errlen);
	else
		s->store = mongo_sink_new(cfg, err, errlen);
	if (s->store == NULL)
		goto fail;
	if ((s->report = sink_report_new(cfg, s->name)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (s->ops->owns_dlq && (s->dlq = dlq_new(cfg, sink_dlq_done, s,
	    err, errlen)) == NULL)
		goto fail;
	if (kafka_in_open(s, err, errlen) == -1)
		goto fail;
	return (s);
fail:
	sink_free(s);
	return (NULL);
}

void
sink_free(struct sink *s)
{
	int	i;

	if (s == NULL)
		return;
	kafka_in_close(s);
	if (s->pending != NULL)
		rd_kafka_topic_partition_list_destroy(s->pending);
	dlq_free(s->dlq);
	sink_report_free(s->report);
	batch_free(&s->batch);
	for (i = 0; i < SINK_DEPTH_MAX; i++)
		batch_free(&s->flight[i]);
	if (s->store != NULL)
		s->ops->free(s->store);
	(void)pthread_mutex_destroy(&s->mtx);
	free(s);
}

int
sink_start(struct sink *s, char *err, size_t errlen)
{
	char	name[16];	/* a thread's name: 15 characters */
	int	rc;

	atomic_store(&s->alive_ms, (long long)marimba_now_ms());
	atomic_store(&s->running, 1);
	if ((rc = pthread_create(&s->thread, NULL, sink_main, s)) != 0) {
		atomic_store(&s->running, 0);
		(void)snprintf(err, errlen, "pthread_create: %s",
		    strerror(rc));
		return (-1);
	}
	s->started = 1;
	/* sink-redis, sink-mongo: in top -H and bench/consumer-bench. */
	(void)snprintf(name, sizeof(name), "sink-%s", s->name);
	(void)pthread_setname_np(s->thread, name);
	return (0);
}

void
sink_join(struct sink *s)
{
	if (!s->started)
		return;
	(void)pthread_join(s->thread, NULL);
	s->started = 0;
}

void
sink_gauges(struct sink *s, struct sink_gauges *g)
{
	(void)pthread_mutex_lock(&s->mtx);
	*g = s->gauges;
	(void)pthread_mutex_unlock(&s->mtx);
}

int
sink_take(struct sink *s, rd_kafka_message_t *msg)
{
	struct batch_msg	*m;

	s->stats.consumed++;
	if (batch_add(&s->batch, msg) == -1)
		return (-1);
	m = &s->batch.msgs[s->batch.len - 1];
	if (m->poison && s->dlq == NULL) {
		/* The DLQ is the redis sink's: just go past it. */
		m->dlq_done = 1;
		s->stats.skipped++;
	}
	return (0);
}

static void *
sink_main(void *arg)
{
	struct sink	*s = arg;

	log_info("%s sink: consuming %s on %s as group %s; batch %d, "
	    "linger %d ms", s->name, s->cfg.kafka_topic,
	    s->cfg.kafka_brokers, s->group, s->batch_max, s->linger_ms);
	s->rv = sink_run(s);
	kafka_in_close(s);
	log_info("%s sink stopped: %llu messages, %llu votes stored, %llu "
	    "new, %llu to the dlq, %llu poison skipped; %llu batches, ms in "
	    "%s %llu, commit %llu, poll %llu, top-up %llu", s->name,
	    (unsigned long long)s->stats.consumed,
	    (unsigned long long)s->stats.stored,
	    (unsigned long long)s->stats.fresh,
	    (unsigned long long)s->stats.poison,
	    (unsigned long long)s->stats.skipped,
	    (unsigned long long)s->stats.batches, s->name,
	    (unsigned long long)s->stats.store_ms,
	    (unsigned long long)s->stats.commit_ms,
	    (unsigned long long)s->stats.poll_ms,
	    (unsigned long long)s->stats.topup_ms);
	atomic_store(&s->running, 0);
	return (NULL);
}

/* The batch loop; returns the exit status. */
static int
sink_run(struct sink *s)
{
	rd_kafka_message_t	*msg;
	int64_t			 now;
	int			 wait;

	s->stats.last_health_ms = marimba_now_ms();
	while (!atomic_load(s->stop)) {
		/* The poll returns at the first message. */
		wait = SINK_IDLE_POLL_MS;
		if (s->batch.len > 0) {
			wait = (int)(s->batch.started_ms + s->linger_ms -
			    marimba_now_ms());
			if (wait < 0)
				wait = 0;
		}
		now = marimba_now_ms();
		msg = rd_kafka_consumer_poll(s->rk, wait);
		if (s->stats.consumed > 0)	/* not the group's join */
			s->stats.poll_ms += (uint64_t)(marimba_now_ms() - now);
		if (msg != NULL && msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				log_warn("%s sink: kafka: %s", s->name,
				    rd_kafka_message_errstr(msg));
			rd_kafka_message_destroy(msg);
			msg = NULL;
		}
		if (msg != NULL && sink_take(s, msg) == -1) {
			log_error("%s sink: out of memory growing the batch",
			    s->name);
			rd_kafka_message_destroy(msg);
			return (1);
		}

		now = marimba_now_ms();
		if (s->batch.len >= (size_t)s->batch_max ||
		    (s->batch.len > 0 &&
		    now - s->batch.started_ms >= s->linger_ms)) {
			if (sink_top_up(s) == -1)
				return (1);
			sink_dispatch(s);
		}
		else if (msg == NULL && s->nflight > 0)	/* idle */
			(void)sink_settle_all(s, FLUSH_UNTIL_STORED);
		else if (s->batch.len == 0 && s->paused)
			(void)sink_drain(s, FLUSH_UNTIL_STORED);
		now = marimba_now_ms();
		if (s->pending != NULL && ((msg == NULL && s->batch.len == 0 &&
		    s->nflight == 0) ||
		    now - s->last_commit_ms >= SINK_COMMIT_MS))
			sink_commit_pending(s, FLUSH_UNTIL_STORED);
		if (s->ops->tick != NULL)
			s->ops->tick(s, now);
		sink_periodic(s, now);
	}

	log_info("%s sink stopping: storing the last batches (%zu messages)",
	    s->name, sink_in_flight(s));
	if (sink_drain(s, FLUSH_STOP) == -1) {
		sink_commit_pending(s, FLUSH_STOP);	/* what is stored */
		log_error("%s sink: %s unavailable: leaving %zu messages "
		    "uncommitted; they will be read again", s->name, s->name,
		    sink_in_flight(s));
		sink_clear_batches(s);
		return (1);
	}
	sink_commit_pending(s, FLUSH_STOP);
	return (0);
}

/*
 * The batch is due: before it goes, it takes every message librdkafka
 * already holds (up to the batch's size), without waiting for more. The
 * linger only bounds the wait for messages still to come, so a linger of
 * 0 sends what is there at once, and a busy stream still fills batches:
 * what arrives while the store works on one batch joins the next.
 */
static int
sink_top_up(struct sink *s)
{
	rd_kafka_message_t	*msg;
	int64_t			 t0;

	t0 = marimba_now_ms();
	while (s->batch.len < (size_t)s->batch_max &&
	    (msg = rd_kafka_consumer_poll(s->rk, 0)) != NULL) {
		if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				log_warn("%s sink: kafka: %s", s->name,
				    rd_kafka_message_errstr(msg));
			rd_kafka_message_destroy(msg);
			continue;
		}
		if (sink_take(s, msg) == -1) {
			log_error("%s sink: out of memory growing the batch",
			    s->name);
			rd_kafka_message_destroy(msg);
			return (-1);
		}
	}
	s->stats.topup_ms += (uint64_t)(marimba_now_ms() - t0);
	return (0);
}

/*
 * Lag (every SINK_LAG_MS) and the health line (every SINK_HEALTH_MS);
 * also called while a flush is backing off, so a sink waiting for its
 * store still shows its growing lag and stays alive.
 */
void
sink_periodic(struct sink *s, int64_t now)
{
	int64_t	lag;
	double	secs;
	int	nparts;

	atomic_store(&s->alive_ms, (long long)now);
	if (now - s->stats.last_lag_ms < SINK_LAG_MS)
		return;
	s->stats.last_lag_ms = now;
	lag = kafka_in_lag(s, &nparts);
	secs = sink_lag_seconds(s, lag, now);
	sink_publish(s, lag, secs);
	/* For the log viewer: how far the logs are behind the tallies. */
	if (lag >= 0)
		sink_report_send(s->report, marimba_mono_ms(),
		    (int64_t)(secs * 1000), s->stats.newest_stored_ts);
	if (now - s->stats.last_health_ms >= SINK_HEALTH_MS)
		sink_health(s, now, lag, secs);
}

/*
 * Age of the oldest vote the store lacks: the head of the batch in
 * flight, else (the batch is empty but Kafka holds more) the newest
 * stored one, a lower bound of the next one's age.
 */
static double
sink_lag_seconds(struct sink *s, int64_t lag, int64_t now)
{
	rd_kafka_timestamp_type_t	tstype;
	const struct batch		*b;
	int64_t				ts, oldest;
	size_t				i, k;

	if (lag <= 0)
		return (0);
	oldest = 0;
	for (k = 0; k <= s->nflight; k++) {
		b = k < s->nflight ? sink_flight(s, k) : &s->batch;
		for (i = 0; i < b->len; i++) {
			ts = rd_kafka_message_timestamp(b->msgs[i].msg,
			    &tstype);
			if (ts > 0 && (oldest == 0 || ts < oldest))
				oldest = ts;
		}
	}
	if (oldest == 0)
		oldest = s->stats.newest_stored_ts;
	if (oldest <= 0 || oldest > now)
		return (0);
	return ((double)(now - oldest) / 1000.0);
}

static void
sink_publish(struct sink *s, int64_t lag, double secs)
{
	struct sink_gauges	*g = &s->gauges;

	(void)pthread_mutex_lock(&s->mtx);
	g->consumed = s->stats.consumed;
	g->stored = s->stats.stored;
	g->fresh = s->stats.fresh;
	g->poison = s->stats.poison;
	g->batches = s->stats.batches;
	g->store_ms = s->stats.store_ms;
	g->lag_messages = lag;
	g->lag_seconds = secs;
	g->store_up = !s->down;
	g->paused = s->paused;
	(void)pthread_mutex_unlock(&s->mtx);
}

static void
sink_health(struct sink *s, int64_t now, int64_t lag, double secs)
{
	double	span, rate;

	span = (double)(now - s->stats.last_health_ms) / 1000.0;
	rate = span > 0 ? (double)(s->stats.consumed -
	    s->stats.last_consumed) / span : 0;
	log_info("%s sink health: %.0f msg/s, consumed %llu, stored %llu, "
	    "dlq %llu, lag %lld messages %.1f s%s", s->name, rate,
	    (unsigned long long)s->stats.consumed,
	    (unsigned long long)s->stats.stored,
	    (unsigned long long)s->stats.poison, (long long)lag, secs,
	    s->paused ? ", PAUSED (store down)" : "");
	s->stats.last_consumed = s->stats.consumed;
	s->stats.last_health_ms = now;
}
