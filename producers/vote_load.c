/* SPDX-License-Identifier: ISC */
/*
 * marimba-vote's load generator (see vote_load.h): one thread keeps up
 * to `concurrency` calls in flight on one channel and one completion
 * queue (rpc_async.c), as wrk does for HTTP, so the client costs the
 * machine little CPU per call next to the server it measures. A slot
 * holds one call: it starts the next call number when the rate says it
 * is due, and a keyed call that may not have been stored waits out its
 * back-off in its slot and is made again with the same key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/grpc.h>
#include <grpc/support/time.h>

#include "vote.pb-c.h"

#include "cast_request.h"
#include "deconst.h"
#include "idem_key.h"
#include "rpc_async.h"
#include "vote_id.h"
#include "vote_load.h"

#define LOAD_ERRORS_SHOWN	5
#define LOAD_BACKOFF_MS		250	/* before the first retry, doubling */
#define LOAD_BACKOFF_MAX_MS	2000
#define LOAD_TICK_US		50000	/* longest wait between checks */

enum slot_state {
	SLOT_FREE,
	SLOT_CALLING,		/* its call is in flight */
	SLOT_BACKING_OFF	/* until retry_us, then the same call again */
};

struct slot {
	struct rpc_async	 a;
	enum slot_state		 state;
	struct rpc_msg		*msgs;		/* the call's votes */
	size_t			 n;
	grpc_metadata		 md;		/* the idempotency key */
	size_t			 nmd;
	char			 key[IDEM_KEY_ULID_LEN + 1];
	int			 attempt;
	int			 backoff_ms;
	int64_t			 started_us;	/* first attempt */
	int64_t			 retry_us;
};

struct load {
	const struct load_opts	*o;
	grpc_channel		*ch;
	grpc_completion_queue	*cq;
	struct rpc_msg		*msgs;		/* one per vote of o->votes */
	size_t			 batch;		/* votes per call */
	long			 ncalls;
	long			 next_call;
	int			 stop;		/* no new calls */
	long			 failed_calls;
	struct timespec		 t0;
	struct slot		*slots;
	int			 nslots;
	int			 busy;		/* slots not free */
	int			 backing_off;
	struct load_result	*res;
	int			 errors_shown;
};

static int	 load_init(struct load *, const struct load_opts *,
		    struct load_result *);
static void	 load_free(struct load *);
static void	 load_loop(struct load *);
static int64_t	 load_due_us(struct load *, long);
static int64_t	 load_fill(struct load *, int64_t);
static void	 load_call(struct load *, struct slot *);
static void	 load_done(struct load *, struct slot *);
static void	 load_count(struct load *, struct rpc_result *, size_t,
		    const char *, int);
static int	 load_retryable(grpc_status_code);
static int64_t	 load_now_us(struct load *);

int
load_run(const struct load_opts *o, struct load_result *res)
{
	struct load	l;
	int		rc;

	if ((rc = load_init(&l, o, res)) == 0)
		load_loop(&l);
	res->seconds = (double)load_now_us(&l) / 1e6;
	load_free(&l);
	return (rc);
}

static int
load_init(struct load *l, const struct load_opts *o, struct load_result *res)
{
	uint8_t	*buf;
	size_t	 i, len;
	int	 n;

	memset(res, 0, sizeof(*res));
	memset(l, 0, sizeof(*l));
	l->o = o;
	l->res = res;
	l->batch = o->stream_batch == 0 ? 1 : o->stream_batch;
	l->ncalls = (long)((o->count + (long)l->batch - 1) / (long)l->batch);
	l->nslots = o->concurrency;
	(void)clock_gettime(CLOCK_MONOTONIC, &l->t0);

	if ((l->msgs = calloc(o->nvotes, sizeof(*l->msgs))) == NULL ||
	    (l->slots = calloc((size_t)l->nslots, sizeof(*l->slots))) == NULL)
		goto oom;
	for (i = 0; i < o->nvotes; i++) {
		if (cast_request_encode(&o->votes[i], &buf, &len) == -1)
			goto oom;
		l->msgs[i].data = buf;
		l->msgs[i].len = len;
	}
	for (n = 0; n < l->nslots; n++)
		if ((l->slots[n].msgs = calloc(l->batch,
		    sizeof(*l->slots[n].msgs))) == NULL)
			goto oom;
	if ((l->ch = rpc_channel_new(o->addr)) == NULL) {
		fprintf(stderr, "cannot make a channel to %s\n", o->addr);
		return (-1);
	}
	if ((l->cq = grpc_completion_queue_create_for_next(NULL)) == NULL) {
		fprintf(stderr, "cannot make a completion queue\n");
		return (-1);
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &l->t0);
	return (0);
oom:
	fprintf(stderr, "out of memory\n");
	return (-1);
}

static void
load_free(struct load *l)
{
	size_t	i;
	int	n;

	if (l->cq != NULL) {
		grpc_completion_queue_shutdown(l->cq);
		while (grpc_completion_queue_next(l->cq, gpr_inf_future(
		    GPR_CLOCK_REALTIME), NULL).type != GRPC_QUEUE_SHUTDOWN)
			;
		grpc_completion_queue_destroy(l->cq);
	}
	if (l->ch != NULL)
		grpc_channel_destroy(l->ch);
	for (n = 0; l->slots != NULL && n < l->nslots; n++)
		free(l->slots[n].msgs);
	free(l->slots);
	for (i = 0; l->msgs != NULL && i < l->o->nvotes; i++)
		free(DECONST(void *, l->msgs[i].data));
	free(l->msgs);
}

/*
 * Starts what is due, then waits for the next event or for the next due
 * call or retry, until every call is made (or the run stopped) and none
 * is in flight.
 */
static void
load_loop(struct load *l)
{
	struct rpc_async_tag	*tag;
	grpc_event		 ev;
	int64_t			 now, wake;

	for (;;) {
		now = load_now_us(l);
		if (l->o->duration_s > 0 &&
		    now >= (int64_t)l->o->duration_s * 1000000)
			l->stop = 1;
		wake = load_fill(l, now);
		if (l->busy == 0 && (l->stop || l->next_call >= l->ncalls))
			break;
		if (wake > now + LOAD_TICK_US)
			wake = now + LOAD_TICK_US;
		ev = grpc_completion_queue_next(l->cq, gpr_time_add(
		    gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_micros(
		    wake > now ? wake - now : 0, GPR_TIMESPAN)), NULL);
		if (ev.type != GRPC_OP_COMPLETE)
			continue;
		tag = ev.tag;
		if (rpc_async_event(tag, ev.success) == 1)
			load_done(l, (struct slot *)(void *)tag->call);
	}
}

/* When call number `call` is due (the rate's schedule), 0 without rate. */
static int64_t
load_due_us(struct load *l, long call)
{
	if (l->o->rate <= 0)
		return (0);
	return ((int64_t)((double)(call * (long)l->batch) * 1e6 /
	    l->o->rate));
}

/*
 * Makes the retries whose back-off is over and starts the calls that are
 * due in free slots. Returns when something is due next (a retry or a
 * call), INT64_MAX if nothing is.
 */
static int64_t
load_fill(struct load *l, int64_t now)
{
	struct slot	*s;
	int64_t		 wake, due;
	int		 n;

	wake = INT64_MAX;
	for (n = 0; n < l->nslots && (l->backing_off > 0 ||
	    l->busy < l->nslots); n++) {
		s = &l->slots[n];
		if (s->state == SLOT_BACKING_OFF) {
			if (s->retry_us > now) {
				if (s->retry_us < wake)
					wake = s->retry_us;
				continue;
			}
			l->backing_off--;
			load_call(l, s);
			continue;
		}
		if (s->state != SLOT_FREE || l->stop ||
		    l->next_call >= l->ncalls)
			continue;
		if ((due = load_due_us(l, l->next_call)) > now) {
			if (due < wake)
				wake = due;
			continue;
		}
		load_call(l, s);
	}
	return (wake);
}

/* The slot's call: the next call number, or its own again after a retry. */
static void
load_call(struct load *l, struct slot *s)
{
	const struct load_opts	*o = l->o;
	struct rpc_result	 res;
	long			 first;
	size_t			 i;

	if (s->state == SLOT_FREE) {
		first = l->next_call++ * (long)l->batch;
		s->n = l->batch;
		if (first + (long)s->n > o->count)
			s->n = (size_t)(o->count - first);
		for (i = 0; i < s->n; i++)
			s->msgs[i] = l->msgs[(size_t)(first + (long)i) %
			    o->nvotes];
		s->nmd = 0;
		if (o->keys && idem_key_new(s->key, marimba_now_ms()) == 0) {
			s->md.key = grpc_slice_from_static_string(
			    RPC_MD_IDEMPOTENCY_KEY);
			s->md.value = grpc_slice_from_static_string(s->key);
			s->nmd = 1;
		}
		s->attempt = 0;
		s->backoff_ms = LOAD_BACKOFF_MS;
		/* The latency of a call includes its retries. */
		s->started_us = load_now_us(l);
		l->busy++;
	} else
		s->attempt++;
	s->state = SLOT_CALLING;
	if (rpc_async_start(&s->a, l->ch, l->cq, o->stream_batch > 0 ?
	    RPC_METHOD_CAST_STREAM : RPC_METHOD_CAST, s->nmd > 0 ? &s->md :
	    NULL, s->nmd, s->msgs, s->n, o->stream_batch > 0,
	    o->timeout_ms) == 0)
		return;
	memset(&res, 0, sizeof(res));
	res.status = GRPC_STATUS_INTERNAL;
	(void)snprintf(res.details, sizeof(res.details),
	    "the call could not be made");
	load_count(l, &res, s->n, o->stream_batch > 0 ? "CastStream" :
	    "Cast", s->attempt > 0);
	s->state = SLOT_FREE;
	l->busy--;
}

/* The slot's call is over: counted, or backing off before a retry. */
static void
load_done(struct load *l, struct slot *s)
{
	const struct load_opts	*o = l->o;
	int64_t			 now;

	now = load_now_us(l);
	/* Without a key a retry could count the votes twice. */
	if (s->nmd > 0 && s->attempt < o->retries &&
	    load_retryable(s->a.res.status)) {
		rpc_async_clear(&s->a);
		l->res->retries++;
		s->state = SLOT_BACKING_OFF;
		s->retry_us = now + (int64_t)s->backoff_ms * 1000;
		s->backoff_ms = s->backoff_ms * 2 > LOAD_BACKOFF_MAX_MS ?
		    LOAD_BACKOFF_MAX_MS : s->backoff_ms * 2;
		l->backing_off++;
		return;
	}
	if (latency_add(&l->res->lat, now - s->started_us) == -1)
		fprintf(stderr, "out of memory for latencies\n");
	load_count(l, &s->a.res, s->n, o->stream_batch > 0 ? "CastStream" :
	    "Cast", s->attempt > 0);
	rpc_async_clear(&s->a);
	s->state = SLOT_FREE;
	l->busy--;
}

/*
 * Answers after which the votes may or may not be stored: made again
 * with the same key, they are counted once either way.
 */
static int
load_retryable(grpc_status_code st)
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

/* Counts one call's votes and writes the accepted ids. */
static void
load_count(struct load *l, struct rpc_result *res, size_t n,
    const char *method, int retried)
{
	Marimba__V1__CastReply		*one = NULL;
	Marimba__V1__CastStreamReply	*many = NULL;
	size_t				 i;
	int				 ok;

	ok = 0;
	if (res->status == GRPC_STATUS_OK && res->reply != NULL) {
		if (l->o->stream_batch == 0)
			one = marimba__v1__cast_reply__unpack(NULL,
			    res->reply_len, res->reply);
		else
			many = marimba__v1__cast_stream_reply__unpack(NULL,
			    res->reply_len, res->reply);
		ok = (one != NULL && one->id[0] != '\0') ||
		    (many != NULL && many->n_ids == n);
	}

	l->res->calls++;
	if (ok) {
		l->res->accepted += (long)n;
		if (retried)
			l->res->retried_ok++;
		if (l->o->ids != NULL && one != NULL)
			fprintf(l->o->ids, "%s\n", one->id);
		for (i = 0; many != NULL && l->o->ids != NULL &&
		    i < many->n_ids; i++)
			fprintf(l->o->ids, "%s\n", many->ids[i]);
	} else {
		if (res->status == GRPC_STATUS_INVALID_ARGUMENT)
			l->res->rejected += (long)n;
		else {
			l->res->failed += (long)n;
			if (++l->failed_calls == l->o->max_failures)
				l->stop = 1;
		}
		if (l->errors_shown++ < LOAD_ERRORS_SHOWN)
			fprintf(stderr, "%s: %s: %s\n", method,
			    rpc_status_name(res->status),
			    res->status == GRPC_STATUS_OK ?
			    "unreadable reply" : res->details);
	}

	if (one != NULL)
		marimba__v1__cast_reply__free_unpacked(one, NULL);
	if (many != NULL)
		marimba__v1__cast_stream_reply__free_unpacked(many, NULL);
}

static int64_t
load_now_us(struct load *l)
{
	struct timespec	now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return ((int64_t)(now.tv_sec - l->t0.tv_sec) * 1000000 +
	    (now.tv_nsec - l->t0.tv_nsec) / 1000);
}
