/* SPDX-License-Identifier: ISC */
/*
 * What log_window.c shares with log_window_rebuild.c: the writer's state
 * and its connection helpers. Not for other users of log_window.h.
 */
#ifndef MARIMBA_LOG_WINDOW_INT_H
#define MARIMBA_LOG_WINDOW_INT_H

#include <stddef.h>

#define LW_KEY_MAX	256
#define LW_SHA_MAX	64
/*
 * Logs per log_window_add.lua call: one call of 128 costs Redis a
 * fraction of 128 calls of one, and blocks it well under a millisecond.
 */
#define LW_CHUNK	128

struct lw_scratch;
struct log_entry;

struct log_window {
	struct redisContext	*ctx;
	char			 host[128];
	int			 port;
	char			 prefix[64];
	int			 keep;		/* ids per window */
	int			 bands_max;
	char			 add_sha[LW_SHA_MAX];
	char			 lock_sha[LW_SHA_MAX];
	struct lw_scratch	*scratch;	/* a call's arguments, lazily */
};

int	lw_connect(struct log_window *, char *, size_t);
void	lw_drop(struct log_window *);
/*
 * Queues the adds of n logs on the connection (sent by the next reply
 * read): one log_window_add.lua call per LW_CHUNK of them, counted in
 * *calls. 0, or -1 with err (the connection is dropped).
 */
int	lw_append(struct log_window *, const struct log_entry *, size_t,
	    size_t *, char *, size_t);
/* Reads the replies of that many calls; on NOSCRIPT reloads, -1. */
int	lw_replies_pending(struct log_window *, size_t, char *, size_t);

#endif
