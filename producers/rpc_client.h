/* SPDX-License-Identifier: ISC */
/*
 * Blocking gRPC calls from C clients (marimba-vote, the tests): one call
 * at a time per completion queue, so one queue per thread.
 */
#ifndef MARIMBA_RPC_CLIENT_H
#define MARIMBA_RPC_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "rpc_async.h"

#define RPC_METHOD_CAST		"/marimba.v1.VoteService/Cast"
#define RPC_METHOD_CAST_STREAM	"/marimba.v1.VoteService/CastStream"
#define RPC_METHOD_HEALTH_CHECK	"/grpc.health.v1.Health/Check"
/* The metadata that names a call for safe retries (docs/grpc.md). */
#define RPC_MD_IDEMPOTENCY_KEY	"idempotency-key"

/* An insecure channel to addr (host:port); NULL on failure. */
grpc_channel		*rpc_channel_new(const char *);

/* A completion queue for rpc_call() and the way to get rid of it. */
grpc_completion_queue	*rpc_cq_new(void);
void			 rpc_cq_free(grpc_completion_queue *);

/*
 * Calls method with n messages and waits for its status. With streaming 0
 * and n 1 it is a unary call in one batch; otherwise the messages are sent
 * one by one and the stream half-closed. Returns 0 when the call ended
 * with a status (any, in res), -1 if it could not be started.
 */
int			 rpc_call(grpc_channel *, grpc_completion_queue *,
			    const char *, const struct rpc_msg *, size_t,
			    int, int, struct rpc_result *);

/*
 * rpc_call() with nmd metadata entries sent with the call (for instance
 * RPC_MD_IDEMPOTENCY_KEY).
 */
int			 rpc_call_md(grpc_channel *, grpc_completion_queue *,
			    const char *, grpc_metadata *, size_t,
			    const struct rpc_msg *, size_t, int, int,
			    struct rpc_result *);

/* "OK", "INVALID_ARGUMENT" ... for a status code. */
const char		*rpc_status_name(grpc_status_code);

#endif
