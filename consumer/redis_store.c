/* SPDX-License-Identifier: ISC */
/*
 * Implements redis_store.h with hiredis: a blocking connection with
 * connect and I/O timeouts (a slow Redis fails the batch instead of
 * hanging the consumer), scripts loaded with SCRIPT LOAD and called with
 * EVALSHA, NOSCRIPT answered by loading them again. A batch is counted
 * with one count_vote.lua call per REDIS_COUNT_CHUNK votes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "redis_auth.h"
#include "redis_store.h"
#include "vote_tally.h"

#define REDIS_CONNECT_TIMEOUT_MS	1000
#define REDIS_IO_TIMEOUT_MS		3000
#define REDIS_BUCKET_TTL_S		3600	/* per-second buckets */
#define REDIS_SEAL_AFTER_S		2	/* a second is final after */
#define REDIS_KEY_MAX			256
#define REDIS_SHA_MAX			64	/* SHA1 hex is 40 */
/*
 * Votes per count_vote.lua call: one call of 128 votes costs Redis a
 * fraction of 128 calls of one (a call's own overhead, and the tallies'
 * increments summed per field), and blocks it well under a millisecond.
 */
#define REDIS_COUNT_CHUNK		128
/* EVALSHA sha numkeys, 4 tallies, 3 arguments; then 4 per vote. */
#define REDIS_COUNT_ARGC(n)		(10 + 4 * (n))
#define REDIS_NUM_MAX			24

extern const char	count_vote_lua[];
extern const char	series_flush_lua[];

/* A script of ours: loaded with SCRIPT LOAD, called by its SHA. */
struct redis_script {
	const char	*name;
	const char	*body;
	char		 sha[REDIS_SHA_MAX];
};

struct redis_store {
	redisContext	*ctx;
	char		 host[128];
	int		 port;
	char		 password[256];
	int		 dedupe_ttl_s;
	int		 series_maxlen;
	struct redis_script	 count;
	struct redis_script	 flush;
	char		 k_total[REDIS_KEY_MAX];
	char		 k_bands[REDIS_KEY_MAX];
	char		 k_albums[REDIS_KEY_MAX];
	char		 k_sources[REDIS_KEY_MAX];
	char		 k_series[REDIS_KEY_MAX];
	char		 k_sec[REDIS_KEY_MAX];
	char		 k_seen[REDIS_KEY_MAX];
	size_t		 k_seen_len;
	/* One count_vote.lua call's arguments, filled per chunk. */
	const char	*argv[REDIS_COUNT_ARGC(REDIS_COUNT_CHUNK)];
	size_t		 argvlen[REDIS_COUNT_ARGC(REDIS_COUNT_CHUNK)];
	char		 seen[REDIS_COUNT_CHUNK][REDIS_KEY_MAX + VOTE_ID_LEN];
	char		 album[REDIS_COUNT_CHUNK][VOTE_TALLY_KEY_MAX];
	char		 numkeys[REDIS_NUM_MAX];
	char		 dedupe_ttl[REDIS_NUM_MAX];
	char		 bucket_ttl[REDIS_NUM_MAX];
};

static int	redis_connect(struct redis_store *, char *, size_t);
static void	redis_drop(struct redis_store *);
static int	redis_load(struct redis_store *, struct redis_script *,
		    char *, size_t);
static int	redis_reload(struct redis_store *, struct redis_script *,
		    char *, size_t);
static int	redis_append(struct redis_store *,
		    const struct vote *const *, size_t, char *, size_t);
static int	redis_append_chunk(struct redis_store *,
		    const struct vote *const *, size_t, char *, size_t);
static size_t	redis_chunk(size_t, size_t);
static int	redis_write(struct redis_store *, char *, size_t);
static int	redis_replies(struct redis_store *, size_t, size_t *, int *,
		    char *, size_t);
static struct timeval	redis_tv(int);

struct redis_store *
redis_store_new(const struct marimba_config *cfg)
{
	struct redis_store	*rs;
	const char		*p;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return (NULL);
	(void)snprintf(rs->host, sizeof(rs->host), "%s", cfg->redis_host);
	rs->port = cfg->redis_port;
	(void)snprintf(rs->password, sizeof(rs->password), "%s",
	    cfg->redis_password);
	rs->dedupe_ttl_s = cfg->dedupe_ttl_s;
	rs->series_maxlen = cfg->series_maxlen;
	rs->count.name = "count_vote.lua";
	rs->count.body = count_vote_lua;
	rs->flush.name = "series_flush.lua";
	rs->flush.body = series_flush_lua;
	p = cfg->redis_prefix;
	(void)snprintf(rs->k_total, REDIS_KEY_MAX, "%s:total", p);
	(void)snprintf(rs->k_bands, REDIS_KEY_MAX, "%s:bands", p);
	(void)snprintf(rs->k_albums, REDIS_KEY_MAX, "%s:albums", p);
	(void)snprintf(rs->k_sources, REDIS_KEY_MAX, "%s:sources", p);
	(void)snprintf(rs->k_series, REDIS_KEY_MAX, "%s:series", p);
	(void)snprintf(rs->k_sec, REDIS_KEY_MAX, "%s:sec:", p);
	(void)snprintf(rs->k_seen, REDIS_KEY_MAX, "%s:seen:", p);
	rs->k_seen_len = strlen(rs->k_seen);
	(void)snprintf(rs->dedupe_ttl, sizeof(rs->dedupe_ttl), "%d",
	    rs->dedupe_ttl_s);
	(void)snprintf(rs->bucket_ttl, sizeof(rs->bucket_ttl), "%d",
	    REDIS_BUCKET_TTL_S);
	return (rs);
}

void
redis_store_free(struct redis_store *rs)
{
	if (rs == NULL)
		return;
	redis_drop(rs);
	free(rs);
}

int
redis_store_count(struct redis_store *rs, const struct vote *const *votes,
    size_t n, size_t *fresh, char *err, size_t errlen)
{
	int	noscript;

	*fresh = 0;
	if (redis_store_count_send(rs, votes, n, err, errlen) == -1)
		return (-1);
	noscript = 0;
	if (redis_replies(rs, n, fresh, &noscript, err, errlen) == 0)
		return (0);
	if (!noscript || rs->ctx == NULL)
		return (-1);

	/* Redis lost its script cache (restart, SCRIPT FLUSH): once more. */
	if (redis_reload(rs, &rs->count, err, errlen) == -1 ||
	    redis_append(rs, votes, n, err, errlen) == -1 ||
	    redis_write(rs, err, errlen) == -1)
		return (-1);
	return (redis_replies(rs, n, fresh, &noscript, err, errlen));
}

int
redis_store_count_send(struct redis_store *rs,
    const struct vote *const *votes, size_t n, char *err, size_t errlen)
{
	if (redis_connect(rs, err, errlen) == -1 ||
	    redis_append(rs, votes, n, err, errlen) == -1 ||
	    redis_write(rs, err, errlen) == -1)
		return (-1);
	return (0);
}

int
redis_store_count_recv(struct redis_store *rs, size_t n, size_t *fresh,
    char *err, size_t errlen)
{
	int	noscript;

	*fresh = 0;
	if (rs->ctx == NULL) {
		(void)snprintf(err, errlen, "not connected");
		return (-1);
	}
	noscript = 0;
	if (redis_replies(rs, n, fresh, &noscript, err, errlen) == 0)
		return (0);
	/* Whatever was sent after these is discarded with the connection. */
	redis_drop(rs);
	if (noscript)
		(void)redis_reload(rs, &rs->count, err, errlen);
	return (-1);
}

int
redis_store_flush_series(struct redis_store *rs, long long *added,
    char *err, size_t errlen)
{
	redisReply	*r;
	int		 attempt;

	*added = 0;
	for (attempt = 0; attempt < 2; attempt++) {
		if (redis_connect(rs, err, errlen) == -1)
			return (-1);
		r = redisCommand(rs->ctx, "EVALSHA %s 1 %s %s %d %d %d",
		    rs->flush.sha, rs->k_series, rs->k_sec, rs->series_maxlen,
		    REDIS_SEAL_AFTER_S, REDIS_BUCKET_TTL_S);
		if (r == NULL) {
			(void)snprintf(err, errlen, "%s", rs->ctx->errstr);
			redis_drop(rs);
			return (-1);
		}
		if (r->type == REDIS_REPLY_INTEGER) {
			*added = r->integer;
			freeReplyObject(r);
			return (0);
		}
		if (r->type == REDIS_REPLY_ERROR) {
			(void)snprintf(err, errlen, "series flush: %s", r->str);
			if (strncmp(r->str, "NOSCRIPT", 8) == 0) {
				freeReplyObject(r);
				if (redis_reload(rs, &rs->flush, err,
				    errlen) == -1)
					return (-1);
				continue;
			}
		} else
			(void)snprintf(err, errlen,
			    "series flush: unexpected reply type %d", r->type);
		freeReplyObject(r);
		return (-1);
	}
	return (-1);
}

/* Votes in chunk c of a batch of n. */
static size_t
redis_chunk(size_t n, size_t c)
{
	size_t	left;

	left = n - c * REDIS_COUNT_CHUNK;
	return (left < REDIS_COUNT_CHUNK ? left : REDIS_COUNT_CHUNK);
}

/* Queues one EVALSHA count_vote per chunk of votes in the output buffer. */
static int
redis_append(struct redis_store *rs, const struct vote *const *votes,
    size_t n, char *err, size_t errlen)
{
	size_t	c;

	for (c = 0; c * REDIS_COUNT_CHUNK < n; c++)
		if (redis_append_chunk(rs, votes + c * REDIS_COUNT_CHUNK,
		    redis_chunk(n, c), err, errlen) == -1)
			return (-1);
	return (0);
}

static int
redis_append_chunk(struct redis_store *rs, const struct vote *const *votes,
    size_t n, char *err, size_t errlen)
{
	const struct vote	*v;
	size_t			 i, a, idlen;

	a = 0;
	(void)snprintf(rs->numkeys, sizeof(rs->numkeys), "%zu", 4 + n);
	rs->argv[a++] = "EVALSHA";
	rs->argv[a++] = rs->count.sha;
	rs->argv[a++] = rs->numkeys;
	rs->argv[a++] = rs->k_total;
	rs->argv[a++] = rs->k_bands;
	rs->argv[a++] = rs->k_albums;
	rs->argv[a++] = rs->k_sources;
	for (i = 0; i < a; i++)
		rs->argvlen[i] = strlen(rs->argv[i]);
	/* <prefix>:seen:<id>, by length: this runs for every vote. */
	for (i = 0; i < n; i++) {
		idlen = strnlen(votes[i]->id, sizeof(votes[i]->id));
		if (idlen == sizeof(votes[i]->id)) {
			(void)snprintf(err, errlen, "vote id not terminated");
			return (-1);
		}
		memcpy(rs->seen[i], rs->k_seen, rs->k_seen_len);
		memcpy(rs->seen[i] + rs->k_seen_len, votes[i]->id, idlen + 1);
		rs->argvlen[a] = rs->k_seen_len + idlen;
		rs->argv[a++] = rs->seen[i];
	}
	rs->argvlen[a] = strlen(rs->dedupe_ttl);
	rs->argv[a++] = rs->dedupe_ttl;
	rs->argvlen[a] = strlen(rs->k_sec);
	rs->argv[a++] = rs->k_sec;
	rs->argvlen[a] = strlen(rs->bucket_ttl);
	rs->argv[a++] = rs->bucket_ttl;
	for (i = 0; i < n; i++) {
		v = votes[i];
		if (vote_tally_key(rs->album[i], sizeof(rs->album[i]), v->name,
		    v->album) == -1) {
			(void)snprintf(err, errlen, "album key too long");
			return (-1);
		}
		rs->argvlen[a] = strlen(v->name);
		rs->argv[a++] = v->name;
		rs->argvlen[a] = strlen(rs->album[i]);
		rs->argv[a++] = rs->album[i];
		rs->argvlen[a] = strlen(v->source);
		rs->argv[a++] = v->source;
	}
	if (redisAppendCommandArgv(rs->ctx, (int)a, rs->argv, rs->argvlen) !=
	    REDIS_OK) {
		(void)snprintf(err, errlen, "append: %s", rs->ctx->errstr);
		redis_drop(rs);
		return (-1);
	}
	return (0);
}

/* Writes the output buffer out. */
static int
redis_write(struct redis_store *rs, char *err, size_t errlen)
{
	int	done;

	done = 0;
	while (!done) {
		if (redisBufferWrite(rs->ctx, &done) != REDIS_OK) {
			(void)snprintf(err, errlen, "write: %s",
			    rs->ctx->errstr);
			redis_drop(rs);
			return (-1);
		}
	}
	return (0);
}

/*
 * Reads the replies of a batch of n votes (one per chunk), even after an
 * error, to keep the pipeline in step. Each is one character per vote of
 * its chunk, "1" for the votes counted now.
 */
static int
redis_replies(struct redis_store *rs, size_t n, size_t *fresh, int *noscript,
    char *err, size_t errlen)
{
	redisReply	*r;
	size_t		 c, i;
	int		 failed;

	failed = 0;
	for (c = 0; c * REDIS_COUNT_CHUNK < n; c++) {
		if (redisGetReply(rs->ctx, (void **)&r) != REDIS_OK ||
		    r == NULL) {
			(void)snprintf(err, errlen, "%s", rs->ctx->errstr);
			redis_drop(rs);
			return (-1);
		}
		if (r->type == REDIS_REPLY_STRING &&
		    r->len == redis_chunk(n, c)) {
			for (i = 0; i < r->len; i++)
				if (r->str[i] == '1')
					(*fresh)++;
		} else if (!failed) {
			failed = 1;
			if (r->type == REDIS_REPLY_ERROR) {
				(void)snprintf(err, errlen, "%s", r->str);
				if (strncmp(r->str, "NOSCRIPT", 8) == 0)
					*noscript = 1;
			} else
				(void)snprintf(err, errlen,
				    "unexpected reply type %d (length %zu) "
				    "to a chunk of %zu votes", r->type,
				    r->type == REDIS_REPLY_STRING ? r->len : 0,
				    redis_chunk(n, c));
		}
		freeReplyObject(r);
	}
	return (failed ? -1 : 0);
}

static int
redis_connect(struct redis_store *rs, char *err, size_t errlen)
{
	if (rs->ctx != NULL && rs->ctx->err == 0)
		return (0);
	redis_drop(rs);

	rs->ctx = redisConnectWithTimeout(rs->host, rs->port,
	    redis_tv(REDIS_CONNECT_TIMEOUT_MS));
	if (rs->ctx == NULL) {
		(void)snprintf(err, errlen, "cannot allocate a redis context");
		return (-1);
	}
	if (rs->ctx->err != 0) {
		(void)snprintf(err, errlen, "connect %s:%d: %s", rs->host,
		    rs->port, rs->ctx->errstr);
		redis_drop(rs);
		return (-1);
	}
	if (redisSetTimeout(rs->ctx, redis_tv(REDIS_IO_TIMEOUT_MS)) !=
	    REDIS_OK) {
		(void)snprintf(err, errlen, "set timeout: %s",
		    rs->ctx->errstr);
		redis_drop(rs);
		return (-1);
	}
	if (marimba_redis_auth(rs->ctx, rs->password, err, errlen) == -1) {
		redis_drop(rs);
		return (-1);
	}
	if (redis_load(rs, &rs->count, err, errlen) == -1 ||
	    redis_load(rs, &rs->flush, err, errlen) == -1)
		return (-1);
	return (0);
}

static int
redis_load(struct redis_store *rs, struct redis_script *script, char *err,
    size_t errlen)
{
	redisReply	*r;

	r = redisCommand(rs->ctx, "SCRIPT LOAD %s", script->body);
	if (r == NULL) {
		(void)snprintf(err, errlen, "script load: %s",
		    rs->ctx->errstr);
		redis_drop(rs);
		return (-1);
	}
	if (r->type != REDIS_REPLY_STRING || r->len == 0 ||
	    r->len >= sizeof(script->sha)) {
		(void)snprintf(err, errlen, "script load %s: %s", script->name,
		    r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
		freeReplyObject(r);
		redis_drop(rs);
		return (-1);
	}
	memcpy(script->sha, r->str, r->len);
	script->sha[r->len] = '\0';
	freeReplyObject(r);
	return (0);
}

/*
 * After NOSCRIPT: Redis lost its script cache (restart, SCRIPT FLUSH).
 * On a dropped connection, connecting loads every script again.
 */
static int
redis_reload(struct redis_store *rs, struct redis_script *script, char *err,
    size_t errlen)
{
	log_info("redis: NOSCRIPT (script cache flushed): loading %s again",
	    script->name);
	if (rs->ctx == NULL)
		return (redis_connect(rs, err, errlen));
	return (redis_load(rs, script, err, errlen));
}

static void
redis_drop(struct redis_store *rs)
{
	if (rs->ctx != NULL) {
		redisFree(rs->ctx);
		rs->ctx = NULL;
	}
}

static struct timeval
redis_tv(int ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return (tv);
}
