/* SPDX-License-Identifier: ISC */
/*
 * Reads of the consumer's Redis counters (docs/redis-keys.md):
 * <prefix>:total, the hashes <prefix>:bands, <prefix>:albums (field
 * "<band> — <album>") and <prefix>:sources, the sinks' lag reports
 * <prefix>:sinks with Redis's TIME (lib/sink_lag.h), and the per-second
 * stream <prefix>:series. One pipelined round trip each; runs on a task
 * thread.
 */
#include <sys/param.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "sink_lag.h"
#include "store.h"
#include "store_redis.h"

/* GET, three HGETALLs, the sinks' reports, TIME. */
#define TALLIES_REPLIES	6

static int	tally_hash(redisReply *, struct tally **, size_t *);
static int	tally_cmp(const void *, const void *);
static long long	reply_ll(const redisReply *);
static int64_t	logs_behind(const redisReply *, const redisReply *);

int
store_tallies(struct stores *st, struct tallies *t, char *err, size_t errlen)
{
	redisContext	*c;
	redisReply	*r[TALLIES_REPLIES];
	const char	*p;
	size_t		 i;
	int		 broken, rc;

	memset(t, 0, sizeof(*t));
	memset(r, 0, sizeof(r));
	if ((c = stores_redis_get(st, err, errlen)) == NULL)
		return (-1);
	p = stores_redis_prefix(st);
	broken = 0;
	if (redisAppendCommand(c, "GET %s:total", p) != REDIS_OK ||
	    redisAppendCommand(c, "HGETALL %s:bands", p) != REDIS_OK ||
	    redisAppendCommand(c, "HGETALL %s:albums", p) != REDIS_OK ||
	    redisAppendCommand(c, "HGETALL %s:sources", p) != REDIS_OK ||
	    redisAppendCommand(c, "HGETALL %s:" SINK_LAG_KEY, p) !=
	    REDIS_OK || redisAppendCommand(c, "TIME") != REDIS_OK)
		broken = 1;
	for (i = 0; i < TALLIES_REPLIES && !broken; i++) {
		if (redisGetReply(c, (void **)&r[i]) != REDIS_OK ||
		    r[i] == NULL)
			broken = 1;
	}
	rc = -1;
	if (broken) {
		(void)snprintf(err, errlen, "redis: %s",
		    c->err ? c->errstr : "no reply");
		goto done;
	}
	/* The lag is extra: an error there only leaves it out. */
	for (i = 0; i < 4; i++) {
		if (r[i]->type == REDIS_REPLY_ERROR) {
			(void)snprintf(err, errlen, "redis: %s", r[i]->str);
			goto done;
		}
	}
	t->total = reply_ll(r[0]);
	if (tally_hash(r[1], &t->bands, &t->nbands) == -1 ||
	    tally_hash(r[2], &t->albums, &t->nalbums) == -1) {
		(void)snprintf(err, errlen, "out of memory");
		tallies_free(t);
		goto done;
	}
	for (i = 0; r[3]->type == REDIS_REPLY_ARRAY &&
	    i + 1 < r[3]->elements; i += 2) {
		if (r[3]->element[i]->type != REDIS_REPLY_STRING)
			continue;
		if (strcmp(r[3]->element[i]->str, "rest") == 0)
			t->rest = reply_ll(r[3]->element[i + 1]);
		else if (strcmp(r[3]->element[i]->str, "grpc") == 0)
			t->grpc = reply_ll(r[3]->element[i + 1]);
	}
	t->logs_behind_ms = logs_behind(r[4], r[5]);
	rc = 0;
done:
	for (i = 0; i < TALLIES_REPLIES; i++) {
		if (r[i] != NULL)
			freeReplyObject(r[i]);
	}
	stores_redis_put(st, c, broken);
	return (rc);
}

void
tallies_free(struct tallies *t)
{
	size_t	i;

	for (i = 0; i < t->nbands; i++)
		free(t->bands[i].key);
	for (i = 0; i < t->nalbums; i++)
		free(t->albums[i].key);
	free(t->bands);
	free(t->albums);
	t->bands = t->albums = NULL;
	t->nbands = t->nalbums = 0;
}

/* The last SERIES_POINTS seconds of <prefix>:series, oldest first. */
int
store_series(struct stores *st, struct series *s, char *err, size_t errlen)
{
	redisContext	*c;
	redisReply	*r, *e, *f;
	size_t		 i, j, n;
	int		 broken;

	memset(s, 0, sizeof(*s));
	if ((c = stores_redis_get(st, err, errlen)) == NULL)
		return (-1);
	r = redisCommand(c, "XREVRANGE %s:series + - COUNT %d",
	    stores_redis_prefix(st), SERIES_POINTS);
	broken = r == NULL;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		(void)snprintf(err, errlen, "redis: %s", r == NULL ?
		    c->errstr : r->type == REDIS_REPLY_ERROR ? r->str :
		    "unexpected reply");
		if (r != NULL)
			freeReplyObject(r);
		stores_redis_put(st, c, broken);
		return (-1);
	}
	n = MIN(r->elements, SERIES_POINTS);
	for (i = 0; i < n; i++) {
		/* Entries are [id, [field, value, ...]], newest first. */
		e = r->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING ||
		    e->element[1]->type != REDIS_REPLY_ARRAY)
			continue;
		if (i == 0)
			s->last_s = strtoll(e->element[0]->str, NULL,
			    10) / 1000;
		f = e->element[1];
		for (j = 0; j + 1 < f->elements; j += 2) {
			if (f->element[j]->type == REDIS_REPLY_STRING &&
			    strcmp(f->element[j]->str, "total") == 0)
				s->total[n - 1 - i] =
				    reply_ll(f->element[j + 1]);
		}
	}
	s->n = n;
	freeReplyObject(r);
	stores_redis_put(st, c, 0);
	return (0);
}

/* HGETALL's [field, value, ...] as tallies sorted by votes. */
static int
tally_hash(redisReply *r, struct tally **out, size_t *n)
{
	struct tally	*t;
	size_t		 i, k;

	*out = NULL;
	*n = 0;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2)
		return (0);
	if ((t = calloc(r->elements / 2, sizeof(*t))) == NULL)
		return (-1);
	for (i = 0, k = 0; i + 1 < r->elements; i += 2) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			continue;
		if ((t[k].key = strndup(r->element[i]->str,
		    r->element[i]->len)) == NULL) {
			while (k > 0)
				free(t[--k].key);
			free(t);
			return (-1);
		}
		t[k++].n = reply_ll(r->element[i + 1]);
	}
	qsort(t, k, sizeof(*t), tally_cmp);
	*out = t;
	*n = k;
	return (0);
}

static int
tally_cmp(const void *a, const void *b)
{
	const struct tally	*x = a, *y = b;

	if (x->n != y->n)
		return (x->n > y->n ? -1 : 1);
	return (strcmp(x->key, y->key));
}

/*
 * How far the logs are behind the tallies (sink_lag.h) from HGETALL of
 * <prefix>:sinks and TIME; 0 when either is not what it should be.
 * Fields that are not a sink's report are left out.
 */
static int64_t
logs_behind(const redisReply *hash, const redisReply *time)
{
	struct sink_lag_report	 rep[32];
	const redisReply	*f, *v;
	int64_t			 now;
	size_t			 i, n;

	if (hash->type != REDIS_REPLY_ARRAY || time->type !=
	    REDIS_REPLY_ARRAY || time->elements != 2 ||
	    time->element[0]->type != REDIS_REPLY_STRING ||
	    time->element[1]->type != REDIS_REPLY_STRING)
		return (0);
	now = (int64_t)strtoll(time->element[0]->str, NULL, 10) * 1000 +
	    (int64_t)strtoll(time->element[1]->str, NULL, 10) / 1000;
	n = 0;
	for (i = 0; i + 1 < hash->elements &&
	    n < sizeof(rep) / sizeof(rep[0]); i += 2) {
		f = hash->element[i];
		v = hash->element[i + 1];
		if (f->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING)
			continue;
		if (sink_lag_parse(f->str, f->len, v->str, v->len,
		    &rep[n]) == 0)
			n++;
	}
	return (sink_lag_logs_behind(rep, n, now));
}

static long long
reply_ll(const redisReply *r)
{
	if (r == NULL)
		return (0);
	if (r->type == REDIS_REPLY_INTEGER)
		return (r->integer);
	if (r->type == REDIS_REPLY_STRING)
		return (strtoll(r->str, NULL, 10));
	return (0);
}
