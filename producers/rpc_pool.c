/* SPDX-License-Identifier: ISC */
/*
 * Many gRPC calls in flight from one thread (see rpc_pool.h). A slot
 * holds one call: free, calling, or backing off before the same call is
 * made again with its key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>
#include <grpc/support/time.h>

#include "clock.h"
#include "idem_key.h"
#include "rpc_async.h"
#include "rpc_pool.h"

#define POOL_BACKOFF_MS		250	/* before the first retry, doubling */
#define POOL_BACKOFF_MAX_MS	2000
#define POOL_TICK_US		50000	/* longest wait between turns */

enum slot_state {
	SLOT_FREE,
	SLOT_CALLING,		/* its call is in flight */
	SLOT_BACKING_OFF	/* until retry_us, then the same call again */
};

struct slot {
	struct rpc_async	 a;		/* first: tag->call is it */
	enum slot_state		 state;
	struct rpc_msg		*msgs;
	size_t			 n;
	grpc_metadata		 md;		/* the idempotency key */
	size_t			 nmd;
	char			 key[IDEM_KEY_ULID_LEN + 1];
	int			 attempt;
	int			 backoff_ms;
	int64_t			 started_us;	/* first attempt */
	int64_t			 retry_us;
};

struct pool {
	const struct rpc_pool_conf	*c;
	struct rpc_pool_stats		*st;
	grpc_completion_queue		*cq;
	struct slot			*slots;
	int				 busy;		/* slots not free */
	int				 backing_off;
	long				 next;		/* call number */
	int				 ended;		/* no more calls */
	int64_t				 t0_us;		/* marimba_mono_us() */
};

static int	 pool_init(struct pool *, const struct rpc_pool_conf *,
		    struct rpc_pool_stats *);
static void	 pool_free(struct pool *);
static int64_t	 pool_turn(struct pool *, int64_t);
static int	 pool_take(struct pool *, struct slot *, int64_t, int64_t *);
static void	 pool_call(struct pool *, struct slot *);
static void	 pool_done(struct pool *, struct slot *);
static void	 pool_finish(struct pool *, struct slot *,
		    const struct rpc_result *, int64_t);
static int	 pool_retryable(grpc_status_code);
static int64_t	 pool_now_us(const struct pool *);

int
rpc_pool_run(const struct rpc_pool_conf *c, struct rpc_pool_stats *st)
{
	struct pool		 p;
	struct rpc_async_tag	*tag;
	grpc_event		 ev;
	int64_t			 now, wake;

	if (pool_init(&p, c, st) == -1) {
		pool_free(&p);
		return (-1);
	}
	for (;;) {
		now = pool_now_us(&p);
		if (!p.ended && c->stop != NULL && c->stop(c->arg, now))
			p.ended = 1;
		wake = pool_turn(&p, now);
		if (p.busy == 0 && p.ended)
			break;
		if (wake > now + POOL_TICK_US)
			wake = now + POOL_TICK_US;
		ev = grpc_completion_queue_next(p.cq, gpr_time_add(
		    gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_micros(
		    wake > now ? wake - now : 0, GPR_TIMESPAN)), NULL);
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		tag = ev.tag;
		if (rpc_async_event(tag, ev.success) == 1)
			pool_done(&p, (struct slot *)(void *)tag->call);
	}
	st->seconds = (double)pool_now_us(&p) / 1e6;
	pool_free(&p);
	return (0);
}

/* An answer after which the call may or may not have been stored. */
static int
pool_retryable(grpc_status_code st)
{
	switch (st) {
	case GRPC_STATUS_UNAVAILABLE:
	case GRPC_STATUS_RESOURCE_EXHAUSTED:
	case GRPC_STATUS_DEADLINE_EXCEEDED:
	case GRPC_STATUS_CANCELLED:
	case GRPC_STATUS_UNKNOWN:
	case GRPC_STATUS_INTERNAL:
		return (1);
	default:
		return (0);
	}
}

static int
pool_init(struct pool *p, const struct rpc_pool_conf *c,
    struct rpc_pool_stats *st)
{
	int	n;

	memset(p, 0, sizeof(*p));
	memset(st, 0, sizeof(*st));
	p->c = c;
	p->st = st;
	if (c->slots < 1 || c->max_msgs < 1) {
		fprintf(stderr, "rpc_pool: bad settings\n");
		return (-1);
	}
	if ((p->slots = calloc((size_t)c->slots, sizeof(*p->slots))) == NULL)
		goto oom;
	for (n = 0; n < c->slots; n++)
		if ((p->slots[n].msgs = calloc(c->max_msgs,
		    sizeof(*p->slots[n].msgs))) == NULL)
			goto oom;
	if ((p->cq = grpc_completion_queue_create_for_next(NULL)) == NULL) {
		fprintf(stderr, "rpc_pool: cannot make a completion queue\n");
		return (-1);
	}
	p->t0_us = c->t0_us != 0 ? c->t0_us : marimba_mono_us();
	return (0);
oom:
	fprintf(stderr, "rpc_pool: out of memory\n");
	return (-1);
}

static void
pool_free(struct pool *p)
{
	int	n;

	if (p->cq != NULL) {
		grpc_completion_queue_shutdown(p->cq);
		while (grpc_completion_queue_next(p->cq, gpr_inf_future(
		    GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN)
			;
		grpc_completion_queue_destroy(p->cq);
	}
	for (n = 0; p->slots != NULL && n < p->c->slots; n++)
		free(p->slots[n].msgs);
	free(p->slots);
}

/*
 * Makes the retries whose back-off is over and starts the calls that are
 * due in free slots. Returns when something is due next (a retry or a
 * call), INT64_MAX if nothing is.
 */
static int64_t
pool_turn(struct pool *p, int64_t now)
{
	struct slot	*s;
	int64_t		 wake;
	int		 n;

	wake = INT64_MAX;
	for (n = 0; n < p->c->slots && (p->backing_off > 0 ||
	    (!p->ended && p->busy < p->c->slots)); n++) {
		s = &p->slots[n];
		if (s->state == SLOT_BACKING_OFF) {
			if (s->retry_us > now) {
				if (s->retry_us < wake)
					wake = s->retry_us;
				continue;
			}
			p->backing_off--;
			s->attempt++;
			pool_call(p, s);
		} else if (s->state == SLOT_FREE && !p->ended &&
		    pool_take(p, s, now, &wake) == 1)
			pool_call(p, s);
	}
	return (wake);
}

/*
 * Gives the free slot the next call if it is due: 1, or 0 (*wake moved
 * to its time if it is to come).
 */
static int
pool_take(struct pool *p, struct slot *s, int64_t now, int64_t *wake)
{
	const struct rpc_pool_conf	*c = p->c;
	int64_t				 due;
	long				 n;

	for (;;) {
		due = c->due_us != NULL ? c->due_us(c->arg, p->next) : 0;
		if (due > now) {
			if (due < *wake)
				*wake = due;
			return (0);
		}
		n = c->fill(c->arg, p->next, s->msgs, c->max_msgs);
		if (n == 0) {
			p->ended = 1;
			return (0);
		}
		if (n > 0)
			break;
		p->next++;		/* skipped */
	}
	p->next++;
	s->n = (size_t)n;
	s->nmd = 0;
	if (c->keys && idem_key_new(s->key, marimba_now_ms()) == 0) {
		s->md.key = grpc_slice_from_static_string(
		    RPC_MD_IDEMPOTENCY_KEY);
		s->md.value = grpc_slice_from_static_string(s->key);
		s->nmd = 1;
	}
	s->attempt = 0;
	s->backoff_ms = POOL_BACKOFF_MS;
	/* The latency of a call includes its retries. */
	s->started_us = now;
	p->busy++;
	return (1);
}

/* Starts the slot's call (again); a call that cannot start is done. */
static void
pool_call(struct pool *p, struct slot *s)
{
	const struct rpc_pool_conf	*c = p->c;
	struct rpc_result		 res;

	s->state = SLOT_CALLING;
	if (rpc_async_start(&s->a, c->ch, p->cq, c->method, s->nmd > 0 ?
	    &s->md : NULL, s->nmd, s->msgs, s->n, c->streaming,
	    c->timeout_ms) == 0)
		return;
	memset(&res, 0, sizeof(res));
	res.status = GRPC_STATUS_INTERNAL;
	(void)snprintf(res.details, sizeof(res.details),
	    "the call could not be made");
	pool_finish(p, s, &res, pool_now_us(p));
}

/* The slot's call is over: done, or backing off before a retry. */
static void
pool_done(struct pool *p, struct slot *s)
{
	const struct rpc_pool_conf	*c = p->c;
	int64_t				 now;

	now = pool_now_us(p);
	/* Without a key a retry could count the votes twice. */
	if (s->nmd > 0 && s->attempt < c->retries &&
	    pool_retryable(s->a.res.status)) {
		rpc_async_clear(&s->a);
		p->st->retries++;
		s->state = SLOT_BACKING_OFF;
		s->retry_us = now + (int64_t)s->backoff_ms * 1000;
		s->backoff_ms = s->backoff_ms * 2 > POOL_BACKOFF_MAX_MS ?
		    POOL_BACKOFF_MAX_MS : s->backoff_ms * 2;
		p->backing_off++;
		return;
	}
	pool_finish(p, s, &s->a.res, now);
	rpc_async_clear(&s->a);
}

/* The slot's call is over with res: told to the caller, the slot free. */
static void
pool_finish(struct pool *p, struct slot *s, const struct rpc_result *res,
    int64_t now)
{
	p->c->done(p->c->arg, res, s->n, s->attempt > 0, s->started_us, now);
	s->state = SLOT_FREE;
	p->busy--;
}

static int64_t
pool_now_us(const struct pool *p)
{
	return (marimba_mono_us() - p->t0_us);
}
