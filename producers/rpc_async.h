/* SPDX-License-Identifier: ISC */
/*
 * One gRPC client call driven by completion-queue events, so that one
 * thread can keep many calls in flight (marimba-vote's load, as wrk does
 * for HTTP) and the blocking rpc_call() is a loop over the same steps.
 * A unary call is one batch and one event; a stream sends its messages
 * one batch after the other, then half-closes.
 */
#ifndef MARIMBA_RPC_ASYNC_H
#define MARIMBA_RPC_ASYNC_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

/* A message to send: bytes of a serialized request. */
struct rpc_msg {
	const uint8_t	*data;
	size_t		 len;
};

/* How a call ended. */
struct rpc_result {
	grpc_status_code	 status;
	char			 details[256];
	uint8_t			*reply;		/* free(); NULL if none */
	size_t			 reply_len;
};

struct rpc_async;

/* What an event's tag points to: the call and which of its batches. */
struct rpc_async_tag {
	struct rpc_async	*call;
	int			 send;		/* 1: sends, 0: receives */
};

struct rpc_async {
	grpc_call		*call;
	struct rpc_async_tag	 recv_tag, send_tag;
	grpc_metadata_array	 init_md, trail_md;
	grpc_byte_buffer	*send;		/* the message being sent */
	grpc_byte_buffer	*recv;
	grpc_slice		 details;
	const struct rpc_msg	*msgs;
	size_t			 n, next;	/* messages; the next to send */
	int			 streaming;
	int			 sending;	/* a send batch is pending */
	int			 received;	/* the status is in */
	struct rpc_result	 res;
};

/*
 * Starts method with n messages (metadata md, nmd entries, sent with
 * it; they and msgs must live until the call is over) on cq, ending at
 * timeout_ms. With streaming 0 and n 1 it is a unary call in one batch.
 * Every event of the call then goes to rpc_async_event(). Returns -1 if
 * the call could not be started (nothing to clear then).
 */
int	rpc_async_start(struct rpc_async *, grpc_channel *,
	    grpc_completion_queue *, const char *, grpc_metadata *, size_t,
	    const struct rpc_msg *, size_t, int, int);

/*
 * Takes an event whose tag is one of the call's (tag->call); success as
 * the event gave it. Returns 1 once the call is over (its status and
 * reply in ->res), 0 while events are still to come.
 */
int	rpc_async_event(struct rpc_async_tag *, int);

/* Frees the call and what it holds, ->res.reply included. */
void	rpc_async_clear(struct rpc_async *);

/* Frees the reply a result holds (rpc_call(), rpc_async's ->res). */
void	rpc_result_clear(struct rpc_result *);

#endif
