/* SPDX-License-Identifier: ISC */
/*
 * The log window's writer (log_window.h): one EVALSHA of
 * log_window_add.lua per chunk of up to LW_CHUNK logs, the chunks
 * pipelined, on a hiredis connection of its own,
 * with connect and I/O timeouts, and the scripts loaded again when Redis
 * answers NOSCRIPT (restart, SCRIPT FLUSH, FLUSHALL does not drop them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "log_window.h"
#include "log_window_int.h"

#define LW_CONNECT_TIMEOUT_MS	1000
#define LW_IO_TIMEOUT_MS	3000
#define LW_NUM_MAX		24
/* EVALSHA sha numkeys, 2 keys, 2 arguments; then 5 per log. */
#define LW_ARGC(n)		(7 + 5 * (n))

/* One log_window_add.lua call's arguments, filled per chunk. */
struct lw_scratch {
	const struct vote	**sorted;	/* a batch, by id */
	size_t			  sorted_cap;
	struct log_entry	 ents[LW_CHUNK];	/* log_window_add's */
	const char		*argv[LW_ARGC(LW_CHUNK)];
	size_t			 argvlen[LW_ARGC(LW_CHUNK)];
	char			 kbands[LW_KEY_MAX];
	char			 kcut[LW_KEY_MAX];
	char			 ksrc[LW_CHUNK][LW_KEY_MAX];
	char			 kband[LW_CHUNK][LW_KEY_MAX];
	char			 member[LW_CHUNK][LOG_WINDOW_MEMBER_MAX];
	char			 numkeys[LW_NUM_MAX];
	char			 keep[LW_NUM_MAX];
	char			 bands_max[LW_NUM_MAX];
};

extern const char	log_window_add_lua[];
extern const char	log_window_lock_lua[];

static int	lw_load(struct log_window *, const char *, char *, char *,
		    size_t);
static int	lw_replies(struct log_window *, size_t, int *, char *,
		    size_t);
static int	lw_scratch(struct log_window *, char *, size_t);
static int	lw_append_chunk(struct log_window *, const struct log_entry *,
		    size_t, char *, size_t);
static void	lw_entry_of(const struct vote *, struct log_entry *);
static int	lw_sort(struct log_window *, const struct vote *const *,
		    size_t, char *, size_t);
static int	lw_by_id(const void *, const void *);

struct log_window *
log_window_new(const struct marimba_config *cfg)
{
	struct log_window	*lw;

	if ((lw = calloc(1, sizeof(*lw))) == NULL)
		return (NULL);
	(void)snprintf(lw->host, sizeof(lw->host), "%s", cfg->redis_host);
	lw->port = cfg->redis_port;
	(void)snprintf(lw->prefix, sizeof(lw->prefix), "%s",
	    cfg->redis_prefix);
	lw->keep = cfg->log_window;
	lw->bands_max = cfg->log_window_bands;
	return (lw);
}

void
log_window_free(struct log_window *lw)
{
	if (lw == NULL)
		return;
	lw_drop(lw);
	if (lw->scratch != NULL)
		free(lw->scratch->sorted);
	free(lw->scratch);
	free(lw);
}

int
log_window_enabled(const struct log_window *lw)
{
	return (lw != NULL && lw->keep > 0);
}

/*
 * The batch is listed in id order: the script then finds each new log
 * newer than its windows' newest member and skips the lookup by id.
 */
int
log_window_add(struct log_window *lw, const struct vote *const *votes,
    size_t n, char *err, size_t errlen)
{
	struct log_entry	*ents;
	size_t			 i, k, done, calls;
	int			 attempt, noscript;

	if (!log_window_enabled(lw) || n == 0)
		return (0);
	if (lw_scratch(lw, err, errlen) == -1 ||
	    lw_sort(lw, votes, n, err, errlen) == -1)
		return (-1);
	votes = lw->scratch->sorted;
	ents = lw->scratch->ents;
	for (attempt = 0; attempt < 2; attempt++) {
		if (lw_connect(lw, err, errlen) == -1)
			return (-1);
		calls = 0;
		for (done = 0; done < n; done += k) {
			k = n - done < LW_CHUNK ? n - done : LW_CHUNK;
			for (i = 0; i < k; i++)
				lw_entry_of(votes[done + i], &ents[i]);
			if (lw_append_chunk(lw, ents, k, err, errlen) == -1)
				return (-1);
			calls++;
		}
		noscript = 0;
		if (lw_replies(lw, calls, &noscript, err, errlen) == 0)
			return (0);
		if (!noscript || lw_load(lw, log_window_add_lua, lw->add_sha,
		    err, errlen) == -1)
			return (-1);
	}
	return (-1);
}

/* The batch's votes into scratch->sorted, by id. */
static int
lw_sort(struct log_window *lw, const struct vote *const *votes, size_t n,
    char *err, size_t errlen)
{
	struct lw_scratch	 *sc = lw->scratch;
	const struct vote	**p;

	if (n > sc->sorted_cap) {
		if ((p = reallocarray(sc->sorted, n, sizeof(*p))) == NULL) {
			(void)snprintf(err, errlen, "log window: out of "
			    "memory");
			return (-1);
		}
		sc->sorted = p;
		sc->sorted_cap = n;
	}
	memcpy(sc->sorted, votes, n * sizeof(*sc->sorted));
	qsort(sc->sorted, n, sizeof(*sc->sorted), lw_by_id);
	return (0);
}

static int
lw_by_id(const void *a, const void *b)
{
	const struct vote *const	*va = a, *const *vb = b;

	return (strcmp((*va)->id, (*vb)->id));
}

/* A vote as its log: the fields mongo_store.c stores. */
static void
lw_entry_of(const struct vote *v, struct log_entry *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->id, v->id, sizeof(e->id));
	memcpy(e->name, v->name, sizeof(e->name));
	memcpy(e->album, v->album, sizeof(e->album));
	e->year = (int32_t)v->year;
	e->rank = (int32_t)v->rank;
	memcpy(e->source, v->source, sizeof(e->source));
	e->accepted_ms = v->received_at_ms;
}

/*
 * Runs a command about the built marker that answers an integer; that
 * integer (>= 0), or -1 with err (the connection is dropped).
 */
static long long
lw_marker_command(struct log_window *lw, const char *verb, char *err,
    size_t errlen)
{
	redisReply	*r;
	long long	 v;

	if (lw_connect(lw, err, errlen) == -1)
		return (-1);
	r = redisCommand(lw->ctx, "%s %s:logwin:built", verb, lw->prefix);
	if (r == NULL || r->type != REDIS_REPLY_INTEGER) {
		(void)snprintf(err, errlen, "redis: %s", r == NULL ?
		    lw->ctx->errstr : r->type == REDIS_REPLY_ERROR ? r->str :
		    "unexpected reply");
		if (r != NULL)
			freeReplyObject(r);
		lw_drop(lw);
		return (-1);
	}
	v = r->integer;
	freeReplyObject(r);
	return (v);
}

int
log_window_invalidate(struct log_window *lw, char *err, size_t errlen)
{
	if (!log_window_enabled(lw))
		return (0);
	return (lw_marker_command(lw, "DEL", err, errlen) == -1 ? -1 : 0);
}

int
log_window_built(struct log_window *lw, char *err, size_t errlen)
{
	long long	v;

	if ((v = lw_marker_command(lw, "EXISTS", err, errlen)) == -1)
		return (-1);
	return (v == 1);
}

/* The arguments' buffers, made at the first add (readers need none). */
static int
lw_scratch(struct log_window *lw, char *err, size_t errlen)
{
	struct lw_scratch	*sc;

	if (lw->scratch != NULL)
		return (0);
	if ((sc = calloc(1, sizeof(*sc))) == NULL) {
		(void)snprintf(err, errlen, "log window: out of memory");
		return (-1);
	}
	(void)snprintf(sc->kbands, sizeof(sc->kbands), "%s:logwin:bands",
	    lw->prefix);
	(void)snprintf(sc->kcut, sizeof(sc->kcut), "%s:logwin:cut",
	    lw->prefix);
	(void)snprintf(sc->keep, sizeof(sc->keep), "%d", lw->keep);
	(void)snprintf(sc->bands_max, sizeof(sc->bands_max), "%d",
	    lw->bands_max);
	lw->scratch = sc;
	return (0);
}

int
lw_append(struct log_window *lw, const struct log_entry *ents, size_t n,
    size_t *calls, char *err, size_t errlen)
{
	size_t	done, k;

	if (lw_scratch(lw, err, errlen) == -1)
		return (-1);
	for (done = 0; done < n; done += k) {
		k = n - done < LW_CHUNK ? n - done : LW_CHUNK;
		if (lw_append_chunk(lw, ents + done, k, err, errlen) == -1)
			return (-1);
		(*calls)++;
	}
	return (0);
}

/* Queues one log_window_add.lua call for n <= LW_CHUNK logs. */
static int
lw_append_chunk(struct log_window *lw, const struct log_entry *ents,
    size_t n, char *err, size_t errlen)
{
	struct lw_scratch	*sc = lw->scratch;
	size_t			 i, a;

	for (i = 0; i < n; i++) {
		if (log_window_member(&ents[i], sc->member[i],
		    sizeof(sc->member[i])) == -1) {
			(void)snprintf(err, errlen, "log window: cannot "
			    "encode %s", ents[i].id);
			return (-1);
		}
		(void)snprintf(sc->ksrc[i], sizeof(sc->ksrc[i]),
		    "%s:logwin:source:%s", lw->prefix, ents[i].source);
		(void)snprintf(sc->kband[i], sizeof(sc->kband[i]),
		    "%s:logwin:band:%s", lw->prefix, ents[i].name);
	}
	(void)snprintf(sc->numkeys, sizeof(sc->numkeys), "%zu", 2 + 2 * n);
	a = 0;
	sc->argv[a++] = "EVALSHA";
	sc->argv[a++] = lw->add_sha;
	sc->argv[a++] = sc->numkeys;
	sc->argv[a++] = sc->kbands;
	sc->argv[a++] = sc->kcut;
	for (i = 0; i < n; i++) {
		sc->argv[a++] = sc->ksrc[i];
		sc->argv[a++] = sc->kband[i];
	}
	sc->argv[a++] = sc->keep;
	sc->argv[a++] = sc->bands_max;
	for (i = 0; i < n; i++) {
		sc->argv[a++] = ents[i].id;
		sc->argv[a++] = ents[i].name;
		sc->argv[a++] = sc->member[i];
	}
	for (i = 0; i < a; i++)
		sc->argvlen[i] = strlen(sc->argv[i]);
	if (redisAppendCommandArgv(lw->ctx, (int)a, sc->argv,
	    sc->argvlen) != REDIS_OK) {
		(void)snprintf(err, errlen, "redis: %s", lw->ctx->errstr);
		lw_drop(lw);
		return (-1);
	}
	return (0);
}

/* Reads n replies of lw_append's calls, even after an error. */
static int
lw_replies(struct log_window *lw, size_t n, int *noscript, char *err,
    size_t errlen)
{
	redisReply	*r;
	size_t		 got;
	int		 failed;

	failed = 0;
	for (got = 0; got < n; got++) {
		if (redisGetReply(lw->ctx, (void **)&r) != REDIS_OK ||
		    r == NULL) {
			(void)snprintf(err, errlen, "redis: %s",
			    lw->ctx->errstr);
			lw_drop(lw);
			return (-1);
		}
		if (r->type == REDIS_REPLY_ERROR && !failed) {
			failed = 1;
			(void)snprintf(err, errlen, "log window: %s", r->str);
			if (strncmp(r->str, "NOSCRIPT", 8) == 0)
				*noscript = 1;
		}
		freeReplyObject(r);
	}
	return (failed ? -1 : 0);
}

int
lw_replies_pending(struct log_window *lw, size_t n, char *err, size_t errlen)
{
	int	noscript;

	noscript = 0;
	if (lw_replies(lw, n, &noscript, err, errlen) == 0)
		return (0);
	if (noscript)
		(void)lw_load(lw, log_window_add_lua, lw->add_sha, err,
		    errlen);
	return (-1);
}

int
lw_connect(struct log_window *lw, char *err, size_t errlen)
{
	struct timeval	tv;

	if (lw->ctx != NULL && lw->ctx->err == 0)
		return (0);
	lw_drop(lw);
	tv.tv_sec = LW_CONNECT_TIMEOUT_MS / 1000;
	tv.tv_usec = (LW_CONNECT_TIMEOUT_MS % 1000) * 1000;
	if ((lw->ctx = redisConnectWithTimeout(lw->host, lw->port, tv)) ==
	    NULL) {
		(void)snprintf(err, errlen, "redis: out of memory");
		return (-1);
	}
	if (lw->ctx->err != 0) {
		(void)snprintf(err, errlen, "redis %s:%d: %s", lw->host,
		    lw->port, lw->ctx->errstr);
		lw_drop(lw);
		return (-1);
	}
	tv.tv_sec = LW_IO_TIMEOUT_MS / 1000;
	tv.tv_usec = (LW_IO_TIMEOUT_MS % 1000) * 1000;
	if (redisSetTimeout(lw->ctx, tv) != REDIS_OK) {
		(void)snprintf(err, errlen, "redis: cannot set a timeout");
		lw_drop(lw);
		return (-1);
	}
	if (lw_load(lw, log_window_add_lua, lw->add_sha, err, errlen) == -1 ||
	    lw_load(lw, log_window_lock_lua, lw->lock_sha, err, errlen) == -1)
		return (-1);
	return (0);
}

static int
lw_load(struct log_window *lw, const char *script, char *sha, char *err,
    size_t errlen)
{
	redisReply	*r;

	r = redisCommand(lw->ctx, "SCRIPT LOAD %s", script);
	if (r == NULL || r->type != REDIS_REPLY_STRING ||
	    r->len >= LW_SHA_MAX) {
		(void)snprintf(err, errlen, "redis: script load: %s",
		    r == NULL ? lw->ctx->errstr : r->type ==
		    REDIS_REPLY_ERROR ? r->str : "bad reply");
		if (r != NULL)
			freeReplyObject(r);
		lw_drop(lw);
		return (-1);
	}
	memcpy(sha, r->str, r->len);
	sha[r->len] = '\0';
	freeReplyObject(r);
	return (0);
}

void
lw_drop(struct log_window *lw)
{
	if (lw->ctx != NULL) {
		redisFree(lw->ctx);
		lw->ctx = NULL;
	}
}
