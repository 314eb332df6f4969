/* SPDX-License-Identifier: ISC */
/*
 * gRPC client calls as a chain of completion-queue events (see
 * rpc_async.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>
#include <grpc/support/time.h>

#include "grpc_buf.h"
#include "rpc_async.h"

static int	rpc_async_send_next(struct rpc_async *);
static void	rpc_async_received(struct rpc_async *);

int
rpc_async_start(struct rpc_async *a, grpc_channel *ch,
    grpc_completion_queue *cq, const char *method, grpc_metadata *md,
    size_t nmd, const struct rpc_msg *msgs, size_t n, int streaming,
    int timeout_ms)
{
	grpc_op		 ops[6], *op;
	grpc_slice	 mslice;
	gpr_timespec	 deadline;

	memset(a, 0, sizeof(*a));
	a->recv_tag.call = a;
	a->send_tag.call = a;
	a->send_tag.send = 1;
	a->msgs = msgs;
	a->n = n;
	a->streaming = streaming || n != 1;
	a->res.status = GRPC_STATUS_UNKNOWN;
	deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	    gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
	mslice = grpc_slice_from_copied_string(method);
	a->call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS,
	    cq, mslice, NULL, deadline, NULL);
	grpc_slice_unref(mslice);
	if (a->call == NULL)
		return (-1);
	grpc_metadata_array_init(&a->init_md);
	grpc_metadata_array_init(&a->trail_md);
	a->details = grpc_empty_slice();

	memset(ops, 0, sizeof(ops));
	op = ops;
	if (!a->streaming) {
		if ((a->send = gbuf_from_bytes(msgs[0].data,
		    msgs[0].len)) == NULL)
			goto fail;
		op->op = GRPC_OP_SEND_INITIAL_METADATA;
		op->data.send_initial_metadata.count = nmd;
		op->data.send_initial_metadata.metadata = md;
		op++;
		op->op = GRPC_OP_SEND_MESSAGE;
		op->data.send_message.send_message = a->send;
		op++;
		op->op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
		op++;
	}
	op->op = GRPC_OP_RECV_INITIAL_METADATA;
	op->data.recv_initial_metadata.recv_initial_metadata = &a->init_md;
	op++;
	op->op = GRPC_OP_RECV_MESSAGE;
	op->data.recv_message.recv_message = &a->recv;
	op++;
	op->op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	op->data.recv_status_on_client.trailing_metadata = &a->trail_md;
	op->data.recv_status_on_client.status = &a->res.status;
	op->data.recv_status_on_client.status_details = &a->details;
	op++;
	if (grpc_call_start_batch(a->call, ops, (size_t)(op - ops),
	    &a->recv_tag, NULL) != GRPC_CALL_OK)
		goto fail;
	if (!a->streaming)
		return (0);

	/* The receive batch always completes: with a status or cancelled. */
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].data.send_initial_metadata.count = nmd;
	ops[0].data.send_initial_metadata.metadata = md;
	if (grpc_call_start_batch(a->call, ops, 1, &a->send_tag, NULL) ==
	    GRPC_CALL_OK)
		a->sending = 1;
	else
		grpc_call_cancel(a->call, NULL);
	return (0);

fail:
	rpc_async_clear(a);
	return (-1);
}

int
rpc_async_event(struct rpc_async_tag *tag, int success)
{
	struct rpc_async	*a = tag->call;

	if (!tag->send)
		rpc_async_received(a);
	else {
		a->sending = 0;
		if (a->send != NULL) {
			grpc_byte_buffer_destroy(a->send);
			a->send = NULL;
		}
		/*
		 * A failed send means the call is over (the server may answer
		 * before reading everything): its status is what counts.
		 */
		if (success && !a->received && rpc_async_send_next(a) == 0)
			a->sending = 1;
	}
	return (a->received && !a->sending);
}

void
rpc_async_clear(struct rpc_async *a)
{
	if (a->call == NULL)
		return;
	if (a->send != NULL)
		grpc_byte_buffer_destroy(a->send);
	if (a->recv != NULL)
		grpc_byte_buffer_destroy(a->recv);
	grpc_slice_unref(a->details);
	grpc_metadata_array_destroy(&a->init_md);
	grpc_metadata_array_destroy(&a->trail_md);
	grpc_call_unref(a->call);
	rpc_result_clear(&a->res);
	memset(a, 0, sizeof(*a));
}

/*
 * A stream's next step after a send completed: the next message, or the
 * half-close after the last. 0 if a batch was started, -1 if none was
 * (all sent, or the call cancelled for want of memory).
 */
static int
rpc_async_send_next(struct rpc_async *a)
{
	grpc_op	op;

	if (a->next > a->n)
		return (-1);
	memset(&op, 0, sizeof(op));
	if (a->next == a->n)
		op.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	else {
		a->send = gbuf_from_bytes(a->msgs[a->next].data,
		    a->msgs[a->next].len);
		if (a->send == NULL) {
			grpc_call_cancel(a->call, NULL);
			return (-1);
		}
		op.op = GRPC_OP_SEND_MESSAGE;
		op.data.send_message.send_message = a->send;
	}
	a->next++;
	if (grpc_call_start_batch(a->call, &op, 1, &a->send_tag, NULL) !=
	    GRPC_CALL_OK) {
		grpc_call_cancel(a->call, NULL);
		return (-1);
	}
	return (0);
}

/* The status is in: its details and the reply go to ->res. */
static void
rpc_async_received(struct rpc_async *a)
{
	size_t	dlen;

	a->received = 1;
	dlen = GRPC_SLICE_LENGTH(a->details);
	if (dlen >= sizeof(a->res.details))
		dlen = sizeof(a->res.details) - 1;
	memcpy(a->res.details, GRPC_SLICE_START_PTR(a->details), dlen);
	a->res.details[dlen] = '\0';
	if (a->recv != NULL && gbuf_read(a->recv, &a->res.reply,
	    &a->res.reply_len) == -1) {
		a->res.status = GRPC_STATUS_RESOURCE_EXHAUSTED;
		(void)snprintf(a->res.details, sizeof(a->res.details),
		    "out of memory for the reply");
	}
}
