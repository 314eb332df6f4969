/* SPDX-License-Identifier: ISC */
/*
 * Redis AUTH with MARIMBA_REDIS_PASSWORD on a fresh hiredis connection,
 * shared by every client of the vote counters (Kore app, consumer).
 */
#ifndef MARIMBA_REDIS_AUTH_H
#define MARIMBA_REDIS_AUTH_H

#include <stddef.h>

#include <hiredis/hiredis.h>

/*
 * Sends AUTH password on c unless password is empty. Returns 0, or -1
 * with the reason in err (the password is never copied into it).
 */
int	marimba_redis_auth(redisContext *, const char *, char *, size_t);

#endif
