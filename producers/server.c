/* SPDX-License-Identifier: ISC */
/*
 * The completion-queue loops of marimba-grpc (see server.h): starts the
 * gRPC server with its bounds, drives the calls, marks the end of each
 * burst for the burst thread, runs the thread that serves delivery
 * reports and shuts down gracefully when a signal arrives.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#include "clock.h"
#include "log.h"
#include "server.h"
#include "server_call.h"

#define LOOP_WAIT_MS	50	/* queue wait: sweeps and signals between */
#define REPORTS_WAIT_MS	100	/* delivery-report wait: checks for stop */
#define SHUTDOWN_GRACE_MS 2000	/* past ack_timeout_ms, then cancel calls */
#define SERVER_NARGS	8

static void	 server_args(struct server *, grpc_arg *, grpc_channel_args *);
static void	 server_begin_shutdown(struct server *);
static int	 server_shutdown_step(struct server *, int64_t);
static int	 server_signalled(int);
static void	 server_event(struct server *, grpc_event *);
static void	*server_reports(void *);
static void	 server_produce_parked(void *);
static void	 server_reports_stop(struct server *);

int
server_init(struct server *s, const struct marimba_config *cfg, char *err,
    size_t errlen)
{
	grpc_server_credentials	*creds;
	grpc_arg		 argv[SERVER_NARGS];
	grpc_channel_args	 args;
	int			 i;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	TAILQ_INIT(&s->calls);
	TAILQ_INIT(&s->parked);
	s->shutdown_tag.kind = TAG_SHUTDOWN;
	s->refusals.since_ms = server_now_ms();
	if (pthread_mutex_init(&s->mu, NULL) != 0) {
		snprintf(err, errlen, "cannot create the server mutex");
		return (-1);
	}
	if ((s->peers = peer_table_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}

	if ((s->vp = vote_producer_new(cfg, server_delivered, s, err,
	    errlen)) == NULL)
		return (-1);
	if ((s->health = health_probe_start(s->vp)) == NULL) {
		snprintf(err, errlen, "cannot start the health probe");
		return (-1);
	}

	server_args(s, argv, &args);
	s->cq = grpc_completion_queue_create_for_next(NULL);
	if ((s->srv = grpc_server_create(&args, NULL)) == NULL) {
		snprintf(err, errlen, "grpc_server_create failed");
		return (-1);
	}
	grpc_server_register_completion_queue(s->srv, s->cq, NULL);
	if (call_register_methods(s) == -1) {
		snprintf(err, errlen, "cannot register the methods");
		return (-1);
	}

	creds = grpc_insecure_server_credentials_create();
	s->port = grpc_server_add_http2_port(s->srv, cfg->grpc_addr, creds);
	grpc_server_credentials_release(creds);
	if (s->port == 0) {
		snprintf(err, errlen, "cannot listen on %s", cfg->grpc_addr);
		grpc_server_destroy(s->srv);
		s->srv = NULL;
		return (-1);
	}
	grpc_server_start(s->srv);

	for (i = 0; i < SERVER_REQUESTS * METHOD_COUNT; i++) {
		if (call_request(s, (enum call_method)(i % METHOD_COUNT)) ==
		    -1) {
			snprintf(err, errlen,
			    "grpc_server_request_call failed");
			return (-1);
		}
	}

	if (pthread_create(&s->reports, NULL, server_reports, s) != 0) {
		snprintf(err, errlen,
		    "cannot start the delivery-report thread");
		return (-1);
	}
	s->reports_started = 1;
	if (burst_start(&s->burst, &s->mu, s->vp, cfg->grpc.burst_votes,
	    cfg->grpc.burst_wait_ms, server_produce_parked, s) == -1) {
		snprintf(err, errlen, "cannot start the burst thread");
		return (-1);
	}
	return (0);
}

/*
 * The bounds of docs/grpc.md as channel args. The transport advertises
 * twice MARIMBA_GRPC_MAX_STREAMS (at least 16 more): calls up to that are
 * answered RESOURCE_EXHAUSTED by call_start(), beyond it the HTTP/2 layer
 * holds them back, so a client flooding one connection costs the server
 * neither memory nor a call each.
 */
static void
server_args(struct server *s, grpc_arg *argv, grpc_channel_args *args)
{
	const struct marimba_grpc_limits	*g = &s->cfg->grpc;
	int					 n, streams;

	streams = g->max_streams * 2;
	if (streams < g->max_streams + 16)
		streams = g->max_streams + 16;

	memset(argv, 0, SERVER_NARGS * sizeof(*argv));
	n = 0;
	argv[n].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	argv[n++].value.integer = SERVER_MAX_MESSAGE;
	argv[n].key = GRPC_ARG_MAX_CONCURRENT_STREAMS;
	argv[n++].value.integer = streams;
	argv[n].key = GRPC_ARG_KEEPALIVE_TIME_MS;
	argv[n++].value.integer = g->keepalive_ms;
	argv[n].key = GRPC_ARG_KEEPALIVE_TIMEOUT_MS;
	argv[n++].value.integer = g->keepalive_timeout_ms;
	argv[n].key = GRPC_ARG_MAX_CONNECTION_IDLE_MS;
	argv[n++].value.integer = g->idle_ms;
	if (g->max_age_ms > 0) {
		argv[n].key = GRPC_ARG_MAX_CONNECTION_AGE_MS;
		argv[n++].value.integer = g->max_age_ms;
		argv[n].key = GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS;
		argv[n++].value.integer = g->age_grace_ms;
	}
	args->num_args = (size_t)n;
	args->args = argv;
	while (n-- > 0)
		argv[n].type = GRPC_ARG_INTEGER;
}

int
server_run(struct server *s, int sigfd)
{
	grpc_event	ev;
	gpr_timespec	deadline;
	int64_t		now, last_sweep;
	int		step;

	last_sweep = 0;
	for (;;) {
		/* No event ready: the burst is over; then wait for one. */
		ev = grpc_completion_queue_next(s->cq,
		    gpr_inf_past(GPR_CLOCK_MONOTONIC), NULL);
		if (ev.type == GRPC_QUEUE_TIMEOUT) {
			pthread_mutex_lock(&s->mu);
			burst_end(&s->burst);
			pthread_mutex_unlock(&s->mu);
			deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
			    gpr_time_from_millis(LOOP_WAIT_MS, GPR_TIMESPAN));
			ev = grpc_completion_queue_next(s->cq, deadline, NULL);
		}
		pthread_mutex_lock(&s->mu);
		server_event(s, &ev);

		now = server_now_ms();
		if (now - last_sweep < LOOP_WAIT_MS &&
		    ev.type == GRPC_OP_COMPLETE) {
			pthread_mutex_unlock(&s->mu);
			continue;
		}
		last_sweep = now;
		call_sweep(s, now);
		if (!s->shutting_down && server_signalled(sigfd))
			server_begin_shutdown(s);
		step = s->shutting_down ? server_shutdown_step(s, now) : 0;
		pthread_mutex_unlock(&s->mu);
		if (step != 0)
			break;
	}
	if (step == -1)
		return (-1);
	log_info("shutdown: every call finished");
	return (s->cancelled_all ? -1 : 0);
}

/* One completion-queue event (mutex held). */
static void
server_event(struct server *s, grpc_event *ev)
{
	if (ev->type != GRPC_OP_COMPLETE)
		return;
	if (((struct tag *)ev->tag)->kind == TAG_SHUTDOWN)
		s->shutdown_notified = 1;
	else
		call_event(ev->tag, ev->success);
}

/*
 * One look at a shutdown in progress (mutex held): 1 when every call is
 * finished, -1 when calls outlived the cancellation, 0 to go on.
 */
static int
server_shutdown_step(struct server *s, int64_t now)
{
	if (s->shutdown_notified && s->ncalls == 0)
		return (1);
	if (!s->cancelled_all && now > s->shutdown_deadline_ms) {
		log_warn("shutdown: cancelling %zu calls still open",
		    s->ncalls);
		grpc_server_cancel_all_calls(s->srv);
		s->cancelled_all = 1;
		s->shutdown_deadline_ms = now + s->cfg->ack_timeout_ms +
		    SERVER_ACK_MARGIN_MS;
	} else if (s->cancelled_all && now > s->shutdown_deadline_ms) {
		log_error("shutdown: %zu calls never finished", s->ncalls);
		return (-1);
	}
	return (0);
}

void
server_free(struct server *s)
{
	grpc_event	ev;

	/* From here on this thread alone serves calls and reports. */
	burst_stop(&s->burst);
	server_reports_stop(s);
	if (s->srv != NULL) {
		if (!s->shutting_down) {
			grpc_server_shutdown_and_notify(s->srv, s->cq,
			    &s->shutdown_tag);
			grpc_server_cancel_all_calls(s->srv);
		}
		grpc_server_destroy(s->srv);
	}
	if (s->cq != NULL) {
		grpc_completion_queue_shutdown(s->cq);
		do {
			ev = grpc_completion_queue_next(s->cq,
			    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
			if (ev.type == GRPC_OP_COMPLETE &&
			    ((struct tag *)ev.tag)->kind != TAG_SHUTDOWN)
				call_event(ev.tag, ev.success);
		} while (ev.type != GRPC_QUEUE_SHUTDOWN);
		grpc_completion_queue_destroy(s->cq);
	}
	if (s->vp != NULL &&
	    vote_producer_flush(s->vp, s->cfg->ack_timeout_ms) == -1)
		log_warn("shutdown: some votes were never reported by Kafka");
	health_probe_stop(s->health);
	/* Calls still awaiting reports are left alone: they are the opaques. */
	if (s->ncalls == 0) {
		vote_producer_free(s->vp);
		peer_table_free(s->peers);
	}
	pthread_mutex_destroy(&s->mu);
}

/* Runs on the delivery-report thread (or in the final flush). */
void
server_delivered(void *opaque, int err, const char *reason, void *arg)
{
	struct server	*s = arg;

	pthread_mutex_lock(&s->mu);
	call_delivered(opaque, err, reason);
	pthread_mutex_unlock(&s->mu);
}

/* The burst thread's callback (mutex held). */
static void
server_produce_parked(void *arg)
{
	call_produce_parked(arg);
}

/*
 * The delivery-report thread: blocks in rd_kafka_poll, so a call is
 * answered as soon as its last report arrives instead of at the
 * completion-queue loop's next turn.
 */
static void *
server_reports(void *arg)
{
	struct server	*s = arg;

	while (!atomic_load(&s->reports_stop))
		(void)vote_producer_poll(s->vp, REPORTS_WAIT_MS);
	return (NULL);
}

static void
server_reports_stop(struct server *s)
{
	if (!s->reports_started)
		return;
	atomic_store(&s->reports_stop, 1);
	(void)pthread_join(s->reports, NULL);
	s->reports_started = 0;
}

int64_t
server_now_ms(void)
{
	return (marimba_mono_ms());
}

static void
server_begin_shutdown(struct server *s)
{
	log_info("shutdown: no new calls; finishing the open ones");
	s->shutting_down = 1;
	s->shutdown_deadline_ms = server_now_ms() + s->cfg->ack_timeout_ms +
	    SHUTDOWN_GRACE_MS;
	grpc_server_shutdown_and_notify(s->srv, s->cq, &s->shutdown_tag);
}

static int
server_signalled(int sigfd)
{
	struct signalfd_siginfo	si;
	ssize_t			n;

	n = read(sigfd, &si, sizeof(si));
	if (n == (ssize_t)sizeof(si)) {
		log_info("signal %u", si.ssi_signo);
		return (1);
	}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		log_error("signalfd: %s", strerror(errno));
	return (0);
}
