/* SPDX-License-Identifier: ISC */
/*
 * Runs a request's store reads on a thread of the log viewer's pools
 * (web_pool.c) and parks the request meanwhile. Each job carries a
 * kore_task that is never given to Kore's task threads: it is only the
 * socketpair the worker's event loop watches. kore_task_bind_request
 * sleeps the request; when the pool thread is done it closes its end
 * (kore_task_finish) and Kore's task handler marks the task finished and
 * wakes the request. The job lives in req->hdlr_extra (kore_calloc'd,
 * freed by Kore); what the reads allocated is freed by web_job_onfree
 * once the job is done, which also covers a client that went away.
 *
 * struct web_jobs is what the jobs of one worker share: the stores, the
 * two pools and the count of admitted requests.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs_cache.h"
#include "read_health.h"
#include "read_slots.h"
#include "store.h"
#include "store_window.h"
#include "web_job.h"

#define WEB_JOBS_MONGO_THREADS	4	/* per worker */
#define WEB_JOBS_REDIS_THREADS	2

struct web_jobs {
	struct stores	*stores;
	struct read_health	*rh;	/* shared by the workers */
	struct read_slots	*slots;	/* shared by the workers */
	struct web_pool	*mongo_pool;	/* jobs that read MongoDB */
	struct web_pool	*redis_pool;	/* Redis-only jobs */
	int		 active;	/* admitted; worker thread only */
	struct logs_cache	*logs_cache;	/* worker thread only */
};

static int	web_job_entry(struct kore_task *);
static void	web_job_run(struct web_pool_item *);
static void	web_job_onfree(struct http_request *);

struct web_jobs *
web_jobs_new(const struct marimba_config *cfg, const struct web_shared *sh,
    char *err, size_t errlen)
{
	struct web_jobs	*wj;

	if ((wj = calloc(1, sizeof(*wj))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	wj->rh = sh->rh;
	wj->slots = sh->slots;
	if ((wj->logs_cache = logs_cache_new()) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		free(wj);
		return (NULL);
	}
	if ((wj->stores = stores_new(cfg, err, errlen)) == NULL ||
	    (wj->mongo_pool = web_pool_new(WEB_JOBS_MONGO_THREADS, err,
	    errlen)) == NULL ||
	    (wj->redis_pool = web_pool_new(WEB_JOBS_REDIS_THREADS, err,
	    errlen)) == NULL) {
		web_jobs_free(wj);
		return (NULL);
	}
	return (wj);
}

void
web_jobs_free(struct web_jobs *wj)
{
	if (wj == NULL)
		return;
	/* Pool threads first: they use the stores' connections. */
	web_pool_free(wj->mongo_pool);
	web_pool_free(wj->redis_pool);
	stores_free(wj->stores);
	logs_cache_free(wj->logs_cache);
	free(wj);
}

struct stores *
web_jobs_stores(struct web_jobs *wj)
{
	return (wj == NULL ? NULL : wj->stores);
}

struct read_health *
web_jobs_read_health(struct web_jobs *wj)
{
	return (wj == NULL ? NULL : wj->rh);
}

struct read_slots *
web_jobs_read_slots(struct web_jobs *wj)
{
	return (wj == NULL ? NULL : wj->slots);
}

struct logs_cache *
web_jobs_logs_cache(struct web_jobs *wj)
{
	return (wj == NULL ? NULL : wj->logs_cache);
}

int
web_jobs_admit(struct web_jobs *wj, int want)
{
	if (wj->active >= WEB_JOBS_MAX)
		return (0);
	/* A hint only (the read takes its slot on the pool thread), so a
	 * burst is refused here instead of queueing behind the threads. */
	if ((want & JOB_LOGS) && wj->slots != NULL &&
	    store_window_state(stores_window(wj->stores)) != WINDOW_OK &&
	    read_slots_are_full(wj->slots)) {
		read_slots_note_refusal(wj->slots);
		return (-1);
	}
	wj->active++;
	return (1);
}

struct web_job *
web_job_step(struct http_request *req, struct web_jobs *wj, int want,
    const struct logs_query *q)
{
	struct web_job	*job;

	if ((job = req->hdlr_extra) != NULL) {
		if (kore_task_state(&job->task) == KORE_TASK_STATE_FINISHED)
			return (job);
		http_request_sleep(req);
		return (NULL);
	}

	job = kore_calloc(1, sizeof(*job));
	job->jobs = wj;
	job->stores = wj->stores;
	job->want = want;
	if (q != NULL)
		job->q = *q;
	else
		job->q.limit = LOGS_LIMIT_DEFAULT;
	atomic_init(&job->done, 0);
	req->hdlr_extra = job;
	req->onfree = web_job_onfree;

	kore_task_create(&job->task, web_job_entry);
	kore_task_bind_request(&job->task, req);
	/* What kore_task_run() does, minus handing it to a Kore thread. */
	kore_platform_schedule_read(job->task.fds[0], &job->task);
	kore_task_set_state(&job->task, KORE_TASK_STATE_RUNNING);
	/* Jobs that read MongoDB go to its pool; Redis-only ones never
	 * wait behind them. */
	job->item.run = web_job_run;
	web_pool_submit((want & JOB_LOGS) ? wj->mongo_pool : wj->redis_pool,
	    &job->item);
	return (NULL);
}

/* On a pool thread: the reads, then the end of the task wakes Kore. */
static void
web_job_run(struct web_pool_item *it)
{
	struct web_job	*job;

	job = (struct web_job *)(void *)((char *)it -
	    offsetof(struct web_job, item));
	kore_task_set_result(&job->task, web_job_entry(&job->task));
	kore_task_finish(&job->task);
}

/* Every read asked for, each failing on its own. */
static int
web_job_entry(struct kore_task *t)
{
	struct web_job	*job = (struct web_job *)t;

	/*
	 * A store the health check (or a read) just found down fails at
	 * once instead of holding this thread for a timeout; the check
	 * runs every second, so a store that comes back is used again.
	 */
	if ((job->want & JOB_LOGS) && stores_mongo_down(job->stores)) {
		job->logs_rc = -1;
		(void)snprintf(job->logs_err, sizeof(job->logs_err),
		    "MongoDB is down (health check)");
	} else if (job->want & JOB_LOGS) {
		job->logs_rc = store_logs(job->stores, job->jobs->slots,
		    &job->q, job->logs, &job->nlogs, &job->more,
		    job->logs_err, sizeof(job->logs_err));
		if (job->logs_rc == 0)
			stores_set_up(job->stores, -1, 1);
		/* -2: MongoDB was reached but the read failed or timed out
		 * (-1 it was not, -3 the read was refused: no news). */
		if (job->logs_rc == 0 || job->logs_rc == -2)
			read_health_note(job->jobs->rh, job->logs_rc == 0);
	}
	if ((job->want & JOB_TALLIES) && stores_redis_down(job->stores)) {
		job->tallies_rc = -1;
		(void)snprintf(job->tallies_err, sizeof(job->tallies_err),
		    "Redis is down (health check)");
	} else if (job->want & JOB_TALLIES) {
		job->tallies_rc = store_tallies(job->stores, &job->tallies,
		    job->tallies_err, sizeof(job->tallies_err));
		if (job->tallies_rc == 0)
			stores_set_up(job->stores, 1, -1);
	}
	if ((job->want & JOB_SERIES) &&
	    (!(job->want & JOB_TALLIES) || job->tallies_rc == 0)) {
		job->series_rc = store_series(job->stores, &job->series,
		    job->series_err, sizeof(job->series_err));
	} else if (job->want & JOB_SERIES) {
		job->series_rc = -1;
		(void)snprintf(job->series_err, sizeof(job->series_err), "%s",
		    job->tallies_err);
	}
	atomic_store(&job->done, 1);
	return (KORE_RESULT_OK);
}

/*
 * Kore calls this on every attempt to free the request, also while the
 * task still runs (it then keeps the request): only a finished task's
 * results are freed, once.
 */
static void
web_job_onfree(struct http_request *req)
{
	struct web_job	*job = req->hdlr_extra;

	if (job == NULL || !atomic_load(&job->done))
		return;
	tallies_free(&job->tallies);
	if (job->jobs->active > 0)
		job->jobs->active--;
	req->onfree = NULL;
}
