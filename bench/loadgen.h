/* SPDX-License-Identifier: ISC */
/*
 * Paced vote load over REST (libcurl multi, one thread) and gRPC (blocking
 * callers on the gRPC C core), with every acknowledged id handed to a sink
 * (an ids file, a file of ack times, an end-to-end latency sampler).
 * Optionally every request carries an idempotency key and is retried
 * with it after a refusal. Shared by marimba-loadgen
 * (bench/e2e-bench) and the chaos test (tests/chaos).
 */
#ifndef MARIMBA_LOADGEN_H
#define MARIMBA_LOADGEN_H

#define LG_BACKOFF_US		250000	/* before a keyed retry, doubling */
#define LG_BACKOFF_MAX_US	2000000

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "clock.h"	/* marimba_mono_us(): every time here */
#include "latency.h"
#include "vote.h"

struct lg_e2e;

/* What became of the votes a generator offered. */
struct lg_counts {
	long	sent;		/* requests made (one vote each) */
	long	acked;		/* 202 / OK, with an id */
	long	unavailable;	/* 503 / UNAVAILABLE / RESOURCE_EXHAUSTED */
	long	failed;		/* no answer: refused, reset, timed out, 408 */
	long	other;		/* any other answer */
	long	skipped;	/* over 1 s behind schedule: never sent */
	long	retried;	/* keyed: attempts refused, then made again */
	long	other_code;	/* the last "other": HTTP or gRPC status */
};

/* Where acknowledged ids go; one sink may serve several generators. */
struct lg_sink {
	pthread_mutex_t	 lock;
	FILE		*ids;		/* one id per line, or NULL */
	FILE		*times;		/* "sent_us acked_us" a line, or NULL */
	struct lg_e2e	*e2e;		/* end-to-end sampler, or NULL */
};

struct lg_gen {
	/* Set by the caller before starting. */
	const char		*name;		/* "rest" or "grpc" */
	double			 rate;		/* votes per second, > 0 */
	int			 concurrency;	/* requests in flight, most */
	int			 timeout_ms;	/* per request */
	const struct vote	*votes;		/* cycled through */
	size_t			 nvotes;
	struct lg_sink		*sink;		/* may be NULL */
	_Atomic int		 port;		/* REST: Kore's; may change */
	char			 addr[128];	/* gRPC: host:port */
	/*
	 * With keyed, each request carries a new idempotency key and is
	 * made again with it (up to retries times, backoff 250 ms doubling
	 * to 2 s) after a 503 / UNAVAILABLE / no answer; the counts then
	 * say how the last attempt went, and latency runs from the first.
	 */
	int			 keyed;
	int			 retries;

	/* Private. */
	_Atomic int		 stop;
	pthread_mutex_t		 lock;		/* counts, lat */
	struct lg_counts	 counts;
	struct latency		 lat;		/* acked, microseconds */
	int64_t			 t0_us;
	int64_t			 t1_us;		/* last request ended */
	pthread_t		*threads;
	int			 nthreads;
	void			*impl;
	void			(*impl_free)(struct lg_gen *);
};

/* Reads votes from a JSON array in the seed format (locust/data.json). */
int	lg_votes_load(const char *, struct vote **, size_t *);

int	lg_sink_init(struct lg_sink *, FILE *, struct lg_e2e *);
void	lg_sink_ack(struct lg_sink *, const char *, int64_t);
void	lg_sink_free(struct lg_sink *);

/* Microseconds to wait before retry number attempt + 1 (0-based). */
int64_t	lg_backoff_us(int);

/* Start the generator's threads; 0, or -1 with a message on stderr. */
int	lg_rest_start(struct lg_gen *);
int	lg_grpc_start(struct lg_gen *);

/* Stops sending, waits for requests in flight, joins the threads. */
void	lg_stop(struct lg_gen *);

/* A consistent copy of the counts so far. */
void	lg_counts(struct lg_gen *, struct lg_counts *);

/* Frees what a stopped generator holds. */
void	lg_free(struct lg_gen *);

/*
 * End-to-end sampler: up to per_s acknowledged votes a second are
 * watched until <prefix>:seen:<id> exists in Redis (the consumer counted
 * them); the latency is from the request's start, and from its
 * acknowledgement (the moment it was offered).
 */
struct lg_e2e	*lg_e2e_start(const char *, int, const char *, double);
void		 lg_e2e_offer(struct lg_e2e *, const char *, int64_t);
/*
 * Waits up to grace_ms for watched votes, stops; samples from the
 * request's start into *lat, from the acknowledgement into *from_ack.
 */
void		 lg_e2e_stop(struct lg_e2e *, int, struct latency *,
		    struct latency *, long *);

#endif
