/* SPDX-License-Identifier: ISC */
/*
 * The log viewer inside the Kore module: the page, its htmx fragments,
 * GET /api/logs and GET /api/votes, and the stores behind them. Reads of
 * Redis and MongoDB run on the viewer's own threads (web_job.c,
 * web_pool.c) so a slow or dead store never stalls a worker's event
 * loop. web.c holds the concern's hooks and its per-worker state.
 */
#ifndef MARIMBA_KORE_VIEWER_WEB_H
#define MARIMBA_KORE_VIEWER_WEB_H

#include "core/app.h"

struct web_jobs;

/* The concern's hooks, for module.c's table. */
extern const struct app_concern	viewer_concern;

/* This worker's store reads (NULL when the stores are not set up). */
struct web_jobs	*viewer_jobs(void);

#endif
