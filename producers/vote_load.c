/* SPDX-License-Identifier: ISC */
/*
 * marimba-vote's load generator (see vote_load.h): threads share one
 * channel, take call numbers from a shared counter and wait for the time
 * the rate gives each call before they make it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/grpc.h>

#include "vote.pb-c.h"

#include "cast_request.h"
#include "deconst.h"
#include "idem_key.h"
#include "rpc_client.h"
#include "vote_id.h"
#include "vote_load.h"

#define LOAD_ERRORS_SHOWN	5
#define LOAD_BACKOFF_MS		250	/* before the first retry, doubling */
#define LOAD_BACKOFF_MAX_MS	2000

struct load {
	const struct load_opts	*o;
	grpc_channel		*ch;
	struct rpc_msg		*msgs;		/* one per vote of o->votes */
	size_t			 batch;		/* votes per call */
	long			 ncalls;
	_Atomic long		 next_call;
	_Atomic int		 stop;		/* too many failures */
	long			 failed_calls;
	struct timespec		 t0;
	pthread_mutex_t		 lock;		/* result, ids, stderr */
	struct load_result	*res;
	int			 errors_shown;
};

static void	*load_worker(void *);
static void	 load_one(struct load *, grpc_completion_queue *, long,
		    struct rpc_msg *, struct latency *);
static void	 load_count(struct load *, struct rpc_result *, size_t,
		    const char *, int);
static int	 load_retryable(grpc_status_code);
static void	 load_sleep_ms(int);
static int64_t	 ts_us(const struct timespec *);
static int64_t	 load_elapsed_us(struct load *);

int
load_run(const struct load_opts *o, struct load_result *res)
{
	struct load	 l;
	pthread_t	*threads;
	struct timespec	 t1;
	uint8_t		*buf;
	size_t		 i, len;
	int		 n, started;

	memset(res, 0, sizeof(*res));
	memset(&l, 0, sizeof(l));
	l.o = o;
	l.res = res;
	l.batch = o->stream_batch == 0 ? 1 : o->stream_batch;
	l.ncalls = (long)((o->count + (long)l.batch - 1) / (long)l.batch);
	atomic_init(&l.next_call, 0);
	atomic_init(&l.stop, 0);
	if (pthread_mutex_init(&l.lock, NULL) != 0)
		return (-1);

	if ((l.msgs = calloc(o->nvotes, sizeof(*l.msgs))) == NULL)
		return (-1);
	for (i = 0; i < o->nvotes; i++) {
		if (cast_request_encode(&o->votes[i], &buf, &len) == -1) {
			fprintf(stderr, "out of memory\n");
			return (-1);
		}
		l.msgs[i].data = buf;
		l.msgs[i].len = len;
	}
	if ((l.ch = rpc_channel_new(o->addr)) == NULL) {
		fprintf(stderr, "cannot make a channel to %s\n", o->addr);
		return (-1);
	}
	if ((threads = calloc((size_t)o->concurrency,
	    sizeof(*threads))) == NULL)
		return (-1);

	(void)clock_gettime(CLOCK_MONOTONIC, &l.t0);
	started = 0;
	for (n = 0; n < o->concurrency; n++) {
		if (pthread_create(&threads[n], NULL, load_worker, &l) != 0) {
			fprintf(stderr, "cannot start thread %d\n", n);
			break;
		}
		started++;
	}
	for (n = 0; n < started; n++)
		pthread_join(threads[n], NULL);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	res->seconds = (double)(ts_us(&t1) - ts_us(&l.t0)) / 1e6;

	free(threads);
	grpc_channel_destroy(l.ch);
	for (i = 0; i < o->nvotes; i++)
		free(DECONST(void *, l.msgs[i].data));
	free(l.msgs);
	pthread_mutex_destroy(&l.lock);
	return (started == 0 ? -1 : 0);
}

static void *
load_worker(void *arg)
{
	struct load		*l = arg;
	grpc_completion_queue	*cq;
	struct rpc_msg		*msgs;
	struct latency		 lat;
	long			 call;

	memset(&lat, 0, sizeof(lat));
	if ((cq = rpc_cq_new()) == NULL)
		return (NULL);
	if ((msgs = calloc(l->batch, sizeof(*msgs))) == NULL) {
		rpc_cq_free(cq);
		return (NULL);
	}
	while (!atomic_load(&l->stop) &&
	    (call = atomic_fetch_add(&l->next_call, 1)) < l->ncalls) {
		load_one(l, cq, call, msgs, &lat);
		if (l->o->duration_s > 0 && load_elapsed_us(l) >=
		    (int64_t)l->o->duration_s * 1000000)
			atomic_store(&l->stop, 1);
	}

	pthread_mutex_lock(&l->lock);
	if (latency_merge(&l->res->lat, &lat) == -1)
		fprintf(stderr, "out of memory for latencies\n");
	pthread_mutex_unlock(&l->lock);
	latency_free(&lat);
	free(msgs);
	rpc_cq_free(cq);
	return (NULL);
}

static void
load_one(struct load *l, grpc_completion_queue *cq, long call,
    struct rpc_msg *msgs, struct latency *lat)
{
	const struct load_opts	*o = l->o;
	struct rpc_result	 res;
	struct timespec		 due, t0, t1;
	grpc_metadata		 md;
	char			 key[IDEM_KEY_ULID_LEN + 1];
	int64_t			 first_us;
	long			 first;
	size_t			 i, n, nmd;
	int			 rc, attempt, backoff;

	first = call * (long)l->batch;
	n = l->batch;
	if (first + (long)n > o->count)
		n = (size_t)(o->count - first);
	for (i = 0; i < n; i++)
		msgs[i] = l->msgs[(size_t)(first + (long)i) % o->nvotes];

	if (o->rate > 0) {
		first_us = ts_us(&l->t0) + (int64_t)((double)first * 1e6 /
		    o->rate);
		due.tv_sec = first_us / 1000000;
		due.tv_nsec = (first_us % 1000000) * 1000;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due,
		    NULL) == EINTR)
			;
	}

	memset(&md, 0, sizeof(md));
	nmd = 0;
	if (o->keys && idem_key_new(key, marimba_now_ms()) == 0) {
		md.key = grpc_slice_from_static_string(RPC_MD_IDEMPOTENCY_KEY);
		md.value = grpc_slice_from_copied_string(key);
		nmd = 1;
	}

	/* The latency of a call includes its retries: what a client sees. */
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	backoff = LOAD_BACKOFF_MS;
	for (attempt = 0;; attempt++) {
		rc = rpc_call_md(l->ch, cq, o->stream_batch > 0 ?
		    RPC_METHOD_CAST_STREAM : RPC_METHOD_CAST, nmd > 0 ? &md :
		    NULL, nmd, msgs, n, o->stream_batch > 0, o->timeout_ms,
		    &res);
		if (rc == -1) {
			res.status = GRPC_STATUS_INTERNAL;
			(void)snprintf(res.details, sizeof(res.details),
			    "the call could not be made");
		}
		/* Without a key a retry could count the votes twice. */
		if (nmd == 0 || attempt >= o->retries ||
		    !load_retryable(res.status))
			break;
		rpc_result_clear(&res);
		pthread_mutex_lock(&l->lock);
		l->res->retries++;
		pthread_mutex_unlock(&l->lock);
		load_sleep_ms(backoff);
		backoff = backoff * 2 > LOAD_BACKOFF_MAX_MS ?
		    LOAD_BACKOFF_MAX_MS : backoff * 2;
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	if (latency_add(lat, ts_us(&t1) - ts_us(&t0)) == -1)
		fprintf(stderr, "out of memory for latencies\n");
	load_count(l, &res, n, o->stream_batch > 0 ? "CastStream" : "Cast",
	    attempt > 0);
	rpc_result_clear(&res);
	if (nmd > 0)
		grpc_slice_unref(md.value);
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

static void
load_sleep_ms(int ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
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

	pthread_mutex_lock(&l->lock);
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
				atomic_store(&l->stop, 1);
		}
		if (l->errors_shown++ < LOAD_ERRORS_SHOWN)
			fprintf(stderr, "%s: %s: %s\n", method,
			    rpc_status_name(res->status),
			    res->status == GRPC_STATUS_OK ?
			    "unreadable reply" : res->details);
	}
	pthread_mutex_unlock(&l->lock);

	if (one != NULL)
		marimba__v1__cast_reply__free_unpacked(one, NULL);
	if (many != NULL)
		marimba__v1__cast_stream_reply__free_unpacked(many, NULL);
}

static int64_t
ts_us(const struct timespec *ts)
{
	return ((int64_t)ts->tv_sec * 1000000 + ts->tv_nsec / 1000);
}

static int64_t
load_elapsed_us(struct load *l)
{
	struct timespec	now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (ts_us(&now) - ts_us(&l->t0));
}
