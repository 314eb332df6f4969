/* SPDX-License-Identifier: ISC */
/*
 * POST /api/votes requests waiting for Kafka's delivery reports
 * (parked.c): one votes_ctx per request, which each produced message
 * points to, and the list of those still parked.
 */
#ifndef MARIMBA_KORE_VOTES_PARKED_H
#define MARIMBA_KORE_VOTES_PARKED_H

#include <sys/queue.h>

#include <stddef.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "vote.h"

/*
 * One POST in flight. It lives until the request is gone (req == NULL)
 * and no message is outstanding, whichever comes last.
 */
struct votes_ctx {
	struct http_request	*req;	/* NULL once Kore freed the request */
	struct vote		*votes;
	size_t			 count;
	size_t			 outstanding;	/* sent, not yet reported */
	size_t			 acked;
	int			 batch;		/* body was a JSON array */
	int			 parked;	/* on a votes_parked list */
	int			 failed;	/* a failure was logged */
	LIST_ENTRY(votes_ctx)	 list;
};

LIST_HEAD(votes_parked, votes_ctx);

/* The producer's delivery report for one message of a votes_ctx. */
void	votes_delivered(void *, int, const char *, void *);
/* Parks ctx, asleep, until its last delivery report wakes it. */
void	votes_park(struct votes_parked *, struct votes_ctx *);
/* Frees ctx if nothing refers to it any more. */
void	votes_ctx_release(struct votes_ctx *);
/* Shutdown after the flush: wakes every request still waiting. */
void	votes_fail_parked(struct votes_parked *);
size_t	votes_parked_count(struct votes_parked *);

#endif
