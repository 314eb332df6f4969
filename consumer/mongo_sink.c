/* SPDX-License-Identifier: ISC */
/*
 * The mongo sink: inserts each batch's votes as log documents with one
 * unordered insert_many (duplicates mean "already stored"), then runs
 * mongo_sink_after_insert() before the offsets are committed. Poison
 * messages are the redis sink's to dead-letter; this sink goes past them.
 *
 * With MARIMBA_MONGO_INFLIGHT=2 the sink is pipelined like the redis one
 * (flush.c): a batch is handed to an insert worker (mongo_inflight.c)
 * before the one before it is received, so two insert_many run at once;
 * the hook and the commit follow each batch in order, on this thread.
 */
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "log.h"
#include "mongo_sink.h"
#include "sink.h"
#include "vote_id.h"

#define WINDOW_RETRY_MS	2000	/* a stale window's next try */

static int	mongo_sink_store(struct sink *, const struct vote *const *,
		    size_t, size_t *, char *, size_t);
static int	mongo_sink_send(struct sink *, const struct vote *const *,
		    size_t, char *, size_t);
static int	mongo_sink_recv(struct sink *, size_t, size_t *, char *,
		    size_t);
static void	mongo_sink_free(void *);

const struct sink_ops	mongo_sink_ops = {
	.name = "mongo",
	.owns_dlq = 0,
	.store = mongo_sink_store,
	.tick = NULL,
	.free = mongo_sink_free,
};

const struct sink_ops	mongo_sink_pipelined_ops = {
	.name = "mongo",
	.owns_dlq = 0,
	.store = mongo_sink_store,
	.send = mongo_sink_send,
	.recv = mongo_sink_recv,
	.tick = NULL,
	.free = mongo_sink_free,
};

void *
mongo_sink_new(const struct marimba_config *cfg, char *err, size_t errlen)
{
	struct mongo_sink	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	if ((m->ms = mongo_store_new(cfg, err, errlen)) == NULL) {
		free(m);
		return (NULL);
	}
	if ((m->window = log_window_new(cfg)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		mongo_sink_free(m);
		return (NULL);
	}
	if (cfg->mongo_inflight > 1 && (m->inflight = mongo_inflight_new(cfg,
	    cfg->mongo_inflight, err, errlen)) == NULL) {
		mongo_sink_free(m);
		return (NULL);
	}
	return (m);
}

static void
mongo_sink_free(void *arg)
{
	struct mongo_sink	*m = arg;

	mongo_inflight_free(m->inflight);
	mongo_store_free(m->ms);
	log_window_free(m->window);
	free(m);
}

/*
 * The batch's logs are listed in the log window (lib/log_window.h) only
 * now that MongoDB has them; listing is idempotent. A failure (Redis
 * down) never fails the batch: the window is marked for a rebuild.
 */
int
mongo_sink_after_insert(struct mongo_sink *m, const struct vote_batch *vb,
    char *err, size_t errlen)
{
	char	why[256];
	int64_t	now;

	(void)err;
	(void)errlen;
	/*
	 * Logging never waits for Redis: when the window cannot be written,
	 * the batch is still logged and committed, the window is marked not
	 * built as soon as Redis answers again (readers go to MongoDB, Kore
	 * rebuilds it), and until then no write is tried more often than
	 * every WINDOW_RETRY_MS, so a hung Redis costs no timeout per batch.
	 */
	now = marimba_mono_ms();
	if (m->window_stale) {
		if (now < m->window_retry_ms)
			return (0);
		m->window_retry_ms = now + WINDOW_RETRY_MS;
		if (log_window_invalidate(m->window, why, sizeof(why)) == -1)
			return (0);
		m->window_stale = 0;
		log_info("mongo sink: log window marked for a rebuild "
		    "(it missed logs while Redis was down)");
	}
	if (log_window_add(m->window, vb->votes, vb->n, why,
	    sizeof(why)) == -1) {
		m->window_stale = 1;
		m->window_retry_ms = now + WINDOW_RETRY_MS;
		log_warn("mongo sink: log window not written (%s); logging "
		    "goes on, the window will be rebuilt", why);
	}
	return (0);
}

static int
mongo_sink_store(struct sink *s, const struct vote *const *votes, size_t n,
    size_t *fresh, char *err, size_t errlen)
{
	struct mongo_sink	*m = s->store;
	struct vote_batch	 vb;

	vb.votes = votes;
	vb.n = n;
	vb.consumed_ms = marimba_now_ms();
	if (mongo_store_insert(m->ms, votes, n, vb.consumed_ms, fresh, err,
	    errlen) == -1)
		return (-1);
	return (mongo_sink_after_insert(m, &vb, err, errlen));
}

/*
 * Pipelined: the indexes are made once here first (two workers making
 * them at once would both send createIndexes), then the batch goes to
 * the next insert worker.
 */
static int
mongo_sink_send(struct sink *s, const struct vote *const *votes, size_t n,
    char *err, size_t errlen)
{
	struct mongo_sink	*m = s->store;
	size_t			 none;

	if (!m->indexed) {
		if (mongo_store_insert(m->ms, votes, 0, 0, &none, err,
		    errlen) == -1)
			return (-1);
		m->indexed = 1;
	}
	return (mongo_inflight_send(m->inflight, votes, n, marimba_now_ms(),
	    err, errlen));
}

/* The oldest batch sent: stored, then the hook, before its commit. */
static int
mongo_sink_recv(struct sink *s, size_t n, size_t *fresh, char *err,
    size_t errlen)
{
	struct mongo_sink	*m = s->store;
	struct vote_batch	 vb;

	if (mongo_inflight_recv(m->inflight, fresh, &vb.votes, &vb.n,
	    &vb.consumed_ms, err, errlen) == -1)
		return (-1);
	if (vb.n != n) {
		(void)snprintf(err, errlen, "pipeline out of step: %zu votes "
		    "received, %zu expected", vb.n, n);
		return (-1);
	}
	return (mongo_sink_after_insert(m, &vb, err, errlen));
}
