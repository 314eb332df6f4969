/* SPDX-License-Identifier: ISC */
/*
 * The log window: the newest logs per source and per band, kept in Redis
 * sorted sets (docs/redis-keys.md; a page of all logs merges the two
 * source windows) so the log viewer reads a page of logs in O(page)
 * whatever MongoDB-wire server holds them (on
 * FerretDB 1.24 with SQLite no query is: even an _id lookup scans the
 * collection). A log is listed only after its document is in MongoDB,
 * with exactly the stored fields; a window Redis lost is rebuilt from
 * MongoDB, and until then readers ask MongoDB itself.
 */
#ifndef MARIMBA_LOG_WINDOW_H
#define MARIMBA_LOG_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "logs_query.h"
#include "vote.h"

/* One log as the viewer shows it (the document in MongoDB). */
struct log_entry {
	char		id[VOTE_ID_LEN + 1];
	char		name[VOTE_NAME_MAX + 1];
	char		album[VOTE_ALBUM_MAX + 1];
	int32_t		year;
	int32_t		rank;
	char		source[VOTE_SOURCE_MAX + 1];
	int64_t		accepted_ms;
};

/* Longest member "<id>\t<JSON>": every byte of text escaped as \uXXXX. */
#define LOG_WINDOW_MEMBER_MAX	(VOTE_ID_LEN + 128 + \
	6 * (VOTE_NAME_MAX + VOTE_ALBUM_MAX + VOTE_SOURCE_MAX))

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

/*
 * Marks the window as not built (it missed logs: Redis failed while
 * MongoDB took them), so readers go to MongoDB until it is rebuilt.
 * 0, or -1 with err.
 */
int	log_window_invalidate(struct log_window *, char *, size_t);

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
 * A reader's page (newest first, below q->before if set, at most
 * q->limit logs into out, *more if there are others) on a connection of
 * the caller's. 1: exactly what MongoDB would list for q; 0: the window
 * cannot tell (not built, page past its end, band without a window, band
 * and source together): ask MongoDB; -1 Redis failed.
 */
int	log_window_read(struct redisContext *, const char *,
	    const struct logs_query *, struct log_entry *, size_t *, int *,
	    char *, size_t);

/* log_window_doc.c: a log as a window member and back (-1: bad). */
int	log_window_member(const struct log_entry *, char *, size_t);
int	log_window_member_parse(const char *, size_t, struct log_entry *);

#endif
