/* SPDX-License-Identifier: ISC */
/*
 * Delivery-report accounting of one gRPC call (see call_acks.h).
 */
#include <stdio.h>

#include "call_acks.h"

void
call_acks_sent(struct call_acks *a)
{
	a->enqueued++;
	a->pending++;
}

int
call_acks_report(struct call_acks *a, int err, const char *reason)
{
	if (a->pending == 0)
		return (-1);
	a->pending--;
	if (err != 0 && a->err == 0) {
		a->err = err;
		(void)snprintf(a->reason, sizeof(a->reason), "%s",
		    reason != NULL ? reason : "");
	}
	return (a->pending == 0 ? 1 : 0);
}
