/* SPDX-License-Identifier: ISC */
/*
 * grpc-echo: the baseline of bench/grpc-bench. A bare gRPC C-core server
 * shaped like marimba-grpc (one completion queue, one thread, 64
 * outstanding request_calls, same channel args) that reads every request
 * message of a call and answers it with the last message it read (or an
 * empty one) and OK: what the gRPC core alone costs, without Kafka or
 * validation. Any method is served, so ghz drives it with vote.proto.
 *
 *   grpc-echo host:port        (runs until SIGTERM or SIGINT)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#define ECHO_REQUESTS	64
#define ECHO_MAX_MSG	(64 * 1024)

enum echo_step {
	STEP_NEW,	/* request_call matched */
	STEP_READ,	/* a RECV_MESSAGE finished */
	STEP_DONE,	/* status sent (or failed): free */
};

struct echo_call {
	grpc_call		*gc;
	grpc_call_details	 details;
	grpc_metadata_array	 md;
	grpc_byte_buffer	*recv;
	grpc_byte_buffer	*last;
	enum echo_step		 step;
	int			 cancelled;
};

static volatile sig_atomic_t	stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int
echo_request(grpc_server *srv, grpc_completion_queue *cq)
{
	struct echo_call	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (-1);
	grpc_call_details_init(&c->details);
	grpc_metadata_array_init(&c->md);
	c->step = STEP_NEW;
	if (grpc_server_request_call(srv, &c->gc, &c->details, &c->md, cq,
	    cq, c) != GRPC_CALL_OK) {
		free(c);
		return (-1);
	}
	return (0);
}

static void
echo_free(struct echo_call *c)
{
	if (c->gc != NULL)
		grpc_call_unref(c->gc);
	if (c->recv != NULL)
		grpc_byte_buffer_destroy(c->recv);
	if (c->last != NULL)
		grpc_byte_buffer_destroy(c->last);
	grpc_call_details_destroy(&c->details);
	grpc_metadata_array_destroy(&c->md);
	free(c);
}

static void
echo_read(struct echo_call *c)
{
	grpc_op	op;

	memset(&op, 0, sizeof(op));
	op.op = GRPC_OP_RECV_MESSAGE;
	op.data.recv_message.recv_message = &c->recv;
	c->step = STEP_READ;
	if (grpc_call_start_batch(c->gc, &op, 1, c, NULL) != GRPC_CALL_OK)
		abort();
}

static void
echo_reply(struct echo_call *c, int ok)
{
	grpc_op	ops[4], *op;

	memset(ops, 0, sizeof(ops));
	op = ops;
	op->op = GRPC_OP_SEND_INITIAL_METADATA;
	op++;
	if (ok) {
		if (c->last == NULL)
			c->last = grpc_raw_byte_buffer_create(NULL, 0);
		op->op = GRPC_OP_SEND_MESSAGE;
		op->data.send_message.send_message = c->last;
		op++;
	}
	op->op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	op->data.send_status_from_server.status = ok ? GRPC_STATUS_OK :
	    GRPC_STATUS_CANCELLED;
	op++;
	/* The call ends with RECV_CLOSE_ON_SERVER, in the same batch. */
	op->op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	op->data.recv_close_on_server.cancelled = &c->cancelled;
	op++;
	c->step = STEP_DONE;
	if (grpc_call_start_batch(c->gc, ops, (size_t)(op - ops), c, NULL) !=
	    GRPC_CALL_OK)
		abort();
}

static void
echo_event(grpc_server *srv, grpc_completion_queue *cq, struct echo_call *c,
    int success)
{
	switch (c->step) {
	case STEP_NEW:
		if (!success) {
			echo_free(c);
			return;
		}
		if (!stop && echo_request(srv, cq) == -1)
			fprintf(stderr, "grpc-echo: request_call failed\n");
		echo_read(c);
		break;
	case STEP_READ:
		if (!success) {
			echo_reply(c, 0);
			break;
		}
		if (c->recv == NULL) {
			/* Half-closed: answer with the last message. */
			echo_reply(c, 1);
			break;
		}
		if (c->last != NULL)
			grpc_byte_buffer_destroy(c->last);
		c->last = c->recv;
		c->recv = NULL;
		echo_read(c);
		break;
	case STEP_DONE:
		echo_free(c);
		break;
	}
}

int
main(int argc, char **argv)
{
	grpc_server_credentials	*creds;
	grpc_server		*srv;
	grpc_completion_queue	*cq;
	grpc_channel_args	 args;
	grpc_arg		 arg;
	grpc_event		 ev;
	int			 i, shutting_down;

	if (argc != 2) {
		fprintf(stderr, "usage: grpc-echo host:port\n");
		return (2);
	}
	(void)signal(SIGTERM, on_signal);
	(void)signal(SIGINT, on_signal);

	grpc_init();
	memset(&arg, 0, sizeof(arg));
	arg.type = GRPC_ARG_INTEGER;
	arg.key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	arg.value.integer = ECHO_MAX_MSG;
	args.num_args = 1;
	args.args = &arg;
	cq = grpc_completion_queue_create_for_next(NULL);
	srv = grpc_server_create(&args, NULL);
	grpc_server_register_completion_queue(srv, cq, NULL);
	creds = grpc_insecure_server_credentials_create();
	if (grpc_server_add_http2_port(srv, argv[1], creds) == 0) {
		fprintf(stderr, "grpc-echo: cannot listen on %s\n", argv[1]);
		return (1);
	}
	grpc_server_credentials_release(creds);
	grpc_server_start(srv);
	for (i = 0; i < ECHO_REQUESTS; i++)
		if (echo_request(srv, cq) == -1)
			return (1);

	shutting_down = 0;
	for (;;) {
		ev = grpc_completion_queue_next(cq, gpr_time_add(
		    gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(100,
		    GPR_TIMESPAN)), NULL);
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			break;
		if (ev.type == GRPC_OP_COMPLETE) {
			if (ev.tag == (void *)srv)
				grpc_completion_queue_shutdown(cq);
			else
				echo_event(srv, cq, ev.tag, ev.success);
		}
		if (stop && !shutting_down) {
			shutting_down = 1;
			grpc_server_shutdown_and_notify(srv, cq, srv);
			grpc_server_cancel_all_calls(srv);
		}
	}
	grpc_server_destroy(srv);
	grpc_completion_queue_destroy(cq);
	grpc_shutdown();
	return (0);
}
