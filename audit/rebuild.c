/* SPDX-License-Identifier: ISC */
/*
 * marimba-audit rebuild-redis: recomputes the tallies, the dedupe keys
 * and the recent series from the MongoDB logs and swaps them in while
 * the consumers keep counting. Why nothing is counted twice or lost is
 * in docs/operations.md ("How rebuild-redis avoids double counting");
 * in short:
 *  1. boundary: writes paused, the live tallies snapshotted; a dedupe
 *     key set from now on belongs to a vote counted live (its set time
 *     is its expiry minus the TTL);
 *  2. wait until the consumer groups have committed past the topic's
 *     end at the boundary: every vote counted before it is in MongoDB;
 *  3. every log goes through absorb.lua into temporary tallies, unless
 *     its dedupe key says it was counted live after the boundary; a
 *     missing dedupe key is created, so no consumer counts it again;
 *  4. swap.lua: temporary + (live - snapshot) replaces live, atomically.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "kafka_side.h"
#include "log.h"
#include "mongo_side.h"
#include "rebuild_redis.h"
#include "redis_side.h"
#include "vote_id.h"

#define REBUILD_BATCH		500
#define REBUILD_SERIES_MAX	3000000	/* seconds (about 35 days) */
#define REBUILD_XADD_CHUNK	10000
#define REBUILD_LOCK_S		7200	/* longer than any rebuild */

struct rebuild {
	const struct marimba_config	*cfg;
	redisContext			*rc;
	struct rebuild_keys		 keys;
	struct rebuild_mark		 mark;
	struct rebuild_doc		 docs[REBUILD_BATCH];
	int				 res[REBUILD_BATCH];
	size_t				 n;
	long long			(*series)[3];
	int64_t				 series_from;	/* second of [0] */
	size_t				 series_len;
	long long			 logs, absorbed, live, repeated, bad;
	char				 err[512];
};

static int	rebuild_one(void *, const struct log_doc *);
static int	rebuild_flush(struct rebuild *);
static int	rebuild_write_series(struct rebuild *, int64_t *, size_t *);

static int
rebuild_one(void *arg, const struct log_doc *d)
{
	struct rebuild		*rb = arg;
	struct rebuild_doc	*o;

	rb->logs++;
	/* Not a log the consumer writes: left out, check will show it. */
	if (d->idlen != VOTE_ID_LEN || d->namelen == 0 ||
	    d->namelen > VOTE_NAME_MAX || d->albumlen > VOTE_ALBUM_MAX ||
	    d->sourcelen == 0 || d->sourcelen > VOTE_SOURCE_MAX ||
	    memchr(d->id, '\0', d->idlen) != NULL ||
	    memchr(d->name, '\0', d->namelen) != NULL ||
	    memchr(d->album, '\0', d->albumlen) != NULL ||
	    memchr(d->source, '\0', d->sourcelen) != NULL) {
		rb->bad++;
		return (0);
	}
	o = &rb->docs[rb->n++];
	memcpy(o->id, d->id, VOTE_ID_LEN);
	o->id[VOTE_ID_LEN] = '\0';
	(void)snprintf(o->band, sizeof(o->band), "%.*s", (int)d->namelen,
	    d->name);
	(void)snprintf(o->album, sizeof(o->album), "%.*s \xe2\x80\x94 %.*s",
	    (int)d->namelen, d->name, (int)d->albumlen, d->album);
	(void)snprintf(o->source, sizeof(o->source), "%.*s",
	    (int)d->sourcelen, d->source);
	o->accepted_ms = d->accepted_ms;
	if (rb->n == REBUILD_BATCH)
		return (rebuild_flush(rb));
	return (0);
}

static int
rebuild_flush(struct rebuild *rb)
{
	struct rebuild_doc	*d;
	int64_t			 s;
	size_t			 i;

	if (rb->n == 0)
		return (0);
	if (rebuild_absorb(rb->rc, &rb->keys, &rb->mark,
	    rb->cfg->dedupe_ttl_s, rb->docs, rb->n, rb->res, rb->err,
	    sizeof(rb->err)) == -1)
		return (-1);
	for (i = 0; i < rb->n; i++) {
		d = &rb->docs[i];
		if (rb->res[i] == 0) {
			rb->live++;
			continue;
		}
		if (rb->res[i] == 2) {
			rb->repeated++;
			continue;
		}
		rb->absorbed++;
		if (rb->series == NULL || d->accepted_ms < 0)
			continue;
		/* Accepted at or after the boundary: its last second. */
		s = d->accepted_ms / 1000;
		if (s >= rb->mark.s0)
			s = rb->mark.s0 - 1;
		if (s < rb->series_from)
			continue;
		rb->series[s - rb->series_from][0]++;
		if (strcmp(d->source, "rest") == 0)
			rb->series[s - rb->series_from][1]++;
		else if (strcmp(d->source, "grpc") == 0)
			rb->series[s - rb->series_from][2]++;
	}
	rb->n = 0;
	return (0);
}

/* From the first second with a vote to the boundary's second - 1. */
static int
rebuild_write_series(struct rebuild *rb, int64_t *first, size_t *written)
{
	size_t	i, start, chunk;

	*written = 0;
	for (start = 0; start < rb->series_len; start++) {
		if (rb->series[start][0] != 0)
			break;
	}
	*first = rb->series_from + (int64_t)start;
	for (i = start; i < rb->series_len; i += chunk) {
		chunk = rb->series_len - i < REBUILD_XADD_CHUNK ?
		    rb->series_len - i : REBUILD_XADD_CHUNK;
		if (rebuild_series(rb->rc, &rb->keys, rb->series_from +
		    (int64_t)i, (const long long (*)[3])&rb->series[i], chunk,
		    rb->err, sizeof(rb->err)) == -1)
			return (-1);
		*written += chunk;
	}
	return (0);
}

int
audit_rebuild(const struct marimba_config *cfg, const struct audit_opts *o)
{
	struct rebuild		*rb;
	struct kafka_votes	 kv;
	struct mongo_side	 ms;
	int64_t			 t0, first;
	size_t			 written;
	long long		 behind, total;
	int			 rv, prepared, settled, locked;

	if ((rb = calloc(1, sizeof(*rb))) == NULL) {
		log_error("rebuild-redis: out of memory");
		return (AUDIT_ERROR);
	}
	rv = AUDIT_ERROR;
	prepared = locked = 0;
	memset(&ms, 0, sizeof(ms));
	memset(&kv, 0, sizeof(kv));
	tally_init(&rb->mark.snap);
	rb->cfg = cfg;
	t0 = marimba_now_ms();
	if (!o->keep_series && cfg->series_maxlen > REBUILD_SERIES_MAX) {
		(void)snprintf(rb->err, sizeof(rb->err),
		    "MARIMBA_SERIES_MAXLEN %d: more than %d seconds; use "
		    "--keep-series",
		    cfg->series_maxlen, REBUILD_SERIES_MAX);
		goto out;
	}
	if ((rb->rc = redis_side_connect(cfg, rb->err, sizeof(rb->err))) ==
	    NULL || mongo_side_open(cfg, &ms, rb->err, sizeof(rb->err)) == -1)
		goto out;
	rebuild_keys_init(&rb->keys, cfg->redis_prefix);
	switch (rebuild_lock(rb->rc, &rb->keys, REBUILD_LOCK_S, rb->err,
	    sizeof(rb->err))) {
	case 1:
		(void)snprintf(rb->err, sizeof(rb->err), "another rebuild "
		    "holds %s (it expires after %d s)", rb->keys.lock,
		    REBUILD_LOCK_S);
		/* FALLTHROUGH */
	case -1:
		goto out;
	}
	locked = 1;

	/* 1. The boundary. */
	if (rebuild_mark(rb->rc, &rb->keys, &rb->mark, rb->err,
	    sizeof(rb->err)) == -1)
		goto out;
	printf("rebuild-redis: boundary at %lld ms (Redis clock), live "
	    "total %lld\n", (long long)rb->mark.boundary_ms,
	    rb->mark.snap.total);

	/* 2. Everything counted before it reaches MongoDB. */
	if (o->wait_s > 0) {
		if (kafka_side_count(cfg, &kv, rb->err, sizeof(rb->err)) == -1)
			goto out;
		settled = kafka_side_settle(cfg, &kv, o->wait_s, &behind,
		    rb->err, sizeof(rb->err));
		if (settled == -1)
			goto out;
		if (settled == 1) {
			(void)snprintf(rb->err, sizeof(rb->err), "the "
			    "consumers (groups %.100s) are still %lld messages "
			    "behind the topic after %d s: start them, or run "
			    "with --wait 0 if they are stopped for good",
			    kv.groups[0] != '\0' ? kv.groups : "none", behind,
			    o->wait_s);
			goto out;
		}
	}

	/* 3. Every log into the temporary tallies. */
	if (rebuild_prepare(rb->rc, &rb->keys, &rb->mark, rb->err,
	    sizeof(rb->err)) == -1)
		goto out;
	prepared = 1;
	if (!o->keep_series) {
		rb->series_len = (size_t)cfg->series_maxlen;
		rb->series_from = rb->mark.s0 - cfg->series_maxlen;
		if ((rb->series = calloc(rb->series_len,
		    sizeof(*rb->series))) == NULL) {
			(void)snprintf(rb->err, sizeof(rb->err),
			    "out of memory");
			goto out;
		}
	}
	if (mongo_side_scan(&ms, rebuild_one, rb, &rb->bad, rb->err,
	    sizeof(rb->err)) == -1 || rebuild_flush(rb) == -1)
		goto out;
	first = 0;
	written = 0;
	if (!o->keep_series && rebuild_write_series(rb, &first, &written) ==
	    -1)
		goto out;

	/* 4. The swap. */
	if (rebuild_swap(rb->rc, &rb->keys, &rb->mark, cfg->series_maxlen,
	    !o->keep_series, &total, rb->err, sizeof(rb->err)) == -1)
		goto out;
	prepared = 0;
	printf("rebuild-redis: %lld logs read, %lld counted from mongo, "
	    "%lld counted live since the boundary, %lld returned twice, "
	    "%lld malformed left out; total %lld (was %lld); series: %zu "
	    "seconds from %lld%s; %lld ms\n", rb->logs, rb->absorbed,
	    rb->live, rb->repeated, rb->bad, total, rb->mark.snap.total,
	    written, (long long)first,
	    o->keep_series ? " (kept)" : "",
	    (long long)(marimba_now_ms() - t0));
	rv = AUDIT_AGREE;
out:
	if (rv == AUDIT_ERROR)
		log_error("rebuild-redis: %s", rb->err);
	if (prepared)
		rebuild_discard(rb->rc, &rb->keys);
	if (locked)
		rebuild_unlock(rb->rc, &rb->keys);
	if (rb->rc != NULL)
		redisFree(rb->rc);
	mongo_side_close(&ms);
	kafka_votes_free(&kv);
	tally_free(&rb->mark.snap);
	free(rb->series);
	free(rb);
	return (rv);
}
