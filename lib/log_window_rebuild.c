/* SPDX-License-Identifier: ISC */
/*
 * Rebuilds a log window Redis lost (FLUSHALL, a new Redis): takes the
 * rebuild lock, reads every log document back (one unsorted scan: no
 * server needs a sort for it) and lists each one with
 * the same script the consumer uses, so the sets keep the newest ids
 * whatever the scan's order; then marks the window built, only if the
 * lock was held all along. Consumers go on listing new votes meanwhile;
 * a document the scan misses was inserted after the scan began, after
 * the window was lost, and its consumer lists it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <mongoc/mongoc.h>

#include "log_window.h"
#include "log_window_int.h"
#include "vote_id.h"

#define LW_LOCK_MS	30000	/* renewed every batch */
#define LW_BATCH	(8 * LW_CHUNK)	/* adds per pipeline */

static int	lw_lock(struct log_window *, const char *, const char *,
		    char *, size_t);
static int	lw_flush(struct log_window *, size_t *, char *, size_t);
static int	lw_queue(struct log_window *, struct log_entry *, size_t *,
		    size_t *, char *, size_t);
static int	lw_lost(char *, size_t);
static int	lw_entry(const bson_t *, struct log_entry *);
static int	lw_utf8(const bson_t *, const char *, char *, size_t);

int
log_window_rebuild(struct log_window *lw, mongoc_collection_t *coll,
    long *listed, char *err, size_t errlen)
{
	mongoc_cursor_t	*cur;
	const bson_t	*doc;
	bson_t		*opts;
	bson_error_t	 berr;
	struct log_entry *ents;
	char		 token[64];
	struct timespec	 ts;
	bson_t		 filter = BSON_INITIALIZER;
	size_t		 nents, pending;
	int		 rc;

	*listed = 0;
	if (!log_window_enabled(lw))
		return (0);
	if ((ents = calloc(LW_CHUNK, sizeof(*ents))) == NULL) {
		(void)snprintf(err, errlen, "log window rebuild: out of "
		    "memory");
		return (-1);
	}
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)snprintf(token, sizeof(token), "%ld.%lld.%ld", (long)getpid(),
	    (long long)ts.tv_sec, ts.tv_nsec);
	if ((rc = lw_lock(lw, "take", token, err, errlen)) != 1) {
		free(ents);
		return (rc);
	}

	opts = BCON_NEW("projection", "{", "consumed_at", BCON_INT32(0), "}",
	    "batchSize", BCON_INT32(LW_BATCH));
	cur = mongoc_collection_find_with_opts(coll, &filter, opts, NULL);
	bson_destroy(opts);
	nents = pending = 0;
	rc = 0;
	while (rc == 0 && mongoc_cursor_next(cur, &doc)) {
		if (lw_entry(doc, &ents[nents]) == -1)
			continue;	/* not a log the consumer wrote */
		(*listed)++;
		if (++nents < LW_CHUNK)
			continue;
		rc = lw_queue(lw, ents, &nents, &pending, err, errlen);
		if (rc == 0 && pending * LW_CHUNK >= LW_BATCH)
			rc = lw_flush(lw, &pending, err, errlen);
		if (rc == 0 && pending == 0 &&
		    (rc = lw_lock(lw, "keep", token, err, errlen)) != -1)
			rc = rc == 1 ? 0 : lw_lost(err, errlen);
	}
	if (rc == 0 && mongoc_cursor_error(cur, &berr)) {
		(void)snprintf(err, errlen, "log window rebuild: mongo: %s",
		    berr.message);
		rc = -1;
	}
	mongoc_cursor_destroy(cur);
	if (rc == 0)
		rc = lw_queue(lw, ents, &nents, &pending, err, errlen);
	if (rc == 0 && pending > 0)
		rc = lw_flush(lw, &pending, err, errlen);
	free(ents);
	if (rc == -1) {
		lw_drop(lw);	/* replies may be pending; the lock expires */
		return (-1);
	}
	if ((rc = lw_lock(lw, "done", token, err, errlen)) != 1)
		return (rc == 0 ? lw_lost(err, errlen) : -1);
	return (1);
}

/* Queues the adds of the nents logs read (one call), *pending calls. */
static int
lw_queue(struct log_window *lw, struct log_entry *ents, size_t *nents,
    size_t *pending, char *err, size_t errlen)
{
	size_t	n;

	n = *nents;
	*nents = 0;
	return (lw_append(lw, ents, n, pending, err, errlen));
}

/* Reads the replies of the queued calls. */
static int
lw_flush(struct log_window *lw, size_t *pending, char *err, size_t errlen)
{
	size_t	n;

	n = *pending;
	*pending = 0;
	return (lw_replies_pending(lw, n, err, errlen));
}

/* log_window_lock.lua's op: 1 yes, 0 no, -1 with err. */
static int
lw_lock(struct log_window *lw, const char *op, const char *token, char *err,
    size_t errlen)
{
	redisReply	*r;
	int		 rc;

	err[0] = '\0';
	if (lw_connect(lw, err, errlen) == -1)
		return (-1);
	r = redisCommand(lw->ctx, "EVALSHA %s 2 %s:logwin:rebuild "
	    "%s:logwin:built %s %s %d", lw->lock_sha, lw->prefix, lw->prefix,
	    op, token, LW_LOCK_MS);
	if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
		(void)snprintf(err, errlen, "log window lock: %s", r == NULL ?
		    lw->ctx->errstr : r->type == REDIS_REPLY_ERROR ? r->str :
		    "unexpected reply");
		if (r != NULL)
			freeReplyObject(r);
		lw_drop(lw);	/* NOSCRIPT too: reconnecting reloads */
		return (-1);
	}
	rc = r->integer == 1;
	freeReplyObject(r);
	return (rc);
}

static int
lw_lost(char *err, size_t errlen)
{
	(void)snprintf(err, errlen, "log window rebuild: the lock was lost "
	    "(expired, or Redis lost its data again)");
	return (-1);
}

/* A log document as the consumer writes it (mongo_store.c); -1 if not. */
static int
lw_entry(const bson_t *doc, struct log_entry *e)
{
	bson_iter_t	it;

	memset(e, 0, sizeof(*e));
	if (lw_utf8(doc, "_id", e->id, sizeof(e->id)) == -1 ||
	    !vote_id_is_valid(e->id) ||
	    lw_utf8(doc, "name", e->name, sizeof(e->name)) == -1 ||
	    lw_utf8(doc, "album", e->album, sizeof(e->album)) == -1 ||
	    lw_utf8(doc, "source", e->source, sizeof(e->source)) == -1)
		return (-1);
	if (!bson_iter_init_find(&it, doc, "year") ||
	    !BSON_ITER_HOLDS_NUMBER(&it))
		return (-1);
	e->year = (int32_t)bson_iter_as_int64(&it);
	if (!bson_iter_init_find(&it, doc, "rank") ||
	    !BSON_ITER_HOLDS_NUMBER(&it))
		return (-1);
	e->rank = (int32_t)bson_iter_as_int64(&it);
	if (!bson_iter_init_find(&it, doc, "accepted_at") ||
	    !BSON_ITER_HOLDS_DATE_TIME(&it))
		return (-1);
	e->accepted_ms = bson_iter_date_time(&it);
	return (0);
}

/* A string value without NUL that fits dst whole; -1 otherwise. */
static int
lw_utf8(const bson_t *doc, const char *key, char *dst, size_t dstlen)
{
	bson_iter_t	 it;
	const char	*s;
	uint32_t	 len;

	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_UTF8(&it))
		return (-1);
	s = bson_iter_utf8(&it, &len);
	if (len >= dstlen || memchr(s, '\0', len) != NULL)
		return (-1);
	memcpy(dst, s, len);
	dst[len] = '\0';
	return (0);
}
