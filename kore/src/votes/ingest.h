/* SPDX-License-Identifier: ISC */
/*
 * The votes concern's per-worker state (ingest.c): the Kafka producer,
 * the pipe librdkafka signals when delivery reports are ready, the
 * safety-net poll timer, the readiness thread and the parked requests.
 */
#ifndef MARIMBA_KORE_VOTES_INGEST_H
#define MARIMBA_KORE_VOTES_INGEST_H

#include <kore/kore.h>

#include "core/app.h"
#include "parked.h"
#include "vote.h"

struct readiness;
struct vote_producer;

struct votes {
	struct kore_event	 notify_evt;	/* first: Kore hands its
						   address to the handler */
	int			 notify_fd[2];	/* librdkafka writes [1] */
	struct vote_limits	 limits;
	struct vote_producer	*producer;
	struct kore_timer	*poll_timer;
	struct votes_parked	 parked;	/* requests awaiting acks */
	struct readiness	*readiness;
};

/* The concern's hooks, for module.c's table. */
extern const struct app_concern	votes_concern;

/* This worker's state (NULL before the worker started the concern). */
struct votes	*votes_state(void);

#endif
