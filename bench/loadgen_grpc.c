/* SPDX-License-Identifier: ISC */
/*
 * gRPC load (see loadgen.h): `concurrency` blocking callers share one
 * channel, take vote numbers from a counter and make a unary Cast for
 * each at t0 + k / rate. The caller must have called grpc_init().
 * Keyed, each Cast carries idempotency-key metadata and is made again
 * with it after UNAVAILABLE, RESOURCE_EXHAUSTED, a deadline or a broken
 * call.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/grpc.h>

#include "vote.pb-c.h"

#include "cast_request.h"
#include "deconst.h"
#include "idem_key.h"
#include "loadgen.h"
#include "rpc_client.h"
#include "vote_id.h"

#define GRPC_NAP_US	50000	/* longest sleep between stop checks */

struct grpc_impl {
	grpc_channel	*ch;
	struct rpc_msg	*msgs;		/* a CastRequest per vote */
	size_t		 nmsgs;
};

static void	*grpc_caller(void *);
static int	 grpc_wait_until(struct lg_gen *, int64_t);
static int	 grpc_cast(struct lg_gen *, grpc_completion_queue *, long,
		    struct rpc_result *);
static int	 grpc_retryable(int, grpc_status_code);
static void	 grpc_nap_us(int64_t);
static void	 grpc_count(struct lg_gen *, struct rpc_result *, int,
		    int64_t);
static void	 grpc_free(struct lg_gen *);

int
lg_grpc_start(struct lg_gen *g)
{
	struct grpc_impl	*gi;
	uint8_t			*buf;
	size_t			 i, len;
	int			 n;

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
	if ((gi->ch = rpc_channel_new(g->addr)) == NULL) {
		fprintf(stderr, "loadgen: grpc: no channel to %s\n", g->addr);
		goto fail;
	}
	if ((g->threads = calloc((size_t)g->concurrency,
	    sizeof(*g->threads))) == NULL)
		goto fail;
	atomic_store(&g->next, 0);
	g->t0_us = lg_now_us();
	for (n = 0; n < g->concurrency; n++) {
		if (pthread_create(&g->threads[n], NULL, grpc_caller, g) != 0)
			break;
		g->nthreads++;
	}
	if (g->nthreads == 0) {
		fprintf(stderr, "loadgen: grpc: cannot start a caller\n");
		goto fail;
	}
	return (0);
fail:
	grpc_free(g);
	return (-1);
}

static void *
grpc_caller(void *arg)
{
	struct lg_gen		*g = arg;
	grpc_completion_queue	*cq;
	struct rpc_result	 res;
	int64_t			 due, sent;
	long			 k;
	int			 rc;

	if ((cq = rpc_cq_new()) == NULL)
		return (NULL);
	while (!atomic_load(&g->stop)) {
		k = atomic_fetch_add(&g->next, 1);
		due = g->t0_us + (int64_t)((double)k * 1e6 / g->rate);
		if (lg_now_us() - due > 1000000) {
			/* Over a second behind: the vote is not sent. */
			pthread_mutex_lock(&g->lock);
			g->counts.skipped++;
			pthread_mutex_unlock(&g->lock);
			continue;
		}
		if (grpc_wait_until(g, due) == -1)
			break;
		sent = lg_now_us();
		memset(&res, 0, sizeof(res));
		rc = grpc_cast(g, cq, k, &res);
		grpc_count(g, &res, rc, sent);
		rpc_result_clear(&res);
	}
	rpc_cq_free(cq);
	pthread_mutex_lock(&g->lock);
	g->t1_us = lg_now_us();
	pthread_mutex_unlock(&g->lock);
	return (NULL);
}

/*
 * Casts vote k: once, or keyed until an answer that settles it (or the
 * retries are spent). res holds the last attempt's; rpc_call()'s value.
 */
static int
grpc_cast(struct lg_gen *g, grpc_completion_queue *cq, long k,
    struct rpc_result *res)
{
	struct grpc_impl	*gi = g->impl;
	grpc_metadata		 md;
	char			 key[IDEM_KEY_ULID_LEN + 1];
	size_t			 nmd;
	int			 rc, attempt;

	memset(&md, 0, sizeof(md));
	nmd = 0;
	if (g->keyed && idem_key_new(key, marimba_now_ms()) == 0) {
		md.key = grpc_slice_from_static_string(RPC_MD_IDEMPOTENCY_KEY);
		md.value = grpc_slice_from_copied_string(key);
		nmd = 1;
	}
	for (attempt = 0;; attempt++) {
		rc = rpc_call_md(gi->ch, cq, RPC_METHOD_CAST,
		    nmd > 0 ? &md : NULL, nmd,
		    &gi->msgs[(size_t)k % gi->nmsgs], 1, 0, g->timeout_ms,
		    res);
		if (nmd == 0 || attempt >= g->retries ||
		    !grpc_retryable(rc, res->status))
			break;
		rpc_result_clear(res);
		pthread_mutex_lock(&g->lock);
		g->counts.retried++;
		pthread_mutex_unlock(&g->lock);
		grpc_nap_us(lg_backoff_us(attempt));
	}
	if (nmd > 0)
		grpc_slice_unref(md.value);
	return (rc);
}

/* An answer after which the vote may or may not be stored. */
static int
grpc_retryable(int rc, grpc_status_code st)
{
	return (rc == -1 || st == GRPC_STATUS_UNAVAILABLE ||
	    st == GRPC_STATUS_RESOURCE_EXHAUSTED ||
	    st == GRPC_STATUS_DEADLINE_EXCEEDED ||
	    st == GRPC_STATUS_CANCELLED || st == GRPC_STATUS_UNKNOWN ||
	    st == GRPC_STATUS_INTERNAL);
}

static void
grpc_nap_us(int64_t us)
{
	struct timespec	ts;

	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (long)(us % 1000000) * 1000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Sleeps until the monotonic time `at`; -1 if told to stop meanwhile. */
static int
grpc_wait_until(struct lg_gen *g, int64_t at)
{
	struct timespec	ts;
	int64_t		now, nap;

	while ((now = lg_now_us()) < at) {
		if (atomic_load(&g->stop))
			return (-1);
		nap = at - now < GRPC_NAP_US ? at - now : GRPC_NAP_US;
		ts.tv_sec = nap / 1000000;
		ts.tv_nsec = (long)(nap % 1000000) * 1000;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	return (0);
}

static void
grpc_count(struct lg_gen *g, struct rpc_result *res, int rc, int64_t sent)
{
	Marimba__V1__CastReply	*reply;
	char			 id[VOTE_ID_LEN + 1];
	int64_t			 took;
	int			 acked;

	took = lg_now_us() - sent;
	acked = 0;
	if (rc == 0 && res->status == GRPC_STATUS_OK && res->reply != NULL &&
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
	} else if (rc == -1)
		g->counts.failed++;
	else if (res->status == GRPC_STATUS_UNAVAILABLE ||
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
	if (gi->ch != NULL)
		grpc_channel_destroy(gi->ch);
	for (i = 0; i < gi->nmsgs; i++)
		free(DECONST(void *, gi->msgs[i].data));
	free(gi->msgs);
	free(gi);
	g->impl = NULL;
	g->impl_free = NULL;
}
