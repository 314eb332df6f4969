/* SPDX-License-Identifier: ISC */
/*
 * The votes concern's hooks (run by core/app.c): the parent sets Kore's
 * body limits; each worker then makes its own Kafka producer
 * (librdkafka's threads do not survive fork), a pipe in Kore's event
 * loop that librdkafka signals when delivery reports are ready (plus a
 * slow safety-net timer), and the readiness thread; on shutdown the
 * worker flushes the producer and answers what is parked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/app.h"
#include "core/metrics.h"
#include "ingest.h"
#include "readiness.h"
#include "vote_producer.h"

/*
 * Delivery reports are served when librdkafka signals the notify pipe;
 * the timer is only a safety net.
 */
#define VOTES_POLL_MS		100
/*
 * Kore accepts bodies up to this many times MARIMBA_MAX_BODY, so bodies
 * over the limit get our JSON 413 rather than Kore's empty one; those
 * over MARIMBA_MAX_BODY are spooled to disk (http_body_disk_path), never
 * held in memory, and votes.c refuses them without reading.
 */
#define VOTES_BODY_SLACK	64
/* Rounds of http_process() at shutdown to answer parked requests. */
#define VOTES_DRAIN_ROUNDS	50
/* How long one readiness check may wait for the broker. */
#define VOTES_READY_TIMEOUT_MS	1000
/* Bytes read from the notify pipe at a time. */
#define VOTES_NOTIFY_BUF	256
/* Bytes of a failed step's reason. */
#define VOTES_ERR_MAX		256

static int	votes_parent_init(struct app *, char *, size_t);
static int	votes_worker_init(struct app *, char *, size_t);
static void	votes_worker_fini(struct app *);
static void	votes_ready(struct app *, struct app_ready *);
static void	votes_drain(struct votes *, int);
static void	votes_poll(void *, u_int64_t);
static void	votes_notified(void *, int);
static long long	votes_queue_len(void *);

const struct app_concern	votes_concern = {
	.name = "votes",
	.parent_init = votes_parent_init,
	.worker_init = votes_worker_init,
	.worker_fini = votes_worker_fini,
	.ready = votes_ready,
};

struct votes *
votes_state(void)
{
	return (app_state(app_get(), &votes_concern));
}

static int
votes_parent_init(struct app *app, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	http_body_max = app->cfg.max_body * VOTES_BODY_SLACK;
	kore_log(LOG_NOTICE, "marimba: topic %s on %s, ack timeout %d ms",
	    app->cfg.kafka_topic, app->cfg.kafka_brokers,
	    app->cfg.ack_timeout_ms);
	return (0);
}

static int
votes_worker_init(struct app *app, char *err, size_t errlen)
{
	struct votes	*v;
	char		 why[VOTES_ERR_MAX];

	http_body_max = app->cfg.max_body * VOTES_BODY_SLACK;
	http_body_disk_offload = app->cfg.max_body;
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	LIST_INIT(&v->parked);
	v->notify_fd[0] = v->notify_fd[1] = -1;
	v->limits.max_body = app->cfg.max_body;
	v->limits.max_batch = app->cfg.max_batch;
	app_state_set(app, &votes_concern, v);

	v->producer = vote_producer_new(&app->cfg, votes_delivered, v,
	    why, sizeof(why));
	if (v->producer == NULL) {
		(void)snprintf(err, errlen, "kafka producer: %s", why);
		return (-1);
	}
	v->readiness = readiness_start(v->producer, VOTES_READY_TIMEOUT_MS,
	    why, sizeof(why));
	if (v->readiness == NULL) {
		(void)snprintf(err, errlen, "readiness: %s", why);
		return (-1);
	}
	if (pipe2(v->notify_fd, O_NONBLOCK | O_CLOEXEC) == -1) {
		(void)snprintf(err, errlen, "pipe2: %s", errno_s);
		return (-1);
	}
	v->notify_evt.type = 0;
	v->notify_evt.flags = 0;
	v->notify_evt.handle = votes_notified;
	kore_platform_event_level_read(v->notify_fd[0], &v->notify_evt);
	vote_producer_notify_fd(v->producer, v->notify_fd[1]);
	v->poll_timer = kore_timer_add(votes_poll, VOTES_POLL_MS, v, 0);
	metrics_queue_source(app, votes_queue_len, v);
	return (0);
}

static void
votes_worker_fini(struct app *app)
{
	struct votes	*v = app_state(app, &votes_concern);

	if (v == NULL)
		return;
	if (v->poll_timer != NULL) {
		kore_timer_remove(v->poll_timer);
		v->poll_timer = NULL;
	}
	readiness_stop(v->readiness);
	v->readiness = NULL;
	if (v->producer != NULL)
		votes_drain(v, app->cfg.ack_timeout_ms);
	metrics_queue_source(app, NULL, NULL);
	app_state_set(app, &votes_concern, NULL);
	free(v);
}

/* Kafka: not while stopping, and only once the broker answered. */
static void
votes_ready(struct app *app, struct app_ready *r)
{
	struct votes	*v = app_state(app, &votes_concern);

	app_ready_add(r, "kafka", !app->stopping && v != NULL &&
	    v->readiness != NULL && readiness_kafka_up(v->readiness));
}

/* Flushes the producer, answers every parked request, frees the producer. */
static void
votes_drain(struct votes *v, int ack_timeout_ms)
{
	int	i, left;

	kore_log(LOG_NOTICE, "marimba: stopping: %zu requests parked, "
	    "%d messages in flight", votes_parked_count(&v->parked),
	    vote_producer_queue_len(v->producer));

	/* Delivery reports served here wake the parked requests. */
	if (vote_producer_flush(v->producer, ack_timeout_ms) != 0) {
		kore_log(LOG_NOTICE, "marimba: %d messages unreported at exit",
		    vote_producer_queue_len(v->producer));
	}
	votes_fail_parked(&v->parked);
	for (i = 0; i < VOTES_DRAIN_ROUNDS && http_request_count > 0; i++)
		http_process();

	left = vote_producer_queue_len(v->producer);
	vote_producer_free(v->producer);
	v->producer = NULL;
	/* Closing the fd also takes it out of Kore's epoll set. */
	(void)close(v->notify_fd[0]);
	(void)close(v->notify_fd[1]);
	kore_log(LOG_NOTICE, "marimba: worker stopped (%d unreported)", left);
}

static void
votes_poll(void *arg, u_int64_t now)
{
	struct votes	*v = arg;

	(void)now;
	(void)vote_producer_poll(v->producer, 0);
}

/*
 * librdkafka wrote to the notify pipe: empty it and serve the reports.
 * Kore passes the event, the first member of struct votes.
 */
static void
votes_notified(void *evt, int err)
{
	struct votes	*v = evt;
	char		 buf[VOTES_NOTIFY_BUF];

	(void)err;
	while (read(v->notify_fd[0], buf, sizeof(buf)) > 0)
		;
	if (v->producer != NULL)
		(void)vote_producer_poll(v->producer, 0);
}

/* The producer queue gauge of /metrics; -1 once the producer is gone. */
static long long
votes_queue_len(void *arg)
{
	struct votes	*v = arg;

	if (v->producer == NULL)
		return (-1);
	return (vote_producer_queue_len(v->producer));
}
