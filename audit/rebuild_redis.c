/* SPDX-License-Identifier: ISC */
/*
 * Implements rebuild_redis.h with hiredis; the two scripts are compiled
 * in from absorb.lua and swap.lua.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "rebuild_redis.h"

#define PAUSE_MS		2000	/* Redis lifts it by itself after */
#define HSET_CHUNK		500

extern const char	absorb_lua[];
extern const char	swap_lua[];

static const char	*tally_names[4] = {
	"total", "bands", "albums", "sources"
};

static int	rebuild_status(redisContext *, redisReply *, const char *,
		    char *, size_t);
static int	rebuild_time(redisContext *, int64_t *, char *, size_t);
static int	rebuild_hset(redisContext *, const char *,
		    const struct count_map *, char *, size_t);

void
rebuild_keys_init(struct rebuild_keys *k, const char *prefix)
{
	char	name[64];
	int	i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < 4; i++) {
		redis_side_key(k->live[i], prefix, tally_names[i]);
		(void)snprintf(name, sizeof(name), "audit:tmp:%s",
		    tally_names[i]);
		redis_side_key(k->tmp[i], prefix, name);
		(void)snprintf(name, sizeof(name), "audit:snap:%s",
		    tally_names[i]);
		redis_side_key(k->snap[i], prefix, name);
	}
	(void)snprintf(k->prefix, sizeof(k->prefix), "%s", prefix);
	redis_side_key(k->series, prefix, "series");
	redis_side_key(k->tmp_series, prefix, "audit:tmp:series");
	redis_side_key(k->seen, prefix, "seen:");
	redis_side_key(k->sec, prefix, "sec:");
	redis_side_key(k->lock, prefix, "audit:lock");
}

/* Frees r; 0 if it is a status or integer reply, else -1 with err. */
static int
rebuild_status(redisContext *c, redisReply *r, const char *what, char *err,
    size_t errlen)
{
	int	rv;

	if (r == NULL) {
		(void)snprintf(err, errlen, "redis: %s: %s", what, c->errstr);
		return (-1);
	}
	rv = 0;
	if (r->type == REDIS_REPLY_ERROR) {
		(void)snprintf(err, errlen, "redis: %s: %s", what, r->str);
		rv = -1;
	}
	freeReplyObject(r);
	return (rv);
}

static int
rebuild_time(redisContext *c, int64_t *ms, char *err, size_t errlen)
{
	redisReply	*r;

	r = redisCommand(c, "TIME");
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
		(void)snprintf(err, errlen, "redis: TIME: %s",
		    r == NULL ? c->errstr : "unexpected reply");
		if (r != NULL)
			freeReplyObject(r);
		return (-1);
	}
	*ms = strtoll(r->element[0]->str, NULL, 10) * 1000 +
	    strtoll(r->element[1]->str, NULL, 10) / 1000;
	freeReplyObject(r);
	return (0);
}

int
rebuild_mark(redisContext *c, const struct rebuild_keys *k,
    struct rebuild_mark *m, char *err, size_t errlen)
{
	struct timespec	 ts = { 0, 200000 };
	redisReply	*r;
	int64_t		 pause_ms, now_ms;
	int		 rv, i;

	memset(m, 0, sizeof(*m));
	tally_init(&m->snap);
	if (rebuild_status(c, redisCommand(c, "CLIENT PAUSE %d WRITE",
	    PAUSE_MS), "CLIENT PAUSE", err, errlen) == -1)
		return (-1);
	/* Reads are allowed while writes (EVALSHA included) wait. */
	rv = -1;
	if (rebuild_time(c, &pause_ms, err, errlen) == -1 ||
	    redis_side_tally(c, k->prefix, 0, &m->snap, err, errlen) == -1)
		goto out;
	m->s0 = pause_ms / 1000;
	r = redisCommand(c, "HMGET %s%lld total rest grpc", k->sec,
	    (long long)m->s0);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
		(void)snprintf(err, errlen, "redis: HMGET bucket: %s",
		    r == NULL ? c->errstr : "unexpected reply");
		if (r != NULL)
			freeReplyObject(r);
		goto out;
	}
	for (i = 0; i < 3; i++)
		m->bucket[i] = r->element[i]->type == REDIS_REPLY_STRING ?
		    strtoll(r->element[i]->str, NULL, 10) : 0;
	freeReplyObject(r);
	do {
		(void)nanosleep(&ts, NULL);
		if (rebuild_time(c, &now_ms, err, errlen) == -1)
			goto out;
	} while (now_ms <= pause_ms);
	m->boundary_ms = now_ms;
	(void)snprintf(m->token, sizeof(m->token), "audit-%lld",
	    (long long)now_ms);
	rv = 0;
out:
	if (rebuild_status(c, redisCommand(c, "CLIENT UNPAUSE"),
	    "CLIENT UNPAUSE", err, errlen) == -1)
		rv = -1;
	if (rv == -1)
		tally_free(&m->snap);
	return (rv);
}

/* HSET key in chunks of the map's fields. */
static int
rebuild_hset(redisContext *c, const char *key, const struct count_map *m,
    char *err, size_t errlen)
{
	const char	**argv;
	size_t		 *argl, i, argc;
	char		(*nums)[24];
	int		  rv;

	argv = calloc(2 + 2 * HSET_CHUNK, sizeof(*argv));
	argl = calloc(2 + 2 * HSET_CHUNK, sizeof(*argl));
	nums = calloc(HSET_CHUNK, sizeof(*nums));
	rv = -1;
	if (argv == NULL || argl == NULL || nums == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		goto out;
	}
	argv[0] = "HSET";
	argl[0] = 4;
	argv[1] = key;
	argl[1] = strlen(key);
	argc = 2;
	for (i = 0; i <= m->cap; i++) {
		if (i < m->cap && m->ents[i].key != NULL) {
			argv[argc] = m->ents[i].key;
			argl[argc++] = m->ents[i].klen;
			(void)snprintf(nums[(argc - 2) / 2], sizeof(nums[0]),
			    "%lld", m->ents[i].n);
			argv[argc] = nums[(argc - 2) / 2];
			argl[argc] = strlen(argv[argc]);
			argc++;
		}
		if (argc > 2 && (argc == 2 + 2 * HSET_CHUNK || i == m->cap)) {
			if (rebuild_status(c, redisCommandArgv(c, (int)argc,
			    argv, argl), "HSET", err, errlen) == -1)
				goto out;
			argc = 2;
		}
	}
	rv = 0;
out:
	free(argv);
	free(argl);
	free(nums);
	return (rv);
}

int
rebuild_prepare(redisContext *c, const struct rebuild_keys *k,
    const struct rebuild_mark *m, char *err, size_t errlen)
{
	rebuild_discard(c, k);
	if (rebuild_status(c, redisCommand(c, "SET %s %lld", k->snap[0],
	    m->snap.total), "SET", err, errlen) == -1 ||
	    rebuild_hset(c, k->snap[1], &m->snap.bands, err, errlen) == -1 ||
	    rebuild_hset(c, k->snap[2], &m->snap.albums, err, errlen) == -1 ||
	    rebuild_hset(c, k->snap[3], &m->snap.sources, err, errlen) == -1)
		return (-1);
	return (0);
}

int
rebuild_absorb(redisContext *c, const struct rebuild_keys *k,
    const struct rebuild_mark *m, int ttl_s, const struct rebuild_doc *docs,
    size_t n, int *res, char *err, size_t errlen)
{
	const char	**argv;
	size_t		 *argl, argc, i, nk;
	char		(*seen)[REDIS_SIDE_KEY_MAX + VOTE_ID_LEN];
	char		  numkeys[16], ttl[16], boundary[24];
	redisReply	 *r;
	int		  rv;

	nk = 4 + n;
	argv = calloc(3 + nk + 3 + 3 * n, sizeof(*argv));
	argl = calloc(3 + nk + 3 + 3 * n, sizeof(*argl));
	seen = calloc(n + 1, sizeof(*seen));
	rv = -1;
	if (argv == NULL || argl == NULL || seen == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		goto out;
	}
	(void)snprintf(numkeys, sizeof(numkeys), "%zu", nk);
	(void)snprintf(ttl, sizeof(ttl), "%d", ttl_s);
	(void)snprintf(boundary, sizeof(boundary), "%lld",
	    (long long)m->boundary_ms);
	argc = 0;
	argv[argc++] = "EVAL";
	argv[argc++] = absorb_lua;
	argv[argc++] = numkeys;
	for (i = 0; i < 4; i++)
		argv[argc++] = k->tmp[i];
	for (i = 0; i < n; i++) {
		(void)snprintf(seen[i], sizeof(seen[i]), "%s%s", k->seen,
		    docs[i].id);
		argv[argc++] = seen[i];
	}
	argv[argc++] = m->token;
	argv[argc++] = ttl;
	argv[argc++] = boundary;
	for (i = 0; i < n; i++) {
		argv[argc++] = docs[i].band;
		argv[argc++] = docs[i].album;
		argv[argc++] = docs[i].source;
	}
	for (i = 0; i < argc; i++)
		argl[i] = strlen(argv[i]);
	r = redisCommandArgv(c, (int)argc, argv, argl);
	if (r == NULL) {
		(void)snprintf(err, errlen, "redis: absorb: %s", c->errstr);
		goto out;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != n) {
		(void)snprintf(err, errlen, "redis: absorb: %s",
		    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		freeReplyObject(r);
		goto out;
	}
	for (i = 0; i < n; i++)
		res[i] = (int)r->element[i]->integer;
	freeReplyObject(r);
	rv = 0;
out:
	free(argv);
	free(argl);
	free(seen);
	return (rv);
}

int
rebuild_series(redisContext *c, const struct rebuild_keys *k, int64_t from,
    const long long (*counts)[3], size_t n, char *err, size_t errlen)
{
	redisReply	*r;
	size_t		 i, got;
	int		 rv;

	for (i = 0; i < n; i++)
		(void)redisAppendCommand(c, "XADD %s %lld-0 total %lld rest "
		    "%lld grpc %lld", k->tmp_series,
		    (long long)(from + (int64_t)i) * 1000, counts[i][0],
		    counts[i][1], counts[i][2]);
	rv = 0;
	for (got = 0; got < n; got++) {
		if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
			(void)snprintf(err, errlen, "redis: XADD: %s",
			    c->errstr);
			return (-1);
		}
		if (r->type == REDIS_REPLY_ERROR && rv == 0) {
			(void)snprintf(err, errlen, "redis: XADD: %s", r->str);
			rv = -1;
		}
		freeReplyObject(r);
	}
	return (rv);
}

int
rebuild_swap(redisContext *c, const struct rebuild_keys *k,
    const struct rebuild_mark *m, int maxlen, int series, long long *total,
    char *err, size_t errlen)
{
	redisReply	*r;

	r = redisCommand(c, "EVAL %s 15 %s %s %s %s %s %s %s %s %s %s %s %s "
	    "%s %s %s%lld %lld %lld %lld %lld %d %s", swap_lua,
	    k->live[0], k->live[1], k->live[2], k->live[3],
	    k->tmp[0], k->tmp[1], k->tmp[2], k->tmp[3],
	    k->snap[0], k->snap[1], k->snap[2], k->snap[3],
	    k->series, k->tmp_series, k->sec, (long long)m->s0,
	    (long long)m->s0, m->bucket[0], m->bucket[1], m->bucket[2],
	    maxlen, series ? "1" : "0");
	if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
		(void)snprintf(err, errlen, "redis: swap: %s",
		    r == NULL ? c->errstr : r->type == REDIS_REPLY_ERROR ?
		    r->str : "unexpected reply");
		if (r != NULL)
			freeReplyObject(r);
		return (-1);
	}
	*total = r->integer;
	freeReplyObject(r);
	return (0);
}

int
rebuild_lock(redisContext *c, const struct rebuild_keys *k, int ttl_s,
    char *err, size_t errlen)
{
	redisReply	*r;
	int		 rv;

	r = redisCommand(c, "SET %s %d NX EX %d", k->lock, (int)getpid(),
	    ttl_s);
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		(void)snprintf(err, errlen, "redis: SET lock: %s",
		    r == NULL ? c->errstr : r->str);
		rv = -1;
	} else
		rv = r->type == REDIS_REPLY_STATUS ? 0 : 1;
	if (r != NULL)
		freeReplyObject(r);
	return (rv);
}

void
rebuild_unlock(redisContext *c, const struct rebuild_keys *k)
{
	redisReply	*r;

	if ((r = redisCommand(c, "DEL %s", k->lock)) != NULL)
		freeReplyObject(r);
}

void
rebuild_discard(redisContext *c, const struct rebuild_keys *k)
{
	redisReply	*r;

	r = redisCommand(c, "DEL %s %s %s %s %s %s %s %s %s", k->tmp[0],
	    k->tmp[1], k->tmp[2], k->tmp[3], k->snap[0], k->snap[1],
	    k->snap[2], k->snap[3], k->tmp_series);
	if (r != NULL)
		freeReplyObject(r);
}
