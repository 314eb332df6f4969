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

struct log_window {
	struct redisContext	*ctx;
	char			 host[128];
	int			 port;
	char			 prefix[64];
	int			 keep;		/* ids per window */
	int			 bands_max;
	char			 add_sha[LW_SHA_MAX];
	char			 lock_sha[LW_SHA_MAX];
};

int	lw_connect(struct log_window *, char *, size_t);
void	lw_drop(struct log_window *);
struct log_entry;
int	lw_append(struct log_window *, const struct log_entry *, char *,
	    size_t);
/* Reads n replies of lw_append; on NOSCRIPT reloads the script, -1. */
int	lw_replies_pending(struct log_window *, size_t, char *, size_t);

#endif
