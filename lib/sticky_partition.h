/* SPDX-License-Identifier: ISC */
/*
 * The votes producer's partition choice: every vote of a time window goes
 * to one partition (sticky), the next window to the next partition with
 * a leader (round robin), so one produce request carries many votes
 * instead of one per partition, and over time every partition gets its
 * share. The vote id stays the message key; nothing downstream relies on
 * a key choosing its partition (the consumer dedupes by id, globally).
 */
#ifndef MARIMBA_STICKY_PARTITION_H
#define MARIMBA_STICKY_PARTITION_H

#include <pthread.h>
#include <stdint.h>

struct sticky_partition {
	pthread_mutex_t	lock;		/* produce() may run on any thread */
	int32_t		current;	/* -1 until the first message */
	int64_t		since_ms;	/* when current was chosen */
	int64_t		window_ms;	/* stay on current this long */
};

/* Says whether partition has a leader; arg as given to choose(). */
typedef int	(*sticky_available_fn)(int32_t partition, void *arg);

/* 0, or -1 if the lock could not be made. */
int	sticky_partition_init(struct sticky_partition *, int64_t window_ms);
void	sticky_partition_destroy(struct sticky_partition *);

/*
 * The partition (0 .. count - 1) for a message at now_ms: the current
 * one while its window lasts and it has a leader; otherwise the next
 * one with a leader after it (the current one again if none has). seed
 * chooses the first partition (pass something random, e.g. a hash of
 * the vote id). count must be > 0.
 */
int32_t	sticky_partition_choose(struct sticky_partition *, int32_t count,
	    int64_t now_ms, uint32_t seed, sticky_available_fn, void *arg);

#endif
