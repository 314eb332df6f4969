/* SPDX-License-Identifier: ISC */
/*
 * The Redis side of marimba-audit: reads the tallies of docs/redis-keys.md
 * in one transaction and asks which vote ids have a dedupe key. The
 * rebuild's own Redis steps are in rebuild_redis.h.
 */
#ifndef MARIMBA_AUDIT_REDIS_SIDE_H
#define MARIMBA_AUDIT_REDIS_SIDE_H

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "config.h"
#include "tally.h"
#include "vote.h"

#define REDIS_SIDE_KEY_MAX	256

/* A connection with connect and I/O timeouts; NULL with err. */
redisContext	*redis_side_connect(const struct marimba_config *, char *,
		    size_t);

/* "<prefix>:<name>" into dst (REDIS_SIDE_KEY_MAX bytes). */
void	redis_side_key(char *, const char *, const char *);

/*
 * total, bands, albums and sources of prefix, read in one MULTI/EXEC if
 * multi (else pipelined: for when writes are paused). 0 or -1.
 */
int	redis_side_tally(redisContext *, const char *, int, struct tally *,
	    char *, size_t);

/* Adds an HGETALL reply's field/value pairs to map. 0 or -1. */
int	redis_side_hash(const redisReply *, struct count_map *);

/* present[i] = 1 if <prefix>:seen:<ids[i]> exists, else 0. 0 or -1. */
int	redis_side_seen(redisContext *, const char *,
	    char (*)[VOTE_ID_LEN + 1], size_t, char *, char *, size_t);

#endif
