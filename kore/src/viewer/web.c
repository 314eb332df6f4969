/* SPDX-License-Identifier: ISC */
/*
 * The log viewer's hooks (run by core/app.c): the parent makes the
 * log-read health and the log read slots the workers share; each worker
 * opens its stores, starts their health checks and the pools for their
 * reads, and closes them at exit; /readyz learns from here whether Redis
 * and MongoDB answer, and whether MongoDB's log reads work (else
 * "degraded"); /metrics how many log reads run and were refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/app.h"
#include "read_health.h"
#include "read_slots.h"
#include "store.h"
#include "store_window.h"
#include "web.h"
#include "web_job.h"

static int	viewer_parent_init(struct app *, char *, size_t);
static int	viewer_worker_init(struct app *, char *, size_t);
static void	viewer_worker_fini(struct app *);
static void	viewer_ready(struct app *, struct app_ready *);
static void	viewer_metrics(struct app *, struct kore_buf *);

const struct app_concern	viewer_concern = {
	.name = "log viewer",
	.parent_init = viewer_parent_init,
	.worker_init = viewer_worker_init,
	.worker_fini = viewer_worker_fini,
	.ready = viewer_ready,
	.metrics = viewer_metrics,
};

struct web_jobs *
viewer_jobs(void)
{
	return (app_state(app_get(), &viewer_concern));
}

/*
 * Until a worker's state replaces it, the state is what the workers
 * share (struct web_shared; the parent's, never freed: the mappings
 * live as long as the process).
 */
static int
viewer_parent_init(struct app *app, char *err, size_t errlen)
{
	struct web_shared	*sh;

	if ((sh = calloc(1, sizeof(*sh))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	if ((sh->rh = read_health_new(err, errlen)) == NULL ||
	    (sh->slots = read_slots_new(app->cfg.log_reads_max, err,
	    errlen)) == NULL) {
		free(sh);
		return (-1);
	}
	app_state_set(app, &viewer_concern, sh);
	return (0);
}

/* A worker restarted after a crash frees the slots its predecessor held. */
static int
viewer_worker_init(struct app *app, char *err, size_t errlen)
{
	struct web_shared	*sh = app_state(app, &viewer_concern);
	struct web_jobs		*wj;

	if (worker != NULL)
		read_slots_claim(sh->slots, worker->id, getpid());
	if ((wj = web_jobs_new(&app->cfg, sh, err, errlen)) == NULL)
		return (-1);
	app_state_set(app, &viewer_concern, wj);
	return (0);
}

static void
viewer_worker_fini(struct app *app)
{
	web_jobs_free(app_state(app, &viewer_concern));
	app_state_set(app, &viewer_concern, NULL);
}

/*
 * The log window's state (store_window.h). "rebuilding" is no reason
 * for a 503: the page works meanwhile, its log reads ask MongoDB.
 */
static const char *
window_name(struct stores *st)
{
	switch (store_window_state(st == NULL ? NULL : stores_window(st))) {
	case WINDOW_OK:
		return ("ok");
	case WINDOW_REBUILDING:
		return ("rebuilding");
	case WINDOW_UNKNOWN:
		return ("unknown");
	default:
		return ("off");
	}
}

/*
 * Redis and MongoDB: up when the last check or read reached them;
 * MongoDB degraded when it answers but its last log read failed.
 */
static void
viewer_ready(struct app *app, struct app_ready *r)
{
	struct web_jobs	*wj = app_state(app, &viewer_concern);
	struct stores	*st;
	int		 mongo;

	st = web_jobs_stores(wj);
	mongo = APP_CHECK_DOWN;
	if (stores_mongo_up(st))
		mongo = read_health_degraded(web_jobs_read_health(wj)) ?
		    APP_CHECK_DEGRADED : APP_CHECK_UP;
	app_ready_add(r, "redis", stores_redis_up(st) ? APP_CHECK_UP :
	    APP_CHECK_DOWN);
	app_ready_add(r, "mongo", mongo);
	app_ready_note(r, "window", window_name(st));
}

/* The cap on MongoDB log reads, shared by every worker (read_slots.h). */
static void
viewer_metrics(struct app *app, struct kore_buf *b)
{
	struct read_slots	*rs;

	rs = web_jobs_read_slots(app_state(app, &viewer_concern));
	if (rs == NULL)
		return;
	kore_buf_appendf(b, "# HELP marimba_log_reads_in_use MongoDB log "
	    "reads running now, all workers.\n"
	    "# TYPE marimba_log_reads_in_use gauge\n"
	    "marimba_log_reads_in_use %d\n", read_slots_held(rs));
	kore_buf_appendf(b, "# HELP marimba_log_reads_max MongoDB log reads "
	    "allowed at once (MARIMBA_LOG_READS_MAX).\n"
	    "# TYPE marimba_log_reads_max gauge\n"
	    "marimba_log_reads_max %d\n", app->cfg.log_reads_max);
	kore_buf_appendf(b, "# HELP marimba_log_reads_refused_total Log "
	    "reads answered 503 at once because every slot was taken.\n"
	    "# TYPE marimba_log_reads_refused_total counter\n"
	    "marimba_log_reads_refused_total %lld\n", read_slots_refused(rs));
}
