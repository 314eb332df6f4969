/* SPDX-License-Identifier: ISC */
/*
 * Implements mongo_inflight.h: one thread and one mongo_store per
 * worker, and a ring of MONGO_INFLIGHT_BATCHES() jobs: batch k is job k,
 * the first free worker takes the oldest job not taken, and the sink
 * thread receives results in job order, so "received" is always
 * "stored, and so is everything before it". The jobs queued beyond the
 * workers keep a worker that finishes busy while an older insert is
 * still running or the sink thread lists and commits one. One mutex
 * and condition variable for all: the sink thread waits on it for a
 * result, a worker for a job.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongo_inflight.h"
#include "mongo_store.h"

#define MONGO_JOBS_MAX	MONGO_INFLIGHT_BATCHES(MONGO_INFLIGHT_MAX)

enum job_state {
	JOB_IDLE,	/* free for the next batch */
	JOB_QUEUED,	/* handed over, not finished */
	JOB_DONE,	/* finished, result not received */
};

struct mongo_job {
	enum job_state		 state;
	const struct vote *const *votes;
	size_t			 n;
	int64_t			 consumed_ms;
	int			 rv;
	size_t			 fresh;
	char			 err[512];
};

struct mongo_worker {
	struct mongo_inflight	*mi;
	struct mongo_store	*ms;
	pthread_t		 thread;
	int			 started;
};

struct mongo_inflight {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cond;
	int			 stopping;
	int			 nworkers;
	int			 njobs;		/* for nworkers */
	uint64_t		 sent;		/* batches handed over */
	uint64_t		 taken;		/* jobs a worker started */
	uint64_t		 received;	/* results taken */
	struct mongo_job	 jobs[MONGO_JOBS_MAX];
	struct mongo_worker	 workers[MONGO_INFLIGHT_MAX];
};

static void	*mongo_inflight_main(void *);
static void	 mongo_inflight_wait(struct mongo_inflight *,
		    struct mongo_job *);

struct mongo_inflight *
mongo_inflight_new(const struct marimba_config *cfg, int n, char *err,
    size_t errlen)
{
	struct mongo_inflight	*mi;
	struct mongo_worker	*w;
	int			 i, rc;

	if (n < 2 || n > MONGO_INFLIGHT_MAX) {
		(void)snprintf(err, errlen, "in-flight inserts: %d, not "
		    "2..%d", n, MONGO_INFLIGHT_MAX);
		return (NULL);
	}
	if ((mi = calloc(1, sizeof(*mi))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	if (pthread_mutex_init(&mi->mtx, NULL) != 0) {
		(void)snprintf(err, errlen, "pthread_mutex_init failed");
		free(mi);
		return (NULL);
	}
	if (pthread_cond_init(&mi->cond, NULL) != 0) {
		(void)snprintf(err, errlen, "pthread_cond_init failed");
		(void)pthread_mutex_destroy(&mi->mtx);
		free(mi);
		return (NULL);
	}
	mi->njobs = MONGO_INFLIGHT_BATCHES(n);
	for (i = 0; i < n; i++) {
		w = &mi->workers[i];
		w->mi = mi;
		if ((w->ms = mongo_store_new(cfg, err, errlen)) == NULL)
			goto fail;
		mi->nworkers = i + 1;
		if ((rc = pthread_create(&w->thread, NULL,
		    mongo_inflight_main, w)) != 0) {
			(void)snprintf(err, errlen, "pthread_create: %s",
			    strerror(rc));
			goto fail;
		}
		w->started = 1;
	}
	return (mi);
fail:
	mongo_inflight_free(mi);
	return (NULL);
}

void
mongo_inflight_free(struct mongo_inflight *mi)
{
	int	i;

	if (mi == NULL)
		return;
	(void)pthread_mutex_lock(&mi->mtx);
	mi->stopping = 1;
	(void)pthread_cond_broadcast(&mi->cond);
	(void)pthread_mutex_unlock(&mi->mtx);
	for (i = 0; i < mi->nworkers; i++) {
		if (mi->workers[i].started)
			(void)pthread_join(mi->workers[i].thread, NULL);
		mongo_store_free(mi->workers[i].ms);
	}
	(void)pthread_cond_destroy(&mi->cond);
	(void)pthread_mutex_destroy(&mi->mtx);
	free(mi);
}

int
mongo_inflight_send(struct mongo_inflight *mi, const struct vote *const *votes,
    size_t n, int64_t consumed_ms, char *err, size_t errlen)
{
	struct mongo_job	*j;
	int			 rv;

	(void)pthread_mutex_lock(&mi->mtx);
	j = &mi->jobs[mi->sent % (uint64_t)mi->njobs];
	if (j->state != JOB_IDLE) {
		(void)snprintf(err, errlen, "no free insert job");
		rv = -1;
	} else {
		j->votes = votes;
		j->n = n;
		j->consumed_ms = consumed_ms;
		j->state = JOB_QUEUED;
		mi->sent++;
		(void)pthread_cond_broadcast(&mi->cond);
		rv = 0;
	}
	(void)pthread_mutex_unlock(&mi->mtx);
	return (rv);
}

int
mongo_inflight_recv(struct mongo_inflight *mi, size_t *fresh,
    const struct vote *const **votes, size_t *n, int64_t *consumed_ms,
    char *err, size_t errlen)
{
	struct mongo_job	*j;
	int			 rv;

	*fresh = 0;
	(void)pthread_mutex_lock(&mi->mtx);
	if (mi->received == mi->sent) {
		(void)pthread_mutex_unlock(&mi->mtx);
		(void)snprintf(err, errlen, "no insert in flight");
		return (-1);
	}
	j = &mi->jobs[mi->received % (uint64_t)mi->njobs];
	mongo_inflight_wait(mi, j);
	mi->received++;
	rv = j->rv;
	*fresh = j->fresh;
	*votes = j->votes;
	*n = j->n;
	*consumed_ms = j->consumed_ms;
	if (rv == -1)
		(void)snprintf(err, errlen, "%s", j->err);
	j->state = JOB_IDLE;
	/* A failure loses what was sent after it: settle and drop those. */
	while (rv == -1 && mi->received < mi->sent) {
		j = &mi->jobs[mi->received % (uint64_t)mi->njobs];
		mongo_inflight_wait(mi, j);
		j->state = JOB_IDLE;
		mi->received++;
	}
	(void)pthread_mutex_unlock(&mi->mtx);
	return (rv);
}

size_t
mongo_inflight_pending(const struct mongo_inflight *mi)
{
	return ((size_t)(mi->sent - mi->received));
}

/* With the mutex held: until job j is done. */
static void
mongo_inflight_wait(struct mongo_inflight *mi, struct mongo_job *j)
{
	while (j->state == JOB_QUEUED)
		(void)pthread_cond_wait(&mi->cond, &mi->mtx);
}

static void *
mongo_inflight_main(void *arg)
{
	struct mongo_worker	*w = arg;
	struct mongo_inflight	*mi = w->mi;
	struct mongo_job	*j;
	const struct vote *const *votes;
	size_t			 n, fresh;
	int64_t			 consumed_ms;
	char			 err[512];
	int			 rv;

	(void)pthread_mutex_lock(&mi->mtx);
	for (;;) {
		while (mi->taken == mi->sent && !mi->stopping)
			(void)pthread_cond_wait(&mi->cond, &mi->mtx);
		if (mi->taken == mi->sent)
			break;	/* stopping, nothing left to do */
		j = &mi->jobs[mi->taken % (uint64_t)mi->njobs];
		mi->taken++;
		votes = j->votes;
		n = j->n;
		consumed_ms = j->consumed_ms;
		(void)pthread_mutex_unlock(&mi->mtx);

		err[0] = '\0';
		fresh = 0;
		rv = mongo_store_insert(w->ms, votes, n, consumed_ms, &fresh,
		    err, sizeof(err));

		(void)pthread_mutex_lock(&mi->mtx);
		j->rv = rv;
		j->fresh = fresh;
		(void)snprintf(j->err, sizeof(j->err), "%s", err);
		j->state = JOB_DONE;
		(void)pthread_cond_broadcast(&mi->cond);
	}
	(void)pthread_mutex_unlock(&mi->mtx);
	return (NULL);
}
