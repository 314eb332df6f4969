/* SPDX-License-Identifier: ISC */
/*
 * Sticky partition choice for the votes producer (see sticky_partition.h):
 * one partition per time window, round robin over the partitions that
 * have a leader.
 */
#include <pthread.h>
#include <stdint.h>

#include "sticky_partition.h"

int
sticky_partition_init(struct sticky_partition *sp, int64_t window_ms)
{
	if (pthread_mutex_init(&sp->lock, NULL) != 0)
		return (-1);
	sp->current = -1;
	sp->since_ms = 0;
	sp->window_ms = window_ms;
	return (0);
}

void
sticky_partition_destroy(struct sticky_partition *sp)
{
	(void)pthread_mutex_destroy(&sp->lock);
}

int32_t
sticky_partition_choose(struct sticky_partition *sp, int32_t count,
    int64_t now_ms, uint32_t seed, sticky_available_fn available, void *arg)
{
	int32_t	p, q, i;

	(void)pthread_mutex_lock(&sp->lock);
	p = sp->current;
	if (p < 0 || p >= count) {
		/* First message, or the topic lost partitions. */
		p = (int32_t)(seed % (uint32_t)count);
		sp->since_ms = now_ms;
	} else if (now_ms - sp->since_ms >= sp->window_ms) {
		p = (p + 1) % count;
		sp->since_ms = now_ms;
	}

	/*
	 * A partition without a leader would hold its votes: take the next
	 * one with a leader, or stay if none has one (the votes wait).
	 */
	q = p;
	for (i = 0; i < count; i++) {
		if (available((p + i) % count, arg)) {
			q = (p + i) % count;
			break;
		}
	}
	if (q != p)
		sp->since_ms = now_ms;
	sp->current = q;
	(void)pthread_mutex_unlock(&sp->lock);
	return (q);
}
