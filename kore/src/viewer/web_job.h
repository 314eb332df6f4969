/* SPDX-License-Identifier: ISC */
/*
 * One request's store reads, run on a thread of the viewer's pools while
 * the request is parked (web_job.c), and the per-worker set of stores,
 * pools and admitted jobs they run in (struct web_jobs).
 */
#ifndef MARIMBA_KORE_VIEWER_WEB_JOB_H
#define MARIMBA_KORE_VIEWER_WEB_JOB_H

#include <stdatomic.h>
#include <stddef.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/tasks.h>

#include "config.h"
#include "logs_query.h"
#include "store_mongo.h"
#include "store_redis.h"
#include "web_pool.h"

#define JOB_LOGS	0x01
#define JOB_TALLIES	0x02
#define JOB_SERIES	0x04
#define JOB_PAGE	0x08	/* GET /: the tallies are for the page */

/*
 * Admission of store reads on the worker's thread: at most
 * WEB_JOBS_MAX requests wait for a thread at once, so a slow store
 * cannot pile up work without bound (the next ones get a 503).
 */
#define WEB_JOBS_MAX	64
/* Bytes of a read's error message. */
#define WEB_JOB_ERR	160

struct web_jobs;
struct logs_cache;

struct web_job {
	struct kore_task	task;		/* first: the entry finds us */
	struct web_pool_item	item;		/* in a web_pool's queue */
	struct web_jobs		*jobs;
	struct stores		*stores;
	int			 want;
	struct logs_query	 q;
	atomic_int		 done;		/* the task wrote everything */

	struct log_entry	 logs[LOGS_LIMIT_MAX];
	size_t			 nlogs;
	int			 more;
	int			 logs_rc;
	char			 logs_err[WEB_JOB_ERR];

	struct tallies		 tallies;
	int			 tallies_rc;
	char			 tallies_err[WEB_JOB_ERR];

	struct series		 series;
	int			 series_rc;
	char			 series_err[WEB_JOB_ERR];
};

struct read_health;
struct read_slots;

/* What the parent makes before the fork, shared by every worker. */
struct web_shared {
	struct read_health	*rh;	/* do log reads work */
	struct read_slots	*slots;	/* the cap on MongoDB log reads */
};

/* The stores and two pools (MongoDB reads, Redis-only reads). */
struct web_jobs	*web_jobs_new(const struct marimba_config *,
		    const struct web_shared *, char *, size_t);
void		 web_jobs_free(struct web_jobs *);
struct stores	*web_jobs_stores(struct web_jobs *);
struct read_health	*web_jobs_read_health(struct web_jobs *);
struct read_slots	*web_jobs_read_slots(struct web_jobs *);
/* The worker's last good logs tables (logs_cache.h). */
struct logs_cache	*web_jobs_logs_cache(struct web_jobs *);
/*
 * Whether one more request reading want (JOB_*) may start: 1 (then
 * web_job_step must follow), 0 when the worker has WEB_JOBS_MAX
 * waiting, -1 when it would read MongoDB's logs (no log window to
 * answer) and every log read slot of all workers is taken.
 */
int		 web_jobs_admit(struct web_jobs *, int);

/*
 * The first call (which the caller had admitted with web_jobs_admit)
 * starts the reads and parks the request (returns NULL: the handler
 * returns KORE_RESULT_RETRY). Later calls return the job once the reads
 * are done, NULL while they are not.
 */
struct web_job	*web_job_step(struct http_request *, struct web_jobs *, int,
		    const struct logs_query *);

#endif
