/* SPDX-License-Identifier: ISC */
/*
 * Readiness for GET /readyz: a thread of the worker asks the broker for
 * metadata once a second (bounded by a timeout) and keeps the answer, so
 * the handler reads a cached flag and never blocks the worker's loop.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "readiness.h"
#include "vote_producer.h"

#define READINESS_INTERVAL_MS	1000

struct readiness {
	struct vote_producer	*producer;
	int			 timeout_ms;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	int			 stop;		/* under lock */
	int			 up;		/* under lock */
};

static void	*readiness_run(void *);

struct readiness *
readiness_start(struct vote_producer *vp, int timeout_ms, char *err,
    size_t errlen)
{
	struct readiness	*rd;
	pthread_condattr_t	 attr;
	int			 rc;

	if ((rd = calloc(1, sizeof(*rd))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	rd->producer = vp;
	rd->timeout_ms = timeout_ms;

	if ((rc = pthread_condattr_init(&attr)) != 0 ||
	    (rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) != 0 ||
	    (rc = pthread_cond_init(&rd->cond, &attr)) != 0) {
		snprintf(err, errlen, "pthread_cond_init: %s", strerror(rc));
		free(rd);
		return (NULL);
	}
	(void)pthread_condattr_destroy(&attr);
	if ((rc = pthread_mutex_init(&rd->lock, NULL)) != 0) {
		snprintf(err, errlen, "pthread_mutex_init: %s", strerror(rc));
		(void)pthread_cond_destroy(&rd->cond);
		free(rd);
		return (NULL);
	}
	if ((rc = pthread_create(&rd->thread, NULL, readiness_run, rd)) != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		(void)pthread_mutex_destroy(&rd->lock);
		(void)pthread_cond_destroy(&rd->cond);
		free(rd);
		return (NULL);
	}
	return (rd);
}

int
readiness_kafka_up(struct readiness *rd)
{
	int	up;

	(void)pthread_mutex_lock(&rd->lock);
	up = rd->up;
	(void)pthread_mutex_unlock(&rd->lock);
	return (up);
}

/* Stops and joins the thread; it may be inside a metadata request. */
void
readiness_stop(struct readiness *rd)
{
	if (rd == NULL)
		return;
	(void)pthread_mutex_lock(&rd->lock);
	rd->stop = 1;
	(void)pthread_cond_signal(&rd->cond);
	(void)pthread_mutex_unlock(&rd->lock);
	(void)pthread_join(rd->thread, NULL);
	(void)pthread_mutex_destroy(&rd->lock);
	(void)pthread_cond_destroy(&rd->cond);
	free(rd);
}

static void *
readiness_run(void *arg)
{
	struct readiness	*rd = arg;
	struct timespec		 until;
	int			 up;

	(void)pthread_mutex_lock(&rd->lock);
	while (!rd->stop) {
		(void)pthread_mutex_unlock(&rd->lock);
		up = vote_producer_broker_is_up(rd->producer, rd->timeout_ms);
		(void)pthread_mutex_lock(&rd->lock);
		rd->up = up;

		(void)clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += READINESS_INTERVAL_MS / 1000;
		until.tv_nsec += (READINESS_INTERVAL_MS % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!rd->stop && pthread_cond_timedwait(&rd->cond,
		    &rd->lock, &until) != ETIMEDOUT)
			;
	}
	(void)pthread_mutex_unlock(&rd->lock);
	return (NULL);
}
