/* SPDX-License-Identifier: ISC */
/*
 * The mongo sink: one log document per vote (mongo_store.c), and the one
 * place where code that must follow a durable insert hooks in.
 */
#ifndef MARIMBA_CONSUMER_MONGO_SINK_H
#define MARIMBA_CONSUMER_MONGO_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "log_window.h"
#include "mongo_inflight.h"
#include "mongo_store.h"
#include "vote.h"

/* The votes of one batch, as inserted. */
struct vote_batch {
	const struct vote *const	*votes;
	size_t				 n;
	int64_t				 consumed_ms;	/* consumed_at */
};

struct mongo_sink {
	struct mongo_store	*ms;		/* one insert at a time */
	struct mongo_inflight	*inflight;	/* NULL: one insert at a time */
	int			 indexed;	/* before the first send */
	struct log_window	*window;	/* the viewer's newest logs */
	int			 window_stale;	/* missed logs: not built */
	int64_t			 window_retry_ms; /* next try, when stale */
};

/*
 * Called once the batch's documents are durably in MongoDB (insert_many
 * succeeded, or failed with duplicate keys only: stored before) and
 * before its offsets are committed; also on a redelivered batch, so what
 * it does must be idempotent. 0 to go on and commit; -1 (with err) makes
 * the batch fail: it is retried (insert and hook again) with back-off.
 */
int	mongo_sink_after_insert(struct mongo_sink *, const struct vote_batch *,
	    char *, size_t);

#endif
