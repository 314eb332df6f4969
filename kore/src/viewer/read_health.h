/* SPDX-License-Identifier: ISC */
/*
 * Whether MongoDB's log reads work (read_health.c): a store can answer
 * its health check (hello, ping) while every log read times out, and
 * the page and /api/logs depend on those reads. Kept in memory shared
 * by every worker, so /readyz and /metrics say the same whichever
 * worker answers.
 */
#ifndef MARIMBA_KORE_VIEWER_READ_HEALTH_H
#define MARIMBA_KORE_VIEWER_READ_HEALTH_H

#include <stddef.h>

/* A failed read counts for this long unless a read works after it. */
#define READ_HEALTH_WINDOW_MS	60000

struct read_health;

/* In the parent, before the workers are forked. NULL on error. */
struct read_health	*read_health_new(char *, size_t);

/* The outcome of a log read: 1 it worked, 0 it failed or timed out. */
void	read_health_note(struct read_health *, int);

/* 1 if the last read failed, within READ_HEALTH_WINDOW_MS. */
int	read_health_degraded(struct read_health *);

#endif
