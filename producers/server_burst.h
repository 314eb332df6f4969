/* SPDX-License-Identifier: ISC */
/*
 * Sending a burst of votes at once (docs/grpc.md, "Threads and state").
 * The calls the completion-queue thread finds ready together are produced
 * together; rather than leave their votes to wait out linger.ms for a
 * produce request nothing else will join, the burst thread has librdkafka
 * send them now and waits for their reports, while the calls arriving
 * meanwhile are parked and then produced as the next burst: one such
 * request in flight at a time, as Nagle's algorithm keeps one small
 * segment in flight on a TCP connection. The server owns the parked
 * calls; this knows them only through the produce_parked callback.
 */
#ifndef MARIMBA_SERVER_BURST_H
#define MARIMBA_SERVER_BURST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "vote_producer.h"

/*
 * Produces the parked calls' votes (mutex held), each counted with
 * burst_count().
 */
typedef void	(*burst_produce_fn)(void *arg);

/* The burst thread and its state; all of it under *mu. */
struct server_burst {
	pthread_mutex_t		*mu;		/* the server's */
	struct vote_producer	*vp;
	int			 min_votes;	/* smallest burst; 0 never */
	int			 wait_ms;	/* for a burst's reports */
	burst_produce_fn	 produce_parked;
	void			*arg;
	pthread_t		 thread;
	pthread_cond_t		 wake;
	int			 started;
	int			 stop;
	int			 sending;	/* a burst is in flight */
	size_t			 votes;		/* produced since idle */
	int64_t			 backoff_ms;	/* linger.ms until then */
};

/*
 * Starts the burst thread for producer vp, under the server's mutex mu;
 * produce_parked(arg) produces the calls parked meanwhile. -1 if it
 * could not start.
 */
int	burst_start(struct server_burst *, pthread_mutex_t *,
	    struct vote_producer *, int, int, burst_produce_fn, void *);

/* Stops it; parked calls are produced first (mutex not held). */
void	burst_stop(struct server_burst *);

/*
 * Mutex held, by the completion-queue thread when no event is ready: the
 * votes produced since the last time are a burst; hands it to the burst
 * thread if it is big enough and nothing else is in flight.
 */
void	burst_end(struct server_burst *);

/* Mutex held: 1 if a call's votes must wait for the burst in flight. */
int	burst_parks(const struct server_burst *);

/* Mutex held: n votes were produced (counted into the burst). */
void	burst_count(struct server_burst *, size_t);

#endif
