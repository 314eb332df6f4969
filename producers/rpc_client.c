/* SPDX-License-Identifier: ISC */
/*
 * Blocking gRPC client calls on the C core (see rpc_client.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#include "grpc_buf.h"
#include "rpc_client.h"

#define TAG_RECV	((void *)1)
#define TAG_SEND	((void *)2)

static int	rpc_wait(grpc_completion_queue *, void *, gpr_timespec);
static int	rpc_send(grpc_call *, grpc_completion_queue *, grpc_op *,
		    size_t, gpr_timespec);

grpc_channel *
rpc_channel_new(const char *addr)
{
	grpc_channel_credentials	*creds;
	grpc_channel			*ch;

	if ((creds = grpc_insecure_credentials_create()) == NULL)
		return (NULL);
	ch = grpc_channel_create(addr, creds, NULL);
	grpc_channel_credentials_release(creds);
	return (ch);
}

grpc_completion_queue *
rpc_cq_new(void)
{
	return (grpc_completion_queue_create_for_pluck(NULL));
}

void
rpc_cq_free(grpc_completion_queue *cq)
{
	grpc_event	ev;

	if (cq == NULL)
		return;
	grpc_completion_queue_shutdown(cq);
	do {
		ev = grpc_completion_queue_pluck(cq, NULL,
		    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	} while (ev.type != GRPC_QUEUE_SHUTDOWN);
	grpc_completion_queue_destroy(cq);
}

int
rpc_call(grpc_channel *ch, grpc_completion_queue *cq, const char *method,
    const struct rpc_msg *msgs, size_t n, int streaming, int timeout_ms,
    struct rpc_result *res)
{
	return (rpc_call_md(ch, cq, method, NULL, 0, msgs, n, streaming,
	    timeout_ms, res));
}

int
rpc_call_md(grpc_channel *ch, grpc_completion_queue *cq, const char *method,
    grpc_metadata *md, size_t nmd, const struct rpc_msg *msgs,
    size_t n, int streaming, int timeout_ms, struct rpc_result *res)
{
	grpc_call		*call;
	grpc_op			 ops[6], *op;
	grpc_metadata_array	 init_md, trail_md;
	grpc_byte_buffer	*send, *recv;
	grpc_slice		 mslice, details;
	gpr_timespec		 deadline, wait;
	size_t			 i, dlen;
	int			 rc, unary;

	memset(res, 0, sizeof(*res));
	res->status = GRPC_STATUS_UNKNOWN;
	deadline = gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	    gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
	/* The call's deadline ends it; the extra second is for the status. */
	wait = gpr_time_add(deadline, gpr_time_from_millis(1000,
	    GPR_TIMESPAN));
	unary = !streaming && n == 1;

	mslice = grpc_slice_from_copied_string(method);
	call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
	    mslice, NULL, deadline, NULL);
	grpc_slice_unref(mslice);
	if (call == NULL)
		return (-1);

	grpc_metadata_array_init(&init_md);
	grpc_metadata_array_init(&trail_md);
	details = grpc_empty_slice();
	recv = NULL;
	send = NULL;
	rc = -1;

	memset(ops, 0, sizeof(ops));
	op = ops;
	if (unary) {
		if ((send = gbuf_from_bytes(msgs[0].data, msgs[0].len)) == NULL)
			goto done;
		op->op = GRPC_OP_SEND_INITIAL_METADATA;
		op->data.send_initial_metadata.count = nmd;
		op->data.send_initial_metadata.metadata = md;
		op++;
		op->op = GRPC_OP_SEND_MESSAGE;
		op->data.send_message.send_message = send;
		op++;
		op->op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
		op++;
	}
	op->op = GRPC_OP_RECV_INITIAL_METADATA;
	op->data.recv_initial_metadata.recv_initial_metadata = &init_md;
	op++;
	op->op = GRPC_OP_RECV_MESSAGE;
	op->data.recv_message.recv_message = &recv;
	op++;
	op->op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	op->data.recv_status_on_client.trailing_metadata = &trail_md;
	op->data.recv_status_on_client.status = &res->status;
	op->data.recv_status_on_client.status_details = &details;
	op++;
	if (grpc_call_start_batch(call, ops, (size_t)(op - ops), TAG_RECV,
	    NULL) != GRPC_CALL_OK)
		goto done;

	if (!unary) {
		/*
		 * A failed send means the call is over (the server may answer
		 * before reading everything): its status is what counts.
		 */
		memset(ops, 0, sizeof(ops));
		ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
		ops[0].data.send_initial_metadata.count = nmd;
		ops[0].data.send_initial_metadata.metadata = md;
		if (rpc_send(call, cq, ops, 1, wait) == 0) {
			for (i = 0; i < n; i++) {
				send = gbuf_from_bytes(msgs[i].data,
				    msgs[i].len);
				if (send == NULL) {
					grpc_call_cancel(call, NULL);
					break;
				}
				memset(ops, 0, sizeof(ops));
				ops[0].op = GRPC_OP_SEND_MESSAGE;
				ops[0].data.send_message.send_message = send;
				rc = rpc_send(call, cq, ops, 1, wait);
				grpc_byte_buffer_destroy(send);
				send = NULL;
				if (rc == -1)
					break;
			}
			if (i == n) {
				memset(ops, 0, sizeof(ops));
				ops[0].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
				(void)rpc_send(call, cq, ops, 1, wait);
			}
		}
	}

	/* The receive batch always completes: with a status or cancelled. */
	(void)rpc_wait(cq, TAG_RECV, gpr_inf_future(GPR_CLOCK_REALTIME));
	rc = 0;

	dlen = GRPC_SLICE_LENGTH(details);
	if (dlen >= sizeof(res->details))
		dlen = sizeof(res->details) - 1;
	memcpy(res->details, GRPC_SLICE_START_PTR(details), dlen);
	res->details[dlen] = '\0';
	if (recv != NULL && gbuf_read(recv, &res->reply,
	    &res->reply_len) == -1)
		rc = -1;

done:
	if (send != NULL)
		grpc_byte_buffer_destroy(send);
	if (recv != NULL)
		grpc_byte_buffer_destroy(recv);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&init_md);
	grpc_metadata_array_destroy(&trail_md);
	grpc_call_unref(call);
	return (rc);
}

void
rpc_result_clear(struct rpc_result *res)
{
	free(res->reply);
	res->reply = NULL;
	res->reply_len = 0;
}

const char *
rpc_status_name(grpc_status_code st)
{
	static const char	*names[] = {
		"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT",
		"DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
		"PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
		"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
		"UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
		"UNAUTHENTICATED",
	};

	if ((int)st < 0 || (size_t)st >= sizeof(names) / sizeof(names[0]))
		return ("?");
	return (names[st]);
}

static int
rpc_send(grpc_call *call, grpc_completion_queue *cq, grpc_op *ops,
    size_t nops, gpr_timespec wait)
{
	grpc_event	ev;

	if (grpc_call_start_batch(call, ops, nops, TAG_SEND, NULL) !=
	    GRPC_CALL_OK)
		return (-1);
	ev = grpc_completion_queue_pluck(cq, TAG_SEND, wait, NULL);
	if (ev.type == GRPC_QUEUE_TIMEOUT) {
		/* Leave no event of this tag behind for the next call. */
		grpc_call_cancel(call, NULL);
		(void)rpc_wait(cq, TAG_SEND,
		    gpr_inf_future(GPR_CLOCK_REALTIME));
		return (-1);
	}
	return (ev.type == GRPC_OP_COMPLETE && ev.success ? 0 : -1);
}

static int
rpc_wait(grpc_completion_queue *cq, void *tag, gpr_timespec wait)
{
	grpc_event	ev;

	ev = grpc_completion_queue_pluck(cq, tag, wait, NULL);
	if (ev.type != GRPC_OP_COMPLETE || !ev.success)
		return (-1);
	return (0);
}
