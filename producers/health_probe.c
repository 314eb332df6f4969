/* SPDX-License-Identifier: ISC */
/*
 * The Kafka health probe thread (see health_probe.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "health_probe.h"
#include "vote_producer.h"

#define PROBE_INTERVAL_MS	1000	/* between two metadata requests */
#define PROBE_TIMEOUT_MS	1000	/* for one metadata request */
#define PROBE_FRESH_MS		3000	/* how long an answer counts */

struct health_probe {
	struct vote_producer	*vp;
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	int			 stop;
	_Atomic int64_t		 last_up_ms;	/* monotonic; 0 never */
};

static void	*probe_run(void *);

struct health_probe *
health_probe_start(struct vote_producer *vp)
{
	struct health_probe	*hp;

	if ((hp = calloc(1, sizeof(*hp))) == NULL)
		return (NULL);
	hp->vp = vp;
	atomic_init(&hp->last_up_ms, 0);
	if (pthread_mutex_init(&hp->lock, NULL) != 0) {
		free(hp);
		return (NULL);
	}
	if (pthread_cond_init(&hp->cond, NULL) != 0) {
		pthread_mutex_destroy(&hp->lock);
		free(hp);
		return (NULL);
	}
	if (pthread_create(&hp->thread, NULL, probe_run, hp) != 0) {
		pthread_cond_destroy(&hp->cond);
		pthread_mutex_destroy(&hp->lock);
		free(hp);
		return (NULL);
	}
	return (hp);
}

void
health_probe_stop(struct health_probe *hp)
{
	if (hp == NULL)
		return;
	pthread_mutex_lock(&hp->lock);
	hp->stop = 1;
	pthread_cond_signal(&hp->cond);
	pthread_mutex_unlock(&hp->lock);
	pthread_join(hp->thread, NULL);
	pthread_cond_destroy(&hp->cond);
	pthread_mutex_destroy(&hp->lock);
	free(hp);
}

int
health_probe_serving(struct health_probe *hp)
{
	int64_t	last;

	last = atomic_load(&hp->last_up_ms);
	return (last != 0 && marimba_mono_ms() - last <= PROBE_FRESH_MS);
}

static void *
probe_run(void *arg)
{
	struct health_probe	*hp = arg;
	struct timespec		 until;

	pthread_mutex_lock(&hp->lock);
	while (!hp->stop) {
		pthread_mutex_unlock(&hp->lock);
		if (vote_producer_broker_is_up(hp->vp, PROBE_TIMEOUT_MS))
			atomic_store(&hp->last_up_ms, marimba_mono_ms());
		pthread_mutex_lock(&hp->lock);

		(void)clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += PROBE_INTERVAL_MS / 1000;
		while (!hp->stop && pthread_cond_timedwait(&hp->cond,
		    &hp->lock, &until) == 0)
			;
	}
	pthread_mutex_unlock(&hp->lock);
	return (NULL);
}
