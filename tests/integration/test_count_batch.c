/* SPDX-License-Identifier: ISC */
/*
 * The batched store scripts against a private Redis: count_vote.lua
 * through the redis sink's store (consumer/redis_store.c) and
 * log_window_add.lua through lib/log_window, with batches larger than a
 * script call's chunk (128) that hold duplicates next to each other,
 * across chunks and of votes counted before. Each vote counts exactly
 * once: the fresh counts, total, every band, album and source, the
 * per-second buckets and the series stream, the dedupe keys, and the log
 * window's members (once each; with a small window, exactly the newest
 * ones and the right cut mark). Also two batches sent before the first's
 * replies are read, as the sink pipelines them, and eight
 * (MARIMBA_REDIS_INFLIGHT's most), overlapping, with NOSCRIPT in the
 * middle of the pipeline: the batches after it are lost with the
 * connection and counted by the retry, oldest first, each vote once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "clock.h"
#include "config.h"
#include "log_window.h"
#include "redis_store.h"
#include "test_private_redis.h"
#include "vote_id.h"
#include "vote_tally.h"

#define CB_VOTES	400	/* distinct votes made */
#define CB_BATCH	1000	/* most entries in one test batch */
#define CB_NBANDS	5
#define CB_DEPTH	8	/* MARIMBA_REDIS_INFLIGHT's top */
#define CB_DEEP_MAX	50	/* votes in a batch of the deep pipeline */

static const char	*cb_bands[CB_NBANDS] = {
	"Alux Nahual", "Bohemia Suburbana", "Café Tacvba", "Los Jaguares",
	"<script>alert(1)</script>"
};

struct cb_test {
	struct marimba_config	 cfg;
	struct private_redis	 pr;
	redisContext		*redis;
	struct vote		 votes[CB_VOTES];
	struct vote		 alt[3];	/* ids of 280, 299, 240; */
						/* another album */
	int			 counted[CB_VOTES];	/* expected state */
	const struct vote	*batch[CB_BATCH];
	size_t			 n;
};

static struct cb_test	T;

/* Starts a batch. */
static void
cb_begin(void)
{
	T.n = 0;
}

/* Appends vote i to the batch. */
static void
cb_put(size_t i)
{
	assert_true(i < CB_VOTES && T.n < CB_BATCH);
	T.batch[T.n++] = &T.votes[i];
}

/*
 * Appends the copies of votes 280, 299 and 240 with the same ids but
 * another album: a vote is its id, whatever else comes with it again.
 */
static void
cb_put_alt(void)
{
	size_t	i;

	assert_true(T.n + 3 <= CB_BATCH);
	for (i = 0; i < 3; i++)
		T.batch[T.n++] = &T.alt[i];
}

static long long
cb_int(const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;
	long long	 v;

	va_start(ap, fmt);
	r = redisvCommand(T.redis, fmt, ap);
	va_end(ap);
	assert_non_null(r);
	v = -1;
	if (r->type == REDIS_REPLY_INTEGER)
		v = r->integer;
	else if (r->type == REDIS_REPLY_STRING)
		v = strtoll(r->str, NULL, 10);
	else if (r->type == REDIS_REPLY_NIL)
		v = 0;
	else
		fail_msg("unexpected reply type %d", r->type);
	freeReplyObject(r);
	return (v);
}

/* The keys matching prefix:pattern, counted with SCAN. */
static long long
cb_keys(const char *pattern)
{
	redisReply	*r;
	char		 cursor[32] = "0";
	long long	 n;

	n = 0;
	do {
		r = redisCommand(T.redis, "SCAN %s MATCH %s:%s COUNT 1000",
		    cursor, T.cfg.redis_prefix, pattern);
		assert_non_null(r);
		assert_int_equal(r->type, REDIS_REPLY_ARRAY);
		(void)snprintf(cursor, sizeof(cursor), "%s",
		    r->element[0]->str);
		n += (long long)r->element[1]->elements;
		freeReplyObject(r);
	} while (strcmp(cursor, "0") != 0);
	return (n);
}

/*
 * The tallies equal those of the votes marked counted, exactly: total,
 * every band, album and source, the per-second buckets (before any
 * flush) and the dedupe keys.
 */
static void
cb_check_tallies(void)
{
	char		album[VOTE_TALLY_KEY_MAX];
	long long	want, rest, grpc, got;
	size_t		i, j;

	want = rest = grpc = 0;
	for (i = 0; i < CB_VOTES; i++) {
		want += T.counted[i];
		if (T.counted[i] && strcmp(T.votes[i].source, "rest") == 0)
			rest++;
		else if (T.counted[i])
			grpc++;
	}
	assert_int_equal(cb_int("GET %s:total", T.cfg.redis_prefix), want);
	assert_int_equal(cb_int("HGET %s:sources rest", T.cfg.redis_prefix),
	    rest);
	assert_int_equal(cb_int("HGET %s:sources grpc", T.cfg.redis_prefix),
	    grpc);
	for (j = 0; j < CB_NBANDS; j++) {
		want = 0;
		for (i = 0; i < CB_VOTES; i++)
			if (T.counted[i] &&
			    strcmp(T.votes[i].name, cb_bands[j]) == 0)
				want++;
		assert_int_equal(cb_int("HGET %s:bands %s",
		    T.cfg.redis_prefix, cb_bands[j]), want);
	}
	for (i = 0; i < CB_VOTES; i++) {
		assert_int_equal(vote_tally_key(album, sizeof(album),
		    T.votes[i].name, T.votes[i].album), 0);
		want = 0;
		for (j = 0; j < CB_VOTES; j++)
			if (T.counted[j] &&
			    strcmp(T.votes[j].name, T.votes[i].name) == 0 &&
			    strcmp(T.votes[j].album, T.votes[i].album) == 0)
				want++;
		got = cb_int("HGET %s:albums %s", T.cfg.redis_prefix, album);
		assert_int_equal(got, want);
		assert_int_equal(cb_int("EXISTS %s:seen:%s",
		    T.cfg.redis_prefix, T.votes[i].id), T.counted[i]);
	}
	assert_int_equal(cb_keys("seen:*"), rest + grpc);
}

/* Counts the batch synchronously; its fresh count must be want. */
static void
cb_count(struct redis_store *rs, size_t want)
{
	char	err[256];
	size_t	fresh;

	if (redis_store_count(rs, T.batch, T.n, &fresh, err,
	    sizeof(err)) != 0)
		fail_msg("redis_store_count: %s", err);
	assert_int_equal(fresh, want);
}

/* Marks votes first..first+n-1 counted. */
static void
cb_mark(size_t first, size_t n)
{
	size_t	i;

	for (i = first; i < first + n; i++)
		T.counted[i] = 1;
}

/*
 * Votes 0..299 once each in a scrambled order (stride 7), every tenth
 * again right after itself (the same chunk), then every other one of
 * the first 60 taken again (other chunks): 360 entries, 3 chunks.
 */
static void
cb_batch_with_duplicates(void)
{
	size_t	k;

	cb_begin();
	for (k = 0; k < 300; k++) {
		cb_put(k * 7 % 300);
		if (k % 10 == 0)
			cb_put(k * 7 % 300);
	}
	for (k = 0; k < 60; k += 2)
		cb_put(k * 7 % 300);
	assert_int_equal(T.n, 360);
}

static void
test_count(void **state)
{
	struct redis_store	*rs;
	redisReply		*r;
	char			 err[256];
	size_t			 fresh, k, i, na;
	long long		 added, total, rest, grpc;

	(void)state;
	assert_non_null(rs = redis_store_new(&T.cfg));

	/* One batch with duplicates inside it: each vote once. */
	cb_batch_with_duplicates();
	cb_count(rs, 300);
	cb_mark(0, 300);
	cb_check_tallies();

	/* The same batch again, and two ids with another album: nothing. */
	cb_put_alt();
	cb_count(rs, 0);
	cb_check_tallies();
	assert_int_equal(cb_int("HLEN %s:albums", T.cfg.redis_prefix),
	    CB_NBANDS * 3);

	/*
	 * Pipelined as the sink does: batch A (the old votes 0..149 around
	 * 50 new ones, each new one twice) and batch B (the new ones of A,
	 * 50 more new ones, a chunk's worth of old ones) are both written
	 * out before A's replies are read.
	 */
	cb_begin();
	for (k = 0; k < 150; k++) {
		cb_put(k);
		if (k < 50) {
			cb_put(300 + k);
			cb_put(300 + k);
		}
	}
	na = T.n;
	if (redis_store_count_send(rs, T.batch, na, err, sizeof(err)) != 0)
		fail_msg("send A: %s", err);
	cb_begin();
	for (k = 0; k < 50; k++)
		cb_put(300 + k);
	for (k = 0; k < 50; k++)
		cb_put(350 + k);
	for (k = 0; k < 140; k++)
		cb_put(299 - k);
	if (redis_store_count_send(rs, T.batch, T.n, err, sizeof(err)) != 0)
		fail_msg("send B: %s", err);
	if (redis_store_count_recv(rs, na, &fresh, err, sizeof(err)) != 0)
		fail_msg("recv A: %s", err);
	assert_int_equal(fresh, 50);
	if (redis_store_count_recv(rs, T.n, &fresh, err, sizeof(err)) != 0)
		fail_msg("recv B: %s", err);
	assert_int_equal(fresh, 50);
	cb_mark(300, 100);
	cb_check_tallies();

	/* Redis lost the script (SCRIPT FLUSH): reloaded, still exact. */
	freeReplyObject(redisCommand(T.redis, "SCRIPT FLUSH"));
	cb_batch_with_duplicates();
	cb_count(rs, 0);
	cb_check_tallies();

	/* Every bucket sealed: the series sums to the tallies. */
	(void)sleep(3);
	if (redis_store_flush_series(rs, &added, err, sizeof(err)) != 0)
		fail_msg("series flush: %s", err);
	assert_true(added > 0);
	assert_int_equal(cb_keys("sec:*"), 0);
	r = redisCommand(T.redis, "XRANGE %s:series - +", T.cfg.redis_prefix);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	total = rest = grpc = 0;
	for (i = 0; i < r->elements; i++) {
		/* [id, [total, t, rest, r, grpc, g]] */
		assert_int_equal(r->element[i]->element[1]->elements, 6);
		total += strtoll(r->element[i]->element[1]->element[1]->str,
		    NULL, 10);
		rest += strtoll(r->element[i]->element[1]->element[3]->str,
		    NULL, 10);
		grpc += strtoll(r->element[i]->element[1]->element[5]->str,
		    NULL, 10);
	}
	freeReplyObject(r);
	assert_int_equal(total, 400);
	assert_int_equal(rest, cb_int("HGET %s:sources rest",
	    T.cfg.redis_prefix));
	assert_int_equal(grpc, cb_int("HGET %s:sources grpc",
	    T.cfg.redis_prefix));
	redis_store_free(rs);
}

/* Batch b of a deep pipeline: n votes from first on. */
static void
cb_deep_batch(const struct vote **batch, size_t *n, size_t first,
    size_t count)
{
	size_t	k;

	assert_true(count <= CB_DEEP_MAX && first + count <= CB_VOTES);
	for (k = 0; k < count; k++)
		batch[k] = &T.votes[first + k];
	*n = count;
}

/* Waits until vote i's dedupe key exists: Redis ran what came before. */
static void
cb_wait_seen(size_t i)
{
	int	tries;

	for (tries = 0; tries < 500; tries++) {
		if (cb_int("EXISTS %s:seen:%s", T.cfg.redis_prefix,
		    T.votes[i].id) == 1)
			return;
		(void)usleep(10000);
	}
	fail_msg("vote %zu never counted", i);
}

/*
 * The redis sink with MARIMBA_REDIS_INFLIGHT=8: eight batches written
 * out before the first one's replies are read, each overlapping the one
 * before by half (a vote counted by the batch just before, still in
 * flight). Then eight more, the first four run by Redis before its
 * script cache is flushed: the fifth gets NOSCRIPT, the connection goes
 * with the three after it (their replies can't be read), and flush.c's
 * retry counts those four again synchronously, oldest first: each vote
 * exactly once, fresh counts included.
 */
static void
test_count_deep(void **state)
{
	struct redis_store	*rs;
	const struct vote	*batch[CB_DEPTH][CB_DEEP_MAX];
	char			 err[256];
	size_t			 n[CB_DEPTH], fresh, b;

	(void)state;
	memset(T.counted, 0, sizeof(T.counted));
	freeReplyObject(redisCommand(T.redis, "FLUSHALL"));
	assert_non_null(rs = redis_store_new(&T.cfg));

	/* Batch b: votes 25b .. 25b + 49; 0 .. 224 in all. */
	for (b = 0; b < CB_DEPTH; b++) {
		cb_deep_batch(batch[b], &n[b], 25 * b, 50);
		if (redis_store_count_send(rs, batch[b], n[b], err,
		    sizeof(err)) != 0)
			fail_msg("send %zu: %s", b, err);
	}
	for (b = 0; b < CB_DEPTH; b++) {
		if (redis_store_count_recv(rs, n[b], &fresh, err,
		    sizeof(err)) != 0)
			fail_msg("recv %zu: %s", b, err);
		assert_int_equal(fresh, b == 0 ? 50 : 25);
	}
	cb_mark(0, 225);
	cb_check_tallies();

	/* Batch b: votes 210 + 20b .. 210 + 20b + 34; 210 .. 384. */
	for (b = 0; b < CB_DEPTH; b++) {
		cb_deep_batch(batch[b], &n[b], 210 + 20 * b, 35);
		if (b == 4) {
			/* Redis ran batches 0..3, then forgets the script. */
			cb_wait_seen(210 + 20 * 3 + 34);
			freeReplyObject(redisCommand(T.redis,
			    "SCRIPT FLUSH"));
		}
		if (redis_store_count_send(rs, batch[b], n[b], err,
		    sizeof(err)) != 0)
			fail_msg("send %zu: %s", b, err);
	}
	for (b = 0; b < 4; b++) {
		if (redis_store_count_recv(rs, n[b], &fresh, err,
		    sizeof(err)) != 0)
			fail_msg("recv %zu: %s", b, err);
		assert_int_equal(fresh, 20);
	}
	assert_int_equal(redis_store_count_recv(rs, n[4], &fresh, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "NOSCRIPT"));
	/* Batches 5..7 went with the connection: all four again. */
	for (b = 4; b < CB_DEPTH; b++) {
		if (redis_store_count(rs, batch[b], n[b], &fresh, err,
		    sizeof(err)) != 0)
			fail_msg("retry %zu: %s", b, err);
		assert_int_equal(fresh, 20);
	}
	cb_mark(225, 160);
	cb_check_tallies();
	redis_store_free(rs);
}

/* The members' ids of window what, in order, into ids; how many. */
static size_t
cb_window(const char *what, char (*ids)[VOTE_ID_LEN + 1], size_t max)
{
	redisReply	*r;
	size_t		 i, n;

	r = redisCommand(T.redis, "ZRANGE %s:logwin:%s 0 -1",
	    T.cfg.redis_prefix, what);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	n = r->elements;
	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		assert_true(r->element[i]->len > VOTE_ID_LEN);
		assert_int_equal(r->element[i]->str[VOTE_ID_LEN], '\t');
		memcpy(ids[i], r->element[i]->str, VOTE_ID_LEN);
		ids[i][VOTE_ID_LEN] = '\0';
	}
	freeReplyObject(r);
	return (n);
}

/*
 * Window what (source:<s>, band:<b>) holds exactly the newest keep
 * listed votes that match, once each, and its cut mark is the newest
 * listed one that did not fit (none: no mark).
 */
static void
cb_check_window(const char *what, const char *source, const char *band,
    size_t keep)
{
	static char	 ids[CB_VOTES][VOTE_ID_LEN + 1];
	redisReply	*r;
	size_t		 n, i, want, skip;
	long		 j;

	n = cb_window(what, ids, CB_VOTES);
	/* The votes are made oldest first: ids ascend with the index. */
	want = 0;
	for (i = 0; i < CB_VOTES; i++)
		if (T.counted[i] && (source == NULL ||
		    strcmp(T.votes[i].source, source) == 0) && (band == NULL ||
		    strcmp(T.votes[i].name, band) == 0))
			want++;
	assert_int_equal(n, want < keep ? want : keep);
	skip = want - n;
	/* Walk the matching votes from the newest down. */
	for (j = CB_VOTES - 1, i = n; j >= 0; j--) {
		if (!T.counted[j] || (source != NULL &&
		    strcmp(T.votes[j].source, source) != 0) || (band != NULL &&
		    strcmp(T.votes[j].name, band) != 0))
			continue;
		if (i > 0) {
			assert_string_equal(ids[--i], T.votes[j].id);
			continue;
		}
		/* The first one that did not fit: the cut. */
		r = redisCommand(T.redis, "HGET %s:logwin:cut %s:logwin:%s",
		    T.cfg.redis_prefix, T.cfg.redis_prefix, what);
		assert_non_null(r);
		assert_int_equal(r->type, REDIS_REPLY_STRING);
		assert_memory_equal(r->str, T.votes[j].id, VOTE_ID_LEN);
		freeReplyObject(r);
		break;
	}
	if (skip == 0)
		assert_int_equal(cb_int("HEXISTS %s:logwin:cut %s:logwin:%s",
		    T.cfg.redis_prefix, T.cfg.redis_prefix, what), 0);
}

/*
 * Every window. The bands get one in the order first listed until the
 * limit (CB_NBANDS - 1), and a batch is listed in id order: votes 0, 1,
 * 2, 3 first, so band CB_NBANDS - 1 has none.
 */
static void
cb_check_windows(size_t keep)
{
	char	what[256];
	size_t	b;

	/* No window of all logs: readers merge the two sources. */
	assert_int_equal(cb_int("EXISTS %s:logwin:all", T.cfg.redis_prefix),
	    0);
	cb_check_window("source:rest", "rest", NULL, keep);
	cb_check_window("source:grpc", "grpc", NULL, keep);
	assert_int_equal(cb_int("SCARD %s:logwin:bands", T.cfg.redis_prefix),
	    CB_NBANDS - 1);
	for (b = 0; b < CB_NBANDS; b++) {
		(void)snprintf(what, sizeof(what), "band:%s", cb_bands[b]);
		if (b != CB_NBANDS - 1) {
			cb_check_window(what, NULL, cb_bands[b], keep);
			continue;
		}
		assert_int_equal(cb_int("SISMEMBER %s:logwin:bands %s",
		    T.cfg.redis_prefix, cb_bands[b]), 0);
		assert_int_equal(cb_int("EXISTS %s:logwin:%s",
		    T.cfg.redis_prefix, what), 0);
	}
}

static void
cb_list(struct log_window *lw)
{
	char	err[256];

	if (log_window_add(lw, T.batch, T.n, err, sizeof(err)) != 0)
		fail_msg("log_window_add: %s", err);
}

/* The log window, first large enough for every vote, then small. */
static void
test_window(void **state)
{
	struct log_window	*lw;
	size_t			 k, keep;

	(void)state;
	for (keep = 1000; keep >= 40; keep = keep == 1000 ? 40 : 0) {
		memset(T.counted, 0, sizeof(T.counted));
		freeReplyObject(redisCommand(T.redis, "FLUSHALL"));
		T.cfg.log_window = (int)keep;
		assert_non_null(lw = log_window_new(&T.cfg));

		/* Duplicates inside the batch, across its chunks. */
		cb_batch_with_duplicates();
		cb_list(lw);
		cb_mark(0, 300);
		cb_check_windows(keep);

		/*
		 * The batch again, three of its ids with another album (the
		 * newest listed, one below it, and with a window of 40 one
		 * below the overall window's cut but still in its band's),
		 * then 100 new votes, a third of them twice.
		 */
		cb_put_alt();
		for (k = 0; k < 100; k++) {
			cb_put(300 + k);
			if (k % 3 == 0)
				cb_put(399 - k);
		}
		cb_list(lw);
		cb_mark(300, 100);
		cb_check_windows(keep);

		/*
		 * The copies alone (with a window of 40 all below the
		 * overall window's cut, 240 and 280 still in their band's):
		 * nothing changes.
		 */
		cb_begin();
		cb_put_alt();
		cb_list(lw);
		cb_check_windows(keep);

		/* Script cache lost: reloaded, nothing listed twice. */
		cb_batch_with_duplicates();
		freeReplyObject(redisCommand(T.redis, "SCRIPT FLUSH"));
		cb_list(lw);
		cb_check_windows(keep);
		log_window_free(lw);
	}
}

static int
setup(void **state)
{
	char		name[64];
	size_t		i;
	int64_t		t0;

	(void)state;
	(void)snprintf(name, sizeof(name), "cb_%ld_%ld", (long)getpid(),
	    (long)time(NULL));
	if (private_redis_up(&T.pr, name) == -1)
		return (-1);
	memset(&T.cfg, 0, sizeof(T.cfg));
	(void)snprintf(T.cfg.redis_host, sizeof(T.cfg.redis_host),
	    "127.0.0.1");
	T.cfg.redis_port = T.pr.port;
	(void)snprintf(T.cfg.redis_prefix, sizeof(T.cfg.redis_prefix), "%s",
	    name);
	T.cfg.dedupe_ttl_s = 3600;
	T.cfg.series_maxlen = 1000;
	T.cfg.log_window_bands = CB_NBANDS - 1;	/* one band without */
	if ((T.redis = redisConnect("127.0.0.1", T.pr.port)) == NULL ||
	    T.redis->err != 0)
		return (-1);
	/* Oldest first, one per millisecond: ids ascend with the index. */
	t0 = marimba_now_ms() - 60000;
	for (i = 0; i < CB_VOTES; i++) {
		if (vote_id_new(T.votes[i].id, t0 + (int64_t)i) == -1)
			return (-1);
		(void)snprintf(T.votes[i].name, sizeof(T.votes[i].name),
		    "%s", cb_bands[i % CB_NBANDS]);
		(void)snprintf(T.votes[i].album, sizeof(T.votes[i].album),
		    "Disco \"%zu\" \\ ñ", i % 3);
		T.votes[i].year = 1970 + (uint32_t)(i % 50);
		T.votes[i].rank = 1 + (uint32_t)(i % 9);
		(void)snprintf(T.votes[i].source, sizeof(T.votes[i].source),
		    "%s", i % 7 < 4 ? "rest" : "grpc");
		T.votes[i].received_at_ms = t0 + (int64_t)i;
	}
	T.alt[0] = T.votes[280];
	T.alt[1] = T.votes[299];
	T.alt[2] = T.votes[240];
	for (i = 0; i < 3; i++)
		(void)snprintf(T.alt[i].album, sizeof(T.alt[i].album),
		    "Otro");
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	if (T.redis != NULL)
		redisFree(T.redis);
	private_redis_down(&T.pr);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_count_deep),
		cmocka_unit_test(test_window),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
