/* SPDX-License-Identifier: ISC */
/*
 * The load marimba-vote puts on a server: count votes cycling through a
 * list, at a rate, with up to `concurrency` calls in flight from one
 * thread, each call a unary Cast or a CastStream of a batch. With keys,
 * each call carries a new idempotency key and is made again with the
 * same key after an answer that may mean "not stored" (UNAVAILABLE, a
 * deadline, a broken connection), so a vote is counted once however
 * often it is sent.
 */
#ifndef MARIMBA_VOTE_LOAD_H
#define MARIMBA_VOTE_LOAD_H

#include <stddef.h>
#include <stdio.h>

#include "latency.h"
#include "vote.h"

struct load_opts {
	const char		*addr;
	const struct vote	*votes;		/* cycled through */
	size_t			 nvotes;
	long			 count;		/* votes to send */
	double			 rate;		/* votes per second; 0 = max */
	size_t			 stream_batch;	/* 0 = unary Cast */
	int			 concurrency;	/* calls in flight at most */
	int			 timeout_ms;	/* per call */
	/* Failed calls, then stop; 0 = go on whatever fails. */
	long			 max_failures;
	int			 duration_s;	/* then stop; 0 = never */
	FILE			*ids;		/* accepted ids, or NULL */
	int			 keys;		/* idempotency key per call */
	int			 retries;	/* retries of a keyed call */
};

struct load_result {
	long		accepted;	/* votes */
	long		rejected;	/* votes in INVALID_ARGUMENT calls */
	long		failed;		/* votes in calls failed otherwise */
	long		calls;
	long		retries;	/* calls made again with their key */
	long		retried_ok;	/* calls accepted after a retry */
	double		seconds;
	struct latency	lat;		/* per call */
};

/* Runs the load; -1 (with a message on stderr) if it could not start. */
int	load_run(const struct load_opts *, struct load_result *);

#endif
