/* SPDX-License-Identifier: ISC */
/*
 * Reads of the consumer's Redis counters (store_redis.c): the tallies
 * (with how far the logs are behind them) and the last seconds of the
 * votes-per-second series.
 */
#ifndef MARIMBA_KORE_VIEWER_STORE_REDIS_H
#define MARIMBA_KORE_VIEWER_STORE_REDIS_H

#include <stddef.h>
#include <stdint.h>

/* Points of the votes-per-second sparkline (seconds). */
#define SERIES_POINTS		60

struct stores;

struct tally {
	char		*key;		/* band, or "band — album" */
	long long	 n;
};

struct tallies {
	long long	 total;
	long long	 rest;
	long long	 grpc;
	struct tally	*bands;		/* sorted by n desc, then key */
	size_t		 nbands;
	struct tally	*albums;
	size_t		 nalbums;
	int64_t		 logs_behind_ms;	/* lib/sink_lag.h; 0: not */
};

struct series {
	size_t		n;			/* oldest first */
	long long	total[SERIES_POINTS];
	long long	last_s;			/* unix second of the last */
};

int	store_tallies(struct stores *, struct tallies *, char *, size_t);
void	tallies_free(struct tallies *);
int	store_series(struct stores *, struct series *, char *, size_t);

#endif
