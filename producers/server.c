/*
 * The completion-queue loop of marimba-grpc (see server.h): starts the
 * gRPC server, drives the calls, serves delivery reports between events
 * and shuts down gracefully when a signal arrives.
 */
#include <errno.h>
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

#define LOOP_IDLE_MS	50	/* queue wait with nothing to acknowledge */
#define LOOP_BUSY_MS	2	/* queue wait while votes await their acks */
#define SHUTDOWN_GRACE_MS 2000	/* past ack_timeout_ms, then cancel calls */

static void	server_begin_shutdown(struct server *);
static int	server_signalled(int);

int
server_init(struct server *s, const struct marimba_config *cfg, char *err,
    size_t errlen)
{
	grpc_server_credentials	*creds;
	grpc_arg		 arg;
	grpc_channel_args	 args;
	int			 i;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	TAILQ_INIT(&s->calls);
	s->shutdown_tag.kind = TAG_SHUTDOWN;

	if ((s->vp = vote_producer_new(cfg, server_delivered, s, err,
	    errlen)) == NULL)
		return (-1);
	if ((s->health = health_probe_start(s->vp)) == NULL) {
		snprintf(err, errlen, "cannot start the health probe");
		return (-1);
	}

	memset(&arg, 0, sizeof(arg));
	arg.type = GRPC_ARG_INTEGER;
	arg.key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	arg.value.integer = SERVER_MAX_MESSAGE;
	args.num_args = 1;
	args.args = &arg;

	s->cq = grpc_completion_queue_create_for_next(NULL);
	if ((s->srv = grpc_server_create(&args, NULL)) == NULL) {
		snprintf(err, errlen, "grpc_server_create failed");
		return (-1);
	}
	grpc_server_register_completion_queue(s->srv, s->cq, NULL);

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

	for (i = 0; i < SERVER_REQUESTS; i++) {
		if (call_request(s) == -1) {
			snprintf(err, errlen, "grpc_server_request_call failed");
			return (-1);
		}
	}
	return (0);
}

int
server_run(struct server *s, int sigfd)
{
	grpc_event	ev;
	gpr_timespec	deadline;
	int64_t		now, last_sweep;
	int		wait_ms, clean;

	clean = 1;
	last_sweep = 0;
	for (;;) {
		wait_ms = vote_producer_queue_len(s->vp) > 0 ?
		    LOOP_BUSY_MS : LOOP_IDLE_MS;
		deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
		    gpr_time_from_millis(wait_ms, GPR_TIMESPAN));
		ev = grpc_completion_queue_next(s->cq, deadline, NULL);
		if (ev.type == GRPC_OP_COMPLETE) {
			if (((struct tag *)ev.tag)->kind == TAG_SHUTDOWN)
				s->shutdown_notified = 1;
			else
				call_event(ev.tag, ev.success);
		}

		/* Delivery reports call server_delivered() on this thread. */
		(void)vote_producer_poll(s->vp, 0);

		now = server_now_ms();
		if (now - last_sweep < LOOP_IDLE_MS &&
		    ev.type == GRPC_OP_COMPLETE)
			continue;
		last_sweep = now;
		call_sweep(s, now);

		if (!s->shutting_down && server_signalled(sigfd))
			server_begin_shutdown(s);
		if (!s->shutting_down)
			continue;
		if (s->shutdown_notified && s->ncalls == 0)
			break;
		if (!s->cancelled_all && now > s->shutdown_deadline_ms) {
			log_warn("shutdown: cancelling %zu calls still open",
			    s->ncalls);
			grpc_server_cancel_all_calls(s->srv);
			s->cancelled_all = 1;
			clean = 0;
			s->shutdown_deadline_ms = now +
			    s->cfg->ack_timeout_ms + SERVER_ACK_MARGIN_MS;
		} else if (s->cancelled_all && now > s->shutdown_deadline_ms) {
			log_error("shutdown: %zu calls never finished",
			    s->ncalls);
			return (-1);
		}
	}
	log_info("shutdown: every call finished");
	return (clean ? 0 : -1);
}

void
server_free(struct server *s)
{
	grpc_event	ev;

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
	if (s->ncalls == 0)
		vote_producer_free(s->vp);
}

void
server_delivered(void *opaque, int err, const char *reason, void *arg)
{
	(void)arg;
	call_delivered(opaque, err, reason);
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
