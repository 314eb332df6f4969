/* SPDX-License-Identifier: ISC */
/*
 * Thread pools for the log viewer's store reads: web_job.c makes one for
 * reads that need MongoDB, one for Redis-only reads, so tallies never
 * wait behind a slow log query (Kore's own task threads take tasks
 * round-robin, one queue per thread, which would let them). A pool runs
 * items (struct web_pool_item, embedded in a job) and knows nothing of
 * what they do.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_pool.h"

#define WEB_POOL_MAX	16

struct web_pool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	TAILQ_HEAD(, web_pool_item)	 queue;		/* under lock */
	int			 stop;		/* under lock */
	pthread_t		 threads[WEB_POOL_MAX];
	int			 nthreads;
};

static void	*web_pool_run(void *);

struct web_pool *
web_pool_new(int nthreads, char *err, size_t errlen)
{
	struct web_pool	*p;
	int		 rc;

	if (nthreads < 1 || nthreads > WEB_POOL_MAX) {
		(void)snprintf(err, errlen, "pool: bad thread count %d",
		    nthreads);
		return (NULL);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	TAILQ_INIT(&p->queue);
	if ((rc = pthread_mutex_init(&p->lock, NULL)) != 0 ||
	    (rc = pthread_cond_init(&p->cond, NULL)) != 0) {
		(void)snprintf(err, errlen, "pool: %s", strerror(rc));
		free(p);
		return (NULL);
	}
	for (; p->nthreads < nthreads; p->nthreads++) {
		rc = pthread_create(&p->threads[p->nthreads], NULL,
		    web_pool_run, p);
		if (rc != 0) {
			(void)snprintf(err, errlen, "pool: pthread_create: %s",
			    strerror(rc));
			web_pool_free(p);
			return (NULL);
		}
	}
	return (p);
}

/* Stops the threads once their current job is done; queued jobs stay
 * unrun (only at worker exit). */
void
web_pool_free(struct web_pool *p)
{
	int	i;

	if (p == NULL)
		return;
	(void)pthread_mutex_lock(&p->lock);
	p->stop = 1;
	(void)pthread_cond_broadcast(&p->cond);
	(void)pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		(void)pthread_join(p->threads[i], NULL);
	(void)pthread_mutex_destroy(&p->lock);
	(void)pthread_cond_destroy(&p->cond);
	free(p);
}

void
web_pool_submit(struct web_pool *p, struct web_pool_item *it)
{
	(void)pthread_mutex_lock(&p->lock);
	TAILQ_INSERT_TAIL(&p->queue, it, entry);
	(void)pthread_cond_signal(&p->cond);
	(void)pthread_mutex_unlock(&p->lock);
}

static void *
web_pool_run(void *arg)
{
	struct web_pool		*p = arg;
	struct web_pool_item	*it;

	(void)pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && TAILQ_EMPTY(&p->queue))
			(void)pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop)
			break;
		it = TAILQ_FIRST(&p->queue);
		TAILQ_REMOVE(&p->queue, it, entry);
		(void)pthread_mutex_unlock(&p->lock);
		it->run(it);
		(void)pthread_mutex_lock(&p->lock);
	}
	(void)pthread_mutex_unlock(&p->lock);
	return (NULL);
}
