/* SPDX-License-Identifier: ISC */
/*
 * marimba-vote's load generator (see vote_load.h) over rpc_pool.c: the
 * votes of the list cycled through, call k paced by the rate, and each
 * call's answer counted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/grpc.h>

#include "vote.pb-c.h"

#include "cast_request.h"
#include "deconst.h"
#include "rpc_pool.h"
#include "vote_load.h"

#define LOAD_ERRORS_SHOWN	5

struct load {
	const struct load_opts	*o;
	struct rpc_msg		*msgs;		/* one per vote of o->votes */
	size_t			 batch;		/* votes per call */
	long			 ncalls;
	int			 stop;		/* too many failures */
	long			 failed_calls;
	struct load_result	*res;
	int			 errors_shown;
};

static int64_t	 load_due_us(void *, long);
static long	 load_fill(void *, long, struct rpc_msg *, size_t);
static void	 load_done(void *, const struct rpc_result *, size_t, int,
		    int64_t, int64_t);
static int	 load_stop(void *, int64_t);
static void	 load_count(struct load *, const struct rpc_result *, size_t,
		    const char *, int);

int
load_run(const struct load_opts *o, struct load_result *res)
{
	struct load		 l;
	struct rpc_pool_conf	 c;
	struct rpc_pool_stats	 st;
	uint8_t			*buf;
	size_t			 i, len;
	int			 rc;

	memset(res, 0, sizeof(*res));
	memset(&l, 0, sizeof(l));
	l.o = o;
	l.res = res;
	l.batch = o->stream_batch == 0 ? 1 : o->stream_batch;
	l.ncalls = (long)((o->count + (long)l.batch - 1) / (long)l.batch);
	if ((l.msgs = calloc(o->nvotes, sizeof(*l.msgs))) == NULL) {
		fprintf(stderr, "out of memory\n");
		return (-1);
	}
	rc = -1;
	for (i = 0; i < o->nvotes; i++) {
		if (cast_request_encode(&o->votes[i], &buf, &len) == -1) {
			fprintf(stderr, "out of memory\n");
			goto done;
		}
		l.msgs[i].data = buf;
		l.msgs[i].len = len;
	}

	memset(&c, 0, sizeof(c));
	if ((c.ch = rpc_channel_new(o->addr)) == NULL) {
		fprintf(stderr, "cannot make a channel to %s\n", o->addr);
		goto done;
	}
	c.method = o->stream_batch > 0 ? RPC_METHOD_CAST_STREAM :
	    RPC_METHOD_CAST;
	c.streaming = o->stream_batch > 0;
	c.max_msgs = l.batch;
	c.slots = o->concurrency;
	c.timeout_ms = o->timeout_ms;
	c.keys = o->keys;
	c.retries = o->retries;
	c.arg = &l;
	c.due_us = load_due_us;
	c.fill = load_fill;
	c.done = load_done;
	c.stop = load_stop;
	rc = rpc_pool_run(&c, &st);
	grpc_channel_destroy(c.ch);
	res->retries = st.retries;
	res->seconds = st.seconds;
done:
	for (i = 0; i < o->nvotes; i++)
		free(DECONST(void *, l.msgs[i].data));
	free(l.msgs);
	return (rc);
}

/* Call k's first vote is due at k * batch / rate; at once without rate. */
static int64_t
load_due_us(void *arg, long k)
{
	struct load	*l = arg;

	if (l->o->rate <= 0)
		return (0);
	return ((int64_t)((double)(k * (long)l->batch) * 1e6 / l->o->rate));
}

/* Call k carries the next batch of votes of the list, cycled through. */
static long
load_fill(void *arg, long k, struct rpc_msg *msgs, size_t max)
{
	struct load	*l = arg;
	long		 first;
	size_t		 i, n;

	if (k >= l->ncalls)
		return (0);
	first = k * (long)l->batch;
	n = max;
	if (first + (long)n > l->o->count)
		n = (size_t)(l->o->count - first);
	for (i = 0; i < n; i++)
		msgs[i] = l->msgs[(size_t)(first + (long)i) % l->o->nvotes];
	return ((long)n);
}

static void
load_done(void *arg, const struct rpc_result *res, size_t n, int retried,
    int64_t started_us, int64_t ended_us)
{
	struct load	*l = arg;

	if (latency_add(&l->res->lat, ended_us - started_us) == -1)
		fprintf(stderr, "out of memory for latencies\n");
	load_count(l, res, n, l->o->stream_batch > 0 ? "CastStream" :
	    "Cast", retried);
}

/* Stop making calls after --duration or --max-failures. */
static int
load_stop(void *arg, int64_t now_us)
{
	struct load	*l = arg;

	return (l->stop || (l->o->duration_s > 0 &&
	    now_us >= (int64_t)l->o->duration_s * 1000000));
}

/* Counts one call's votes and writes the accepted ids. */
static void
load_count(struct load *l, const struct rpc_result *res, size_t n,
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
