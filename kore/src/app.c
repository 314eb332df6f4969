/*
 * Module hooks: the parent loads the configuration once; each worker then
 * makes its own Kafka producer (librdkafka's threads do not survive fork),
 * a pipe in Kore's event loop that librdkafka signals when delivery
 * reports are ready (plus a slow safety-net timer), and the readiness
 * thread; on shutdown the worker flushes the producer and answers what is
 * parked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <kore/hooks.h>

#include "app.h"

/*
 * Delivery reports are served when librdkafka signals the notify pipe;
 * the timer is only a safety net.
 */
#define APP_POLL_MS		100
/*
 * Kore accepts bodies up to this many times MARIMBA_MAX_BODY, so bodies
 * over the limit get our JSON 413 rather than Kore's empty one; those
 * over MARIMBA_MAX_BODY are spooled to disk (http_body_disk_path), never
 * held in memory, and votes.c refuses them without reading.
 */
#define APP_BODY_SLACK		64
/* Rounds of http_process() at shutdown to answer parked requests. */
#define APP_DRAIN_ROUNDS	50

static struct app	app;

static void	app_poll(void *, u_int64_t);
static void	app_drain(struct app *);
static void	app_notified(void *, int);

struct app *
app_get(void)
{
	return (&app);
}

void
kore_parent_configure(int argc, char **argv)
{
	char	err[256];

	(void)argc;
	(void)argv;

	/* Log lines reach a pipe or file as they happen. */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	(void)setvbuf(stderr, NULL, _IOLBF, 0);

	if (marimba_config_load(&app.cfg, err, sizeof(err)) == -1)
		fatal("marimba: configuration: %s", err);
	app.limits.max_body = app.cfg.max_body;
	app.limits.max_batch = app.cfg.max_batch;
	http_body_max = app.cfg.max_body * APP_BODY_SLACK;
	if (web_parent_configure(&app, err, sizeof(err)) == -1)
		fatal("marimba: log viewer: %s", err);
	kore_log(LOG_NOTICE, "marimba: topic %s on %s, ack timeout %d ms",
	    app.cfg.kafka_topic, app.cfg.kafka_brokers,
	    app.cfg.ack_timeout_ms);
}

void
kore_worker_configure(void)
{
	char	err[512];

	LIST_INIT(&app.parked);
	app.stopping = 0;
	http_body_max = app.cfg.max_body * APP_BODY_SLACK;
	http_body_disk_offload = app.cfg.max_body;

	app.producer = vote_producer_new(&app.cfg, votes_delivered, &app,
	    err, sizeof(err));
	if (app.producer == NULL)
		fatal("marimba: kafka producer: %s", err);
	app.readiness = readiness_start(app.producer, 1000, err, sizeof(err));
	if (app.readiness == NULL)
		fatal("marimba: readiness: %s", err);
	if (pipe2(app.notify_fd, O_NONBLOCK | O_CLOEXEC) == -1)
		fatal("marimba: pipe2: %s", errno_s);
	app.notify_evt.type = 0;
	app.notify_evt.flags = 0;
	app.notify_evt.handle = app_notified;
	kore_platform_event_level_read(app.notify_fd[0], &app.notify_evt);
	vote_producer_notify_fd(app.producer, app.notify_fd[1]);
	app.poll_timer = kore_timer_add(app_poll, APP_POLL_MS, &app, 0);
	if (web_worker_configure(&app, err, sizeof(err)) == -1)
		fatal("marimba: log viewer: %s", err);
}

void
kore_worker_teardown(void)
{
	app.stopping = 1;
	if (app.poll_timer != NULL) {
		kore_timer_remove(app.poll_timer);
		app.poll_timer = NULL;
	}
	readiness_stop(app.readiness);
	app.readiness = NULL;
	/* Answer the parked votes first; the log viewer's stores last. */
	if (app.producer != NULL)
		app_drain(&app);
	web_worker_teardown(&app);
}

/* Flushes the producer, answers every parked request, frees the producer. */
static void
app_drain(struct app *a)
{
	int	i, left;

	kore_log(LOG_NOTICE, "marimba: stopping: %zu requests parked, "
	    "%d messages in flight", votes_parked_count(a),
	    vote_producer_queue_len(a->producer));

	/* Delivery reports served here wake the parked requests. */
	if (vote_producer_flush(a->producer, a->cfg.ack_timeout_ms) != 0) {
		kore_log(LOG_NOTICE, "marimba: %d messages unreported at exit",
		    vote_producer_queue_len(a->producer));
	}
	votes_fail_parked(a);
	for (i = 0; i < APP_DRAIN_ROUNDS && http_request_count > 0; i++)
		http_process();

	left = vote_producer_queue_len(a->producer);
	vote_producer_free(a->producer);
	a->producer = NULL;
	/* Closing the fd also takes it out of Kore's epoll set. */
	(void)close(a->notify_fd[0]);
	(void)close(a->notify_fd[1]);
	kore_log(LOG_NOTICE, "marimba: worker stopped (%d unreported)", left);
}

static void
app_poll(void *arg, u_int64_t now)
{
	struct app	*a = arg;

	(void)now;
	(void)vote_producer_poll(a->producer, 0);
}

/* librdkafka wrote to the notify pipe: empty it and serve the reports. */
static void
app_notified(void *evt, int err)
{
	char	buf[256];

	(void)evt;
	(void)err;
	while (read(app.notify_fd[0], buf, sizeof(buf)) > 0)
		;
	if (app.producer != NULL)
		(void)vote_producer_poll(app.producer, 0);
}
