/* SPDX-License-Identifier: ISC */
/*
 * /metrics for Prometheus: a listening socket served from the main
 * thread, answering every GET /metrics with a text snapshot of the
 * sinks' lag and counters (text exposition format 0.0.4).
 */
#ifndef MARIMBA_CONSUMER_METRICS_H
#define MARIMBA_CONSUMER_METRICS_H

#include <stddef.h>

#include "config.h"
#include "sink.h"

struct metrics;

/*
 * Listens on cfg->metrics_addr:metrics_port. NULL with err if it can't
 * (the caller goes on without /metrics) or, without err, for port 0.
 */
struct metrics	*metrics_new(const struct marimba_config *, char *, size_t);
void		 metrics_free(struct metrics *);

/* Waits up to ms for a client and answers it; returns at once if none. */
void		 metrics_serve(struct metrics *, struct sink **, size_t, int);

/* The exposition text for these sinks into buf; its length, or -1. */
int		 metrics_render(struct sink **, size_t, char *, size_t);

#endif
