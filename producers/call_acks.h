/* SPDX-License-Identifier: ISC */
/*
 * The delivery reports one gRPC call waits for: how many of its votes were
 * enqueued, how many reports are still due, and the first failure. A
 * report that was not due (librdkafka reporting a message twice, or a
 * report for a call that enqueued nothing) is refused instead of wrapping
 * the count, which would keep the call alive for ever.
 */
#ifndef MARIMBA_CALL_ACKS_H
#define MARIMBA_CALL_ACKS_H

#include <stddef.h>

struct call_acks {
	size_t	enqueued;
	size_t	pending;	/* reports still due */
	int	err;		/* first failed report's error, 0 if none */
	char	reason[128];
};

/* One more vote enqueued: its report is due. */
void	call_acks_sent(struct call_acks *);

/*
 * One delivery report (err 0: acknowledged). 1 if it was the last one due,
 * 0 if more are due, -1 if none was due (nothing is changed then).
 */
int	call_acks_report(struct call_acks *, int, const char *);

#endif
