/* SPDX-License-Identifier: ISC */
/*
 * The Redis side of the consumer: counts votes exactly once with the
 * count_vote.lua script (EVALSHA, pipelined per batch) and moves sealed
 * seconds into the series stream with series_flush.lua. Key names are the
 * contract documented in docs/redis-keys.md.
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
 * The same in two halves, so the caller can do other I/O (MongoDB) while
 * Redis works: send writes every EVALSHA of the batch out, recv reads the
 * replies. votes must stay valid until recv returns.
 */
int	redis_store_count_send(struct redis_store *,
	    const struct vote *const *, size_t, char *, size_t);
int	redis_store_count_recv(struct redis_store *, size_t *, char *,
	    size_t);

/* Writes sealed seconds to the series stream; *added gets how many. */
int	redis_store_flush_series(struct redis_store *, long long *, char *,
	    size_t);

#endif
