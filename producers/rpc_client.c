/* SPDX-License-Identifier: ISC */
/*
 * Blocking gRPC client calls on the C core (see rpc_client.h): the steps
 * of rpc_async.c, each awaited on the caller's pluck queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/time.h>

#include "rpc_async.h"
#include "rpc_client.h"

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
	struct rpc_async	 a;
	struct rpc_async_tag	*tag;
	grpc_event		 ev;

	memset(res, 0, sizeof(*res));
	res->status = GRPC_STATUS_UNKNOWN;
	if (rpc_async_start(&a, ch, cq, method, md, nmd, msgs, n, streaming,
	    timeout_ms) == -1)
		return (-1);
	/* The call's deadline ends every batch. */
	do {
		tag = a.sending ? &a.send_tag : &a.recv_tag;
		ev = grpc_completion_queue_pluck(cq, tag,
		    gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	} while (ev.type == GRPC_OP_COMPLETE &&
	    rpc_async_event(tag, ev.success) == 0);
	*res = a.res;
	a.res.reply = NULL;
	rpc_async_clear(&a);
	return (ev.type == GRPC_OP_COMPLETE ? 0 : -1);
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
