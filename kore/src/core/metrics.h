/* SPDX-License-Identifier: ISC */
/*
 * Counters in memory shared by every worker (metrics.c), served as
 * GET /metrics: requests by route and status, their durations, votes
 * accepted and refused, a gauge of each worker's producer queue.
 */
#ifndef MARIMBA_KORE_CORE_METRICS_H
#define MARIMBA_KORE_CORE_METRICS_H

#include <stddef.h>

struct app;
struct metrics;

int	metrics_parent_init(struct app *, char *, size_t);
void	metrics_worker_init(struct app *);
void	metrics_worker_teardown(struct app *);
void	metrics_votes_accepted(struct app *, size_t);
/*
 * Where this worker's queue gauge comes from: fn(arg) returns the
 * length, or -1 when there is no queue (not published then).
 */
void	metrics_queue_source(struct app *, long long (*)(void *), void *);

#endif
