/*
 * The log window: the ids of the newest logs, overall, per source and per
 * band, kept in Redis sorted sets (docs/redis-keys.md) so the log viewer
 * reads a page of logs in O(page) on any MongoDB-wire server: the ids
 * from Redis, then each document from MongoDB by _id. An id is listed
 * only after its document is in MongoDB; a window Redis lost is rebuilt
 * from MongoDB, and until then readers ask MongoDB itself.
 */
#ifndef MARIMBA_LOG_WINDOW_H
#define MARIMBA_LOG_WINDOW_H

#include <stddef.h>

#include "config.h"
#include "logs_query.h"
#include "vote.h"

struct redisContext;
struct _mongoc_collection_t;

/* A writer of the window with a Redis connection of its own. */
struct log_window;

/* NULL on ENOMEM. Never connects; the first call that needs Redis does. */
struct log_window	*log_window_new(const struct marimba_config *);
void			 log_window_free(struct log_window *);
/* 0 when MARIMBA_LOG_WINDOW is 0: every call then does nothing. */
int			 log_window_enabled(const struct log_window *);

/*
 * Lists n stored votes (call it only once MongoDB has their documents).
 * 0, or -1 with err when Redis failed; a retry is harmless.
 */
int	log_window_add(struct log_window *, const struct vote *const *,
	    size_t, char *, size_t);

/* 1 when the window is built, 0 when not (lost or never built), -1. */
int	log_window_built(struct log_window *, char *, size_t);

/*
 * Rebuilds a missing window from the logs collection (one scan of it,
 * every document listed as log_window_add would) while the consumers go
 * on adding. Only one rebuilder at a time: a lock in Redis. 1 rebuilt
 * (*listed documents read), 0 nothing to do (built, or another process
 * is at it), -1 with err (Redis or MongoDB failed, or Redis lost the
 * lock: try again later).
 */
int	log_window_rebuild(struct log_window *,
	    struct _mongoc_collection_t *, long *, char *, size_t);

/*
 * A reader's page of ids (newest first, below q->before if set, at most
 * q->limit + 1 of them into ids) on a connection of the caller's.
 * 1: these are exactly the ids MongoDB would list for q (*n of them);
 * 0: the window cannot tell (not built, page past its end, band without
 * a window, band and source together): ask MongoDB; -1 Redis failed.
 */
int	log_window_read(struct redisContext *, const char *,
	    const struct logs_query *, char (*)[VOTE_ID_LEN + 1], size_t *,
	    char *, size_t);

#endif
