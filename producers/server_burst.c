/* SPDX-License-Identifier: ISC */
/*
 * The burst thread of marimba-grpc (see server_burst.h): waits for a burst
 * handed over by the completion-queue thread, has librdkafka send it at
 * once (vote_producer_send_now) and waits for its reports, which the
 * delivery-report thread serves and answers, then produces the calls
 * parked meanwhile as the next burst.
 */
#include <pthread.h>
#include <stdio.h>

#include "clock.h"
#include "log.h"
#include "server_burst.h"

#define BURST_BACKOFF_MS 100	/* a burst's reports were late: linger.ms */

static void	*burst_run(void *);

int
burst_start(struct server_burst *b, pthread_mutex_t *mu,
    struct vote_producer *vp, int min_votes, int wait_ms,
    burst_produce_fn produce_parked, void *arg)
{
	b->mu = mu;
	b->vp = vp;
	b->min_votes = min_votes;
	b->wait_ms = wait_ms;
	b->produce_parked = produce_parked;
	b->arg = arg;
	if (pthread_cond_init(&b->wake, NULL) != 0)
		return (-1);
	if (pthread_create(&b->thread, NULL, burst_run, b) != 0) {
		pthread_cond_destroy(&b->wake);
		return (-1);
	}
	b->started = 1;
	return (0);
}

void
burst_stop(struct server_burst *b)
{
	if (!b->started)
		return;
	pthread_mutex_lock(b->mu);
	b->stop = 1;
	pthread_cond_signal(&b->wake);
	pthread_mutex_unlock(b->mu);
	(void)pthread_join(b->thread, NULL);
	pthread_cond_destroy(&b->wake);
	b->started = 0;
}

void
burst_end(struct server_burst *b)
{
	size_t	votes;

	votes = b->votes;
	b->votes = 0;
	if (!b->started || b->sending || b->min_votes == 0 ||
	    votes < (size_t)b->min_votes)
		return;
	if (marimba_mono_ms() < b->backoff_ms)
		return;
	/* Earlier votes in flight (with linger.ms): their requests go on. */
	if ((size_t)vote_producer_queue_len(b->vp) > votes)
		return;
	b->sending = 1;
	pthread_cond_signal(&b->wake);
}

int
burst_parks(const struct server_burst *b)
{
	return (b->sending);
}

void
burst_count(struct server_burst *b, size_t n)
{
	b->votes += n;
}

/*
 * Sends the burst, then the parked calls' votes as the next one, until a
 * burst leaves nothing parked. A wait that runs out (a slow or missing
 * broker: the reports still come and answer the calls) turns bursts off
 * for BURST_BACKOFF_MS; the parked calls are then produced with linger.ms.
 */
static void *
burst_run(void *arg)
{
	struct server_burst	*b = arg;
	size_t			 next;
	int			 sent;

	pthread_mutex_lock(b->mu);
	for (;;) {
		while (!b->sending && !b->stop)
			pthread_cond_wait(&b->wake, b->mu);
		if (b->stop)
			break;
		pthread_mutex_unlock(b->mu);
		sent = vote_producer_send_now(b->vp, b->wait_ms);
		pthread_mutex_lock(b->mu);
		if (sent == -1) {
			b->backoff_ms = marimba_mono_ms() + BURST_BACKOFF_MS;
			log_debug("a burst was not acknowledged within %d ms: "
			    "linger.ms for %d ms", b->wait_ms,
			    BURST_BACKOFF_MS);
		}
		/* The parked votes are this thread's burst, not the queue's. */
		b->votes = 0;
		b->produce_parked(b->arg);
		next = b->votes;
		b->votes = 0;
		if (next == 0 || sent == -1)
			b->sending = 0;
	}
	b->sending = 0;
	b->produce_parked(b->arg);
	pthread_mutex_unlock(b->mu);
	return (NULL);
}
