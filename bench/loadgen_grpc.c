/* SPDX-License-Identifier: ISC */
/*
 * gRPC load (see loadgen.h): one thread keeps up to `concurrency` unary
 * Casts in flight on one channel (producers/rpc_pool.c), vote k due at
 * t0 + k / rate; a vote over a second late is skipped, not sent. The
 * caller must have called grpc_init(). Keyed, each Cast carries
 * idempotency-key metadata and is made again with it after UNAVAILABLE,
 * RESOURCE_EXHAUSTED, a deadline or a broken call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>

#include "vote.pb-c.h"

#include "cast_request.h"
#include "deconst.h"
#include "loadgen.h"
#include "rpc_pool.h"
#include "vote_id.h"

#define GRPC_LATE_US	1000000	/* a vote this late is skipped */

struct grpc_impl {
	struct rpc_pool_conf	 pool;
	struct rpc_msg		*msgs;		/* a CastRequest per vote */
	size_t			 nmsgs;
};

static void	*grpc_main(void *);
static int64_t	 grpc_due_us(void *, long);
static long	 grpc_fill(void *, long, struct rpc_msg *, size_t);
static void	 grpc_done(void *, const struct rpc_result *, size_t, int,
		    int64_t, int64_t);
static int	 grpc_stop(void *, int64_t);
static void	 grpc_count(struct lg_gen *, const struct rpc_result *,
		    int64_t, int64_t);
static void	 grpc_free(struct lg_gen *);

int
lg_grpc_start(struct lg_gen *g)
{
	struct grpc_impl	*gi;
	uint8_t			*buf;
	size_t			 i, len;

	if (g->rate <= 0 || g->concurrency < 1 || g->nvotes == 0) {
		fprintf(stderr, "loadgen: grpc: bad settings\n");
		return (-1);
	}
	if (pthread_mutex_init(&g->lock, NULL) != 0 ||
	    (gi = calloc(1, sizeof(*gi))) == NULL)
		return (-1);
	g->impl = gi;
	g->impl_free = grpc_free;
	if ((gi->msgs = calloc(g->nvotes, sizeof(*gi->msgs))) == NULL)
		goto fail;
	for (i = 0; i < g->nvotes; i++) {
		if (cast_request_encode(&g->votes[i], &buf, &len) == -1)
			goto fail;
		gi->msgs[i].data = buf;
		gi->msgs[i].len = len;
		gi->nmsgs++;
	}
	if ((gi->pool.ch = rpc_channel_new(g->addr)) == NULL) {
		fprintf(stderr, "loadgen: grpc: no channel to %s\n", g->addr);
		goto fail;
	}
	gi->pool.method = RPC_METHOD_CAST;
	gi->pool.max_msgs = 1;
	gi->pool.slots = g->concurrency;
	gi->pool.timeout_ms = g->timeout_ms;
	gi->pool.keys = g->keyed;
	gi->pool.retries = g->retries;
	gi->pool.arg = g;
	/* The pool's times count from the generator's start, as its votes. */
	gi->pool.due_us = grpc_due_us;
	gi->pool.fill = grpc_fill;
	gi->pool.done = grpc_done;
	gi->pool.stop = grpc_stop;
	if ((g->threads = calloc(1, sizeof(*g->threads))) == NULL)
		goto fail;
	g->t0_us = marimba_mono_us();
	gi->pool.t0_us = g->t0_us;
	if (pthread_create(&g->threads[0], NULL, grpc_main, g) != 0) {
		fprintf(stderr, "loadgen: grpc: cannot start its thread\n");
		goto fail;
	}
	g->nthreads = 1;
	return (0);
fail:
	grpc_free(g);
	return (-1);
}

static void *
grpc_main(void *arg)
{
	struct lg_gen		*g = arg;
	struct grpc_impl	*gi = g->impl;
	struct rpc_pool_stats	 st;

	if (rpc_pool_run(&gi->pool, &st) == -1)
		fprintf(stderr, "loadgen: grpc: the calls could not start\n");
	pthread_mutex_lock(&g->lock);
	g->counts.retried += st.retries;
	g->t1_us = marimba_mono_us();
	pthread_mutex_unlock(&g->lock);
	return (NULL);
}

/* Vote k is due k / rate after the generator's start. */
static int64_t
grpc_due_us(void *arg, long k)
{
	struct lg_gen	*g = arg;

	return ((int64_t)((double)k * 1e6 / g->rate));
}

/* Vote k of the list, cycled through; skipped when over a second late. */
static long
grpc_fill(void *arg, long k, struct rpc_msg *msgs, size_t max)
{
	struct lg_gen		*g = arg;
	struct grpc_impl	*gi = g->impl;

	(void)max;
	if (marimba_mono_us() - g->t0_us - grpc_due_us(g, k) > GRPC_LATE_US) {
		pthread_mutex_lock(&g->lock);
		g->counts.skipped++;
		pthread_mutex_unlock(&g->lock);
		return (-1);
	}
	msgs[0] = gi->msgs[(size_t)k % gi->nmsgs];
	return (1);
}

static void
grpc_done(void *arg, const struct rpc_result *res, size_t n, int retried,
    int64_t started_us, int64_t ended_us)
{
	struct lg_gen	*g = arg;

	(void)n;
	(void)retried;
	grpc_count(g, res, g->t0_us + started_us, ended_us - started_us);
}

static int
grpc_stop(void *arg, int64_t now_us)
{
	struct lg_gen	*g = arg;

	(void)now_us;
	return (atomic_load(&g->stop));
}

/* One Cast's answer: sent at the monotonic time sent, took µs in all. */
static void
grpc_count(struct lg_gen *g, const struct rpc_result *res, int64_t sent,
    int64_t took)
{
	Marimba__V1__CastReply	*reply;
	char			 id[VOTE_ID_LEN + 1];
	int			 acked;

	acked = 0;
	if (res->status == GRPC_STATUS_OK && res->reply != NULL &&
	    (reply = marimba__v1__cast_reply__unpack(NULL, res->reply_len,
	    res->reply)) != NULL) {
		if (strlen(reply->id) == VOTE_ID_LEN) {
			memcpy(id, reply->id, sizeof(id));
			acked = 1;
		}
		marimba__v1__cast_reply__free_unpacked(reply, NULL);
	}

	pthread_mutex_lock(&g->lock);
	g->counts.sent++;
	if (acked) {
		g->counts.acked++;
		(void)latency_add(&g->lat, took);
	} else if (res->status == GRPC_STATUS_UNAVAILABLE ||
	    res->status == GRPC_STATUS_RESOURCE_EXHAUSTED)
		g->counts.unavailable++;
	else if (res->status == GRPC_STATUS_DEADLINE_EXCEEDED ||
	    res->status == GRPC_STATUS_CANCELLED)
		g->counts.failed++;
	else {
		g->counts.other++;
		g->counts.other_code = res->status;
	}
	pthread_mutex_unlock(&g->lock);
	if (acked)
		lg_sink_ack(g->sink, id, sent);
}

static void
grpc_free(struct lg_gen *g)
{
	struct grpc_impl	*gi = g->impl;
	size_t			 i;

	if (gi == NULL)
		return;
	if (gi->pool.ch != NULL)
		grpc_channel_destroy(gi->pool.ch);
	for (i = 0; i < gi->nmsgs; i++)
		free(DECONST(void *, gi->msgs[i].data));
	free(gi->msgs);
	free(gi);
	g->impl = NULL;
	g->impl_free = NULL;
}
