/* SPDX-License-Identifier: ISC */
/*
 * Readiness of Kafka for GET /readyz (readiness.c): a thread that asks
 * the broker for metadata every second and keeps the answer.
 */
#ifndef MARIMBA_KORE_VOTES_READINESS_H
#define MARIMBA_KORE_VOTES_READINESS_H

#include <stddef.h>

struct readiness;
struct vote_producer;

struct readiness	*readiness_start(struct vote_producer *, int, char *,
			    size_t);
int			 readiness_kafka_up(struct readiness *);
void			 readiness_stop(struct readiness *);

#endif
