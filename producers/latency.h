/* SPDX-License-Identifier: ISC */
/*
 * Call latencies of marimba-vote: recorded per thread, merged, and read
 * as percentiles.
 */
#ifndef MARIMBA_LATENCY_H
#define MARIMBA_LATENCY_H

#include <stddef.h>
#include <stdint.h>

struct latency {
	int64_t		*us;
	size_t		 n;
	size_t		 cap;
};

/* Records one latency in microseconds. -1 if out of memory. */
int	latency_add(struct latency *, int64_t);

/* Moves every sample of from into to. -1 if out of memory. */
int	latency_merge(struct latency *, struct latency *);

/* The p-th percentile (0..100) in microseconds; 0 without samples. */
int64_t	latency_percentile(struct latency *, double);

void	latency_free(struct latency *);

#endif
