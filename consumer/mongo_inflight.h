/* SPDX-License-Identifier: ISC */
/*
 * Concurrent insert_many for the mongo sink: a few worker threads, each
 * with a MongoDB client of its own (a mongoc client serves one thread),
 * take the sink's batches oldest first, MONGO_INFLIGHT_BATCHES() of them
 * handed over at most. Results are handed back oldest first, so offsets are
 * still committed in order: a batch is reported only after every batch
 * sent before it.
 */
#ifndef MARIMBA_CONSUMER_MONGO_INFLIGHT_H
#define MARIMBA_CONSUMER_MONGO_INFLIGHT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "vote.h"

#define MONGO_INFLIGHT_MAX	4	/* MARIMBA_MONGO_INFLIGHT's top */

/*
 * Batches handed to n workers at once (the sink's pipeline depth): four
 * a worker. Results are taken oldest first, so while one insert stalls
 * (FerretDB holds one in a few for 3-5 times the usual 35 ms) the other
 * workers go on with the batches queued behind it instead of waiting.
 */
#define MONGO_INFLIGHT_BATCHES(n)	(4 * (n))

struct mongo_inflight;

/*
 * n workers (2..MONGO_INFLIGHT_MAX), a thread and a client each; NULL with
 * err.
 */
struct mongo_inflight	*mongo_inflight_new(const struct marimba_config *,
			    int, char *, size_t);
/* Waits for the inserts still running, then stops the workers. */
void			 mongo_inflight_free(struct mongo_inflight *);

/*
 * Queues n votes (which must stay valid until their result is received)
 * for the first free worker; -1 with err when
 * MONGO_INFLIGHT_BATCHES(workers) batches are sent and not received.
 */
int	mongo_inflight_send(struct mongo_inflight *, const struct vote *const *,
	    size_t, int64_t, char *, size_t);

/*
 * Waits for the oldest insert sent: 0 when MongoDB has every vote of it
 * (*fresh: how many were new; *votes, *n, *consumed_ms: what was sent),
 * -1 with err otherwise. After a -1 every insert sent later is waited
 * for and dropped: the caller sends them again, in order.
 */
int	mongo_inflight_recv(struct mongo_inflight *, size_t *,
	    const struct vote *const **, size_t *, int64_t *, char *, size_t);

/* Inserts sent and not received yet. */
size_t	mongo_inflight_pending(const struct mongo_inflight *);

#endif
