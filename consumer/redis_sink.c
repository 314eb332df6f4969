/* SPDX-License-Identifier: ISC */
/*
 * The redis sink: counts each batch's votes exactly once with
 * count_vote.lua (redis_store.c: one call per chunk of up to 128
 * votes), pipelined: a batch is written out
 * before the previous one's replies are read (flush.c). About once a
 * second it moves sealed seconds into the series stream. It owns the
 * DLQ: poison messages are dead-lettered by this sink only, so the DLQ
 * gets each of them once.
 */
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "redis_store.h"
#include "sink.h"

#define REDIS_SINK_SERIES_MS	1000

/*
 * Two connections: the counting one has pipelined replies pending
 * between loop turns, so the series flush has its own.
 */
struct redis_sink {
	struct redis_store	*rs;
	struct redis_store	*series;
	int64_t			 last_series_ms;
};

static int	redis_sink_store(struct sink *, const struct vote *const *,
		    size_t, size_t *, char *, size_t);
static int	redis_sink_send(struct sink *, const struct vote *const *,
		    size_t, char *, size_t);
static int	redis_sink_recv(struct sink *, size_t, size_t *, char *,
		    size_t);
static void	redis_sink_tick(struct sink *, int64_t);
static void	redis_sink_free(void *);

const struct sink_ops	redis_sink_ops = {
	.name = "redis",
	.owns_dlq = 1,
	.store = redis_sink_store,
	.send = redis_sink_send,
	.recv = redis_sink_recv,
	.tick = redis_sink_tick,
	.free = redis_sink_free,
};

void *
redis_sink_new(const struct marimba_config *cfg, char *err, size_t errlen)
{
	struct redis_sink	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->rs = redis_store_new(cfg)) == NULL ||
	    (r->series = redis_store_new(cfg)) == NULL) {
		if (r != NULL)
			redis_store_free(r->rs);
		free(r);
		(void)snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	return (r);
}

static void
redis_sink_free(void *arg)
{
	struct redis_sink	*r = arg;

	redis_store_free(r->rs);
	redis_store_free(r->series);
	free(r);
}

static int
redis_sink_store(struct sink *s, const struct vote *const *votes, size_t n,
    size_t *fresh, char *err, size_t errlen)
{
	struct redis_sink	*r = s->store;

	return (redis_store_count(r->rs, votes, n, fresh, err, errlen));
}

static int
redis_sink_send(struct sink *s, const struct vote *const *votes, size_t n,
    char *err, size_t errlen)
{
	struct redis_sink	*r = s->store;

	return (redis_store_count_send(r->rs, votes, n, err, errlen));
}

static int
redis_sink_recv(struct sink *s, size_t n, size_t *fresh, char *err,
    size_t errlen)
{
	struct redis_sink	*r = s->store;

	return (redis_store_count_recv(r->rs, n, fresh, err, errlen));
}

static void
redis_sink_tick(struct sink *s, int64_t now)
{
	struct redis_sink	*r = s->store;
	char			 err[512];
	long long		 added;

	if (now - r->last_series_ms < REDIS_SINK_SERIES_MS)
		return;
	r->last_series_ms = now;
	if (redis_store_flush_series(r->series, &added, err,
	    sizeof(err)) == -1)
		log_debug("series flush: %s", err);
}
