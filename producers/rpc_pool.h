/* SPDX-License-Identifier: ISC */
/*
 * A client's load on a gRPC server, from one thread: up to `slots` calls
 * in flight on one channel and one completion queue (rpc_async.c), as
 * wrk does for HTTP, so a load tool costs the machine little CPU per
 * call next to the server it measures. Call number k starts when the
 * schedule says it is due and a slot is free. With keys, each call
 * carries a new idempotency key and is made again with it after an
 * answer that may mean "not stored" (UNAVAILABLE, RESOURCE_EXHAUSTED, a
 * deadline, a broken call), after a back-off of 250 ms doubling to 2 s
 * spent in its slot, so a vote is counted once however often it is
 * sent. Used by marimba-vote and bench/'s load generator.
 */
#ifndef MARIMBA_RPC_POOL_H
#define MARIMBA_RPC_POOL_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "rpc_client.h"

struct rpc_pool_conf {
	grpc_channel	*ch;
	const char	*method;
	int		 streaming;	/* 0: one message per call, unary */
	size_t		 max_msgs;	/* messages per call, at most */
	int		 slots;		/* calls in flight, at most */
	int		 timeout_ms;	/* per attempt */
	int		 keys;		/* an idempotency key per call */
	int		 retries;	/* of a keyed call */
	/*
	 * The run's start, marimba_mono_us(), from which every time below
	 * counts; 0: when rpc_pool_run() is called.
	 */
	int64_t		 t0_us;
	void		*arg;		/* for the callbacks */

	/* When call k is due, in µs from the run's start (0: at once). */
	int64_t		(*due_us)(void *, long);
	/*
	 * Puts call k's messages in msgs (max_msgs at most) when it is
	 * due: their number, 0 when there is no call k (no more calls),
	 * -1 to skip call k and go on with k + 1.
	 */
	long		(*fill)(void *, long, struct rpc_msg *, size_t);
	/*
	 * A call is over: its last attempt's result, its number of
	 * messages, whether it was made again, and its start (first
	 * attempt) and end, in µs from the run's start.
	 */
	void		(*done)(void *, const struct rpc_result *, size_t, int,
			    int64_t, int64_t);
	/*
	 * Asked at every turn (at least every 50 ms), with the time in µs
	 * from the run's start: no new calls.
	 */
	int		(*stop)(void *, int64_t);
};

struct rpc_pool_stats {
	long	retries;	/* attempts made again with their key */
	double	seconds;	/* from the start to the last call's end */
};

/*
 * Makes the calls until there are no more (fill) or stop says so, and
 * waits for those in flight. -1 (with a message on stderr) if it could
 * not start.
 */
int	rpc_pool_run(const struct rpc_pool_conf *, struct rpc_pool_stats *);

#endif
