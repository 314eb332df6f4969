/* SPDX-License-Identifier: ISC */
/*
 * Whether Kafka answers: a thread asks the producer for metadata once a
 * second, so that health checks are answered without blocking the
 * completion-queue thread.
 */
#ifndef MARIMBA_HEALTH_PROBE_H
#define MARIMBA_HEALTH_PROBE_H

#include "vote_producer.h"

struct health_probe;

/* Starts probing through vp; NULL if the thread cannot start. */
struct health_probe	*health_probe_start(struct vote_producer *);

/* Stops the thread and frees the probe. */
void			 health_probe_stop(struct health_probe *);

/* 1 if the last answer from Kafka is recent, 0 otherwise; thread-safe. */
int			 health_probe_serving(struct health_probe *);

#endif
