/* SPDX-License-Identifier: ISC */
/*
 * The Redis steps of rebuild-redis (the reasoning is in
 * docs/operations.md): the boundary, taken with writes paused; the
 * snapshot of the live tallies at it; absorbing MongoDB logs into
 * temporary keys (absorb.lua); the rebuilt series; the atomic swap
 * (swap.lua).
 */
#ifndef MARIMBA_AUDIT_REBUILD_REDIS_H
#define MARIMBA_AUDIT_REBUILD_REDIS_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "redis_side.h"
#include "tally.h"
#include "vote.h"

#define REBUILD_ALBUM_MAX	(VOTE_NAME_MAX + VOTE_ALBUM_MAX + 8)

struct rebuild_keys {
	char	prefix[REDIS_SIDE_KEY_MAX];
	char	live[4][REDIS_SIDE_KEY_MAX];	/* total bands albums sources */
	char	tmp[4][REDIS_SIDE_KEY_MAX];
	char	snap[4][REDIS_SIDE_KEY_MAX];
	char	series[REDIS_SIDE_KEY_MAX];
	char	tmp_series[REDIS_SIDE_KEY_MAX];
	char	seen[REDIS_SIDE_KEY_MAX];	/* "<prefix>:seen:" */
	char	lock[REDIS_SIDE_KEY_MAX];	/* one rebuild at a time */
	char	sec[REDIS_SIDE_KEY_MAX];	/* "<prefix>:sec:" */
};

struct rebuild_mark {
	int64_t		boundary_ms;	/* Redis clock */
	int64_t		s0;		/* second of the pause */
	long long	bucket[3];	/* total, rest, grpc of sec:<s0> */
	struct tally	snap;		/* live tallies at the boundary */
	char		token[48];	/* this run's dedupe key value */
};

/* One log to absorb. */
struct rebuild_doc {
	char		id[VOTE_ID_LEN + 1];
	char		band[VOTE_NAME_MAX + 1];
	char		album[REBUILD_ALBUM_MAX];	/* band — album */
	char		source[VOTE_SOURCE_MAX + 1];
	int64_t		accepted_ms;
};

void	rebuild_keys_init(struct rebuild_keys *, const char *);

/*
 * CLIENT PAUSE WRITE, read the live tallies and the boundary second's
 * bucket, wait for the Redis clock to pass the pause's millisecond,
 * CLIENT UNPAUSE. Every count_vote.lua call before the pause set its
 * dedupe key before boundary_ms, every one after at or after it.
 */
int	rebuild_mark(redisContext *, const struct rebuild_keys *,
	    struct rebuild_mark *, char *, size_t);

/* Deletes temporary keys of an earlier run, stores the snapshot. */
int	rebuild_prepare(redisContext *, const struct rebuild_keys *,
	    const struct rebuild_mark *, char *, size_t);

/* absorb.lua over n logs; res[i] gets 0, 1 or 2 (see the script). */
int	rebuild_absorb(redisContext *, const struct rebuild_keys *,
	    const struct rebuild_mark *, int, const struct rebuild_doc *,
	    size_t, int *, char *, size_t);

/*
 * Writes the rebuilt series: seconds from..from+n-1, counts[i] = total,
 * rest, grpc of second from+i (zeros included).
 */
int	rebuild_series(redisContext *, const struct rebuild_keys *, int64_t,
	    const long long (*)[3], size_t, char *, size_t);

/* swap.lua; *total gets the live total after it. */
int	rebuild_swap(redisContext *, const struct rebuild_keys *,
	    const struct rebuild_mark *, int, int, long long *, char *,
	    size_t);

/*
 * Takes the rebuild lock (SET NX, expires after ttl_s): 0, 1 if another
 * rebuild holds it, -1 on error. rebuild_unlock frees it.
 */
int	rebuild_lock(redisContext *, const struct rebuild_keys *, int, char *,
	    size_t);
void	rebuild_unlock(redisContext *, const struct rebuild_keys *);

/* Removes every temporary and snapshot key (after a failure). */
void	rebuild_discard(redisContext *, const struct rebuild_keys *);

#endif
