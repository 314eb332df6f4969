/* SPDX-License-Identifier: ISC */
/*
 * lib/log_window against a private Redis (so FLUSHALL is allowed) and
 * the shared FerretDB: every page the window answers is exactly what the
 * plain MongoDB query ("_id < cursor", newest first) gives, every field
 * of every log (text with quotes, backslashes, "<script>"), cursor page
 * after cursor page, for no filter, each source and each band; the
 * window is not used before it is built nor past its end; adds in any
 * order, replays and two writers at once change nothing; a window lost
 * to FLUSHALL is not used and is rebuilt from MongoDB.
 */
#include <sys/wait.h>

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
#include <mongoc/mongoc.h>

#include "config.h"
#include "log_window.h"
#include "test_private_redis.h"
#include "vote_id.h"

#define LW_KEEP		50	/* ids per window */
#define LW_BANDS_MAX	3	/* of LW_NBANDS */
#define LW_NBANDS	5
#define LW_MAX_VOTES	1000

static const char	*lw_bands[LW_NBANDS] = {
	"Alux Nahual", "Bohemia Suburbana", "Café Tacvba", "Los Jaguares",
	"<script>alert(1)</script>"
};

struct lw_test {
	struct marimba_config	 cfg;
	struct private_redis	 pr;
	redisContext		*redis;
	mongoc_client_t		*mongo;
	mongoc_collection_t	*coll;
	struct vote		 votes[LW_MAX_VOTES];
	size_t			 nvotes;
	int64_t			 next_ms;
};

static struct lw_test	T;

/* n more votes, three per millisecond, newer than any before. */
static void
lw_new_votes(size_t n, size_t *first)
{
	struct vote	*v;
	size_t		 i;

	assert_true(T.nvotes + n <= LW_MAX_VOTES);
	*first = T.nvotes;
	for (i = 0; i < n; i++) {
		v = &T.votes[T.nvotes];
		memset(v, 0, sizeof(*v));
		v->received_at_ms = T.next_ms + (int64_t)(T.nvotes / 3);
		assert_int_equal(vote_id_new(v->id, v->received_at_ms), 0);
		(void)snprintf(v->name, sizeof(v->name), "%s",
		    lw_bands[T.nvotes % LW_NBANDS]);
		(void)snprintf(v->album, sizeof(v->album), "Disco \"%zu\" \\ "
		    "ñ", T.nvotes % 4);
		v->year = 1950 + (uint32_t)(T.nvotes % 70);
		v->rank = 1 + (uint32_t)(T.nvotes % 9);
		(void)snprintf(v->source, sizeof(v->source), "%s",
		    T.nvotes % 7 < 4 ? "rest" : "grpc");
		T.nvotes++;
	}
}

static void
lw_insert(size_t first, size_t n)
{
	const struct vote	 *v;
	bson_t			**docs;
	bson_error_t		  err;
	size_t			  i;

	assert_non_null(docs = calloc(n, sizeof(*docs)));
	for (i = 0; i < n; i++) {
		v = &T.votes[first + i];
		docs[i] = BCON_NEW("_id", BCON_UTF8(v->id),
		    "name", BCON_UTF8(v->name), "album", BCON_UTF8(v->album),
		    "year", BCON_INT32((int32_t)v->year),
		    "rank", BCON_INT32((int32_t)v->rank),
		    "source", BCON_UTF8(v->source),
		    "accepted_at", BCON_DATE_TIME(v->received_at_ms),
		    "consumed_at", BCON_DATE_TIME(v->received_at_ms + 3));
	}
	if (!mongoc_collection_insert_many(T.coll,
	    (const bson_t **)(void *)docs, n, NULL, NULL, &err))
		fail_msg("insert_many: %s", err.message);
	for (i = 0; i < n; i++)
		bson_destroy(docs[i]);
	free(docs);
}

/* Lists votes first..first+n-1 in a scrambled order, as out of order
 * partitions would. */
static void
lw_add(struct log_window *lw, size_t first, size_t n, size_t stride)
{
	const struct vote	**vs;
	char			  err[256];
	size_t			  i, k;

	assert_non_null(vs = calloc(n, sizeof(*vs)));
	for (i = 0, k = 0; i < n; i++, k = (k + stride) % n)
		vs[i] = &T.votes[first + k];
	if (log_window_add(lw, vs, n, err, sizeof(err)) != 0)
		fail_msg("log_window_add: %s", err);
	free(vs);
}

/* The plain MongoDB query of the log viewer: logs into out, how many. */
static size_t
lw_mongo_page(const struct logs_query *q, struct log_entry *out)
{
	mongoc_cursor_t	*cur;
	const bson_t	*doc;
	bson_t		 filter, lt, *opts;
	bson_iter_t	 it;
	bson_error_t	 err;
	size_t		 n;

	bson_init(&filter);
	if (q->band[0] != '\0')
		BSON_APPEND_UTF8(&filter, "name", q->band);
	if (q->source[0] != '\0')
		BSON_APPEND_UTF8(&filter, "source", q->source);
	if (q->before[0] != '\0') {
		BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &lt);
		BSON_APPEND_UTF8(&lt, "$lt", q->before);
		bson_append_document_end(&filter, &lt);
	}
	opts = BCON_NEW("sort", "{", "_id", BCON_INT32(-1), "}",
	    "limit", BCON_INT64(q->limit + 1));
	cur = mongoc_collection_find_with_opts(T.coll, &filter, opts, NULL);
	n = 0;
	while (mongoc_cursor_next(cur, &doc)) {
		memset(&out[n], 0, sizeof(out[n]));
		assert_true(bson_iter_init_find(&it, doc, "_id"));
		(void)snprintf(out[n].id, sizeof(out[n].id), "%s",
		    bson_iter_utf8(&it, NULL));
		assert_true(bson_iter_init_find(&it, doc, "name"));
		(void)snprintf(out[n].name, sizeof(out[n].name), "%s",
		    bson_iter_utf8(&it, NULL));
		assert_true(bson_iter_init_find(&it, doc, "album"));
		(void)snprintf(out[n].album, sizeof(out[n].album), "%s",
		    bson_iter_utf8(&it, NULL));
		assert_true(bson_iter_init_find(&it, doc, "source"));
		(void)snprintf(out[n].source, sizeof(out[n].source), "%s",
		    bson_iter_utf8(&it, NULL));
		assert_true(bson_iter_init_find(&it, doc, "year"));
		out[n].year = bson_iter_int32(&it);
		assert_true(bson_iter_init_find(&it, doc, "rank"));
		out[n].rank = bson_iter_int32(&it);
		assert_true(bson_iter_init_find(&it, doc, "accepted_at"));
		out[n].accepted_ms = bson_iter_date_time(&it);
		n++;
	}
	if (mongoc_cursor_error(cur, &err))
		fail_msg("find: %s", err.message);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(&filter);
	return (n);
}

/*
 * Pages through band/source (NULL: none), limit ids at a time, with
 * MongoDB's cursor: each page the window answers must equal MongoDB's.
 * Returns how many pages the window answered (it stops two pages after
 * the window's end).
 */
static int
lw_pages(const char *band, const char *source, int limit)
{
	struct logs_query	q;
	struct log_entry	mids[LOGS_LIMIT_MAX + 1];
	struct log_entry	wids[LOGS_LIMIT_MAX];
	char			err[256];
	size_t			mn, wn, i;
	int			rc, answered, pages, past, more;

	memset(&q, 0, sizeof(q));
	q.limit = limit;
	if (band != NULL)
		(void)snprintf(q.band, sizeof(q.band), "%s", band);
	if (source != NULL)
		(void)snprintf(q.source, sizeof(q.source), "%s", source);
	answered = pages = past = 0;
	for (;;) {
		mn = lw_mongo_page(&q, mids);
		rc = log_window_read(T.redis, T.cfg.redis_prefix, &q, wids,
		    &wn, &more, err, sizeof(err));
		if (rc == -1)
			fail_msg("log_window_read: %s", err);
		if (rc == 1) {
			/* Once past the end, never answered again. */
			assert_int_equal(past, 0);
			assert_int_equal(more, mn > (size_t)limit);
			assert_int_equal(wn, more ? (size_t)limit : mn);
			for (i = 0; i < wn; i++) {
				assert_string_equal(wids[i].id, mids[i].id);
				assert_string_equal(wids[i].name,
				    mids[i].name);
				assert_string_equal(wids[i].album,
				    mids[i].album);
				assert_string_equal(wids[i].source,
				    mids[i].source);
				assert_int_equal(wids[i].year, mids[i].year);
				assert_int_equal(wids[i].rank, mids[i].rank);
				assert_int_equal(wids[i].accepted_ms,
				    mids[i].accepted_ms);
			}
			answered++;
		} else
			past = 1;
		pages++;
		/* Two pages past the window's end are enough. */
		if (mn <= (size_t)limit || pages >= answered + 2)
			break;
		(void)snprintf(q.before, sizeof(q.before), "%s",
		    mids[limit - 1].id);
	}
	return (answered);
}

/* The newest pages of everything: the window's answers equal MongoDB's. */
static void
lw_check_newest(void)
{
	/*
	 * Each source window keeps 50 ids, so their merge answers at
	 * least the 7 pages of 7 that 50 ids make (the 8th tells "more").
	 */
	assert_true(lw_pages(NULL, NULL, 7) >= 7);
}

/* The window answers the newest pages of everything it keeps. */
static void
lw_check_all(void)
{
	redisReply	*r;
	size_t		 b;
	int		 tracked, answered;

	/* Each source window keeps 50: at least 7 pages of 7 (see above). */
	assert_true(lw_pages(NULL, NULL, 7) >= 7);
	assert_int_equal(lw_pages(NULL, NULL, 100), 0);	/* past the end */
	assert_true(lw_pages(NULL, "rest", 10) >= 4);
	assert_true(lw_pages(NULL, "grpc", 10) >= 4);
	tracked = 0;
	for (b = 0; b < LW_NBANDS; b++) {
		r = redisCommand(T.redis, "SISMEMBER %s:logwin:bands %s",
		    T.cfg.redis_prefix, lw_bands[b]);
		assert_non_null(r);
		answered = lw_pages(lw_bands[b], NULL, 5);
		if (r->integer == 1) {
			tracked++;
			assert_true(answered >= 1);
		} else
			assert_int_equal(answered, 0);
		freeReplyObject(r);
	}
	assert_int_equal(tracked, LW_BANDS_MAX);
	/* No window for band and source together. */
	assert_int_equal(lw_pages(lw_bands[0], "rest", 3), 0);
}

static long long
lw_zcard(const char *what)
{
	redisReply	*r;
	long long	 n;

	r = redisCommand(T.redis, "ZCARD %s:logwin:%s", T.cfg.redis_prefix,
	    what);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	n = r->integer;
	freeReplyObject(r);
	return (n);
}

/* Both source windows hold LW_KEEP logs; none holds every log. */
static void
lw_assert_full(void)
{
	assert_int_equal(lw_zcard("source:rest"), LW_KEEP);
	assert_int_equal(lw_zcard("source:grpc"), LW_KEEP);
	assert_int_equal(lw_zcard("all"), 0);
}

static void
lw_rebuild(struct log_window *lw, long want)
{
	char	err[256];
	long	listed;
	int	rc;

	if ((rc = log_window_rebuild(lw, T.coll, &listed, err,
	    sizeof(err))) != 1)
		fail_msg("log_window_rebuild: %d %s", rc, err);
	assert_int_equal(listed, want);
	assert_int_equal(log_window_built(lw, err, sizeof(err)), 1);
	/* Built: a second rebuild has nothing to do. */
	assert_int_equal(log_window_rebuild(lw, T.coll, &listed, err,
	    sizeof(err)), 0);
}

static void
lw_flushall(void)
{
	redisReply	*r;

	assert_non_null(r = redisCommand(T.redis, "FLUSHALL"));
	freeReplyObject(r);
}

static void
test_window(void **state)
{
	struct log_window	*lw, *lw2;
	const struct vote	*v;
	char			 err[256];
	size_t			 first, k;
	long			 listed;
	pid_t			 pid[2];
	int			 status, i;

	(void)state;
	assert_non_null(lw = log_window_new(&T.cfg));
	assert_true(log_window_enabled(lw));

	/* Listed but never built: the window answers nothing. */
	lw_new_votes(400, &first);
	lw_insert(first, 400);
	lw_add(lw, first, 400, 37);
	assert_int_equal(log_window_built(lw, err, sizeof(err)), 0);
	assert_int_equal(lw_pages(NULL, NULL, 20), 0);

	/* Someone else holds the rebuild lock: nothing to do. */
	freeReplyObject(redisCommand(T.redis, "SET %s:logwin:rebuild other "
	    "PX 60000", T.cfg.redis_prefix));
	assert_int_equal(log_window_rebuild(lw, T.coll, &listed, err,
	    sizeof(err)), 0);
	freeReplyObject(redisCommand(T.redis, "DEL %s:logwin:rebuild",
	    T.cfg.redis_prefix));

	lw_rebuild(lw, 400);
	lw_assert_full();
	lw_check_all();

	/* A replay (all of it again, another order) changes nothing. */
	lw_add(lw, first, 400, 101);
	lw_assert_full();
	lw_check_newest();

	/* Newer votes: stored, then listed. */
	lw_new_votes(60, &first);
	lw_insert(first, 60);
	lw_add(lw, first, 60, 7);
	lw_check_newest();

	/* Two writers at once, each half of 200 new votes. */
	lw_new_votes(200, &first);
	lw_insert(first, 200);
	for (i = 0; i < 2; i++) {
		if ((pid[i] = fork()) == 0) {
			if ((lw2 = log_window_new(&T.cfg)) == NULL)
				_exit(1);
			for (k = (size_t)i; k < 200; k += 2) {
				v = &T.votes[first + k];
				if (log_window_add(lw2, &v, 1, err,
				    sizeof(err)) != 0)
					_exit(1);
			}
			log_window_free(lw2);
			_exit(0);
		}
		assert_true(pid[i] > 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	lw_assert_full();
	lw_check_all();

	/* Redis loses everything: not used until rebuilt from MongoDB. */
	lw_flushall();
	assert_int_equal(log_window_built(lw, err, sizeof(err)), 0);
	assert_int_equal(lw_pages(NULL, NULL, 20), 0);
	lw_rebuild(lw, 660);
	lw_check_all();
	log_window_free(lw);
}

static int
setup(void **state)
{
	char	name[64];
	char	uri[256];

	(void)state;
	(void)snprintf(name, sizeof(name), "lw_%ld_%ld", (long)getpid(),
	    (long)time(NULL));
	if (private_redis_up(&T.pr, name) == -1)
		return (-1);
	memset(&T.cfg, 0, sizeof(T.cfg));
	(void)snprintf(T.cfg.redis_host, sizeof(T.cfg.redis_host),
	    "127.0.0.1");
	T.cfg.redis_port = T.pr.port;
	(void)snprintf(T.cfg.redis_prefix, sizeof(T.cfg.redis_prefix), "%s",
	    name);
	T.cfg.log_window = LW_KEEP;
	T.cfg.log_window_bands = LW_BANDS_MAX;
	if ((T.redis = redisConnect("127.0.0.1", T.pr.port)) == NULL ||
	    T.redis->err != 0)
		return (-1);
	mongoc_init();
	(void)snprintf(uri, sizeof(uri), "%s", getenv("MARIMBA_MONGO_URI") ?
	    getenv("MARIMBA_MONGO_URI") : "mongodb://127.0.0.1:27017/");
	if ((T.mongo = mongoc_client_new(uri)) == NULL)
		return (-1);
	T.coll = mongoc_client_get_collection(T.mongo, name, "logs");
	T.next_ms = marimba_now_ms() - 600000;
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	if (T.coll != NULL) {
		(void)mongoc_collection_drop(T.coll, NULL);
		mongoc_collection_destroy(T.coll);
	}
	if (T.mongo != NULL)
		mongoc_client_destroy(T.mongo);
	if (T.redis != NULL)
		redisFree(T.redis);
	private_redis_down(&T.pr);
	mongoc_cleanup();
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
