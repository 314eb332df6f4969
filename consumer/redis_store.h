/* SPDX-License-Identifier: ISC */
/*
 * The Redis store of the redis sink: counts votes exactly once with the
 * count_vote.lua script (one EVALSHA per chunk of up to 128 votes, the
 * chunks of a batch pipelined) and moves sealed seconds into the series
 * stream with series_flush.lua. Key names are the contract documented in
 * docs/redis-keys.md.
 */
#ifndef MARIMBA_CONSUMER_REDIS_STORE_H
#define MARIMBA_CONSUMER_REDIS_STORE_H

#include <stddef.h>

#include "config.h"
#include "vote.h"

struct redis_store;

/* Never connects; the first call that needs Redis does. */
struct redis_store	*redis_store_new(const struct marimba_config *);
void			 redis_store_free(struct redis_store *);

/*
 * Counts n votes (each at most once per dedupe TTL). 0 when Redis has
 * every one of them, -1 with a reason in err otherwise; *fresh gets how
 * many were new. Reconnects and reloads the scripts as needed.
 */
int	redis_store_count(struct redis_store *, const struct vote *const *,
	    size_t, size_t *, char *, size_t);

/*
 * The same in two halves, for batches pipelined one after the other:
 * send writes every EVALSHA of a batch out, recv reads the replies of
 * the oldest batch sent (n: its votes). A batch can be sent before the
 * replies of the one before it are read. When recv fails (NOSCRIPT
 * included) the connection is dropped with every batch still in flight:
 * the caller retries them, in order, with redis_store_count().
 */
int	redis_store_count_send(struct redis_store *,
	    const struct vote *const *, size_t, char *, size_t);
int	redis_store_count_recv(struct redis_store *, size_t, size_t *,
	    char *, size_t);

/* Writes sealed seconds to the series stream; *added gets how many. */
int	redis_store_flush_series(struct redis_store *, long long *, char *,
	    size_t);

#endif
