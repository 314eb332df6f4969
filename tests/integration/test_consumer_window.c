/* SPDX-License-Identifier: ISC */
/*
 * marimba-consumer's log window (lib/log_window) with two replicas, one
 * of them killed with SIGKILL mid-run, then a replay of the whole topic
 * by a third consumer: an id is never listed before its document is in
 * MongoDB, and at the end each window holds exactly the newest ids of
 * MongoDB (overall, per source, per band with a window), once each.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <mongoc/mongoc.h>

#include "test_consumer_harness.h"
#include "vote.h"

#define N_VOTES		4000
#define WIN_KEEP	150
#define WIN_BANDS	3
#define WIN_ENV_KEEP	"MARIMBA_LOG_WINDOW=150"
#define WIN_ENV_BANDS	"MARIMBA_LOG_WINDOW_BANDS=3"

static redisContext *
win_redis(struct ct_env *e)
{
	redisContext	*c;

	c = redisConnect(e->redis_host, e->redis_port);
	assert_non_null(c);
	assert_int_equal(c->err, 0);
	return (c);
}

/* The ids of a window's members ("<id>\t<JSON>"), newest first. */
static size_t
win_ids(redisContext *c, struct ct_env *e, const char *what,
    char (*ids)[VOTE_ID_LEN + 1], size_t max)
{
	redisReply	*r;
	size_t		 i;

	r = redisCommand(c, "ZREVRANGEBYLEX %s:logwin:%s + -", e->prefix,
	    what);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_true(r->elements <= max);
	for (i = 0; i < r->elements; i++) {
		assert_true(r->element[i]->len > VOTE_ID_LEN + 1);
		assert_int_equal(r->element[i]->str[VOTE_ID_LEN], '\t');
		memcpy(ids[i], r->element[i]->str, VOTE_ID_LEN);
		ids[i][VOTE_ID_LEN] = '\0';
	}
	i = r->elements;
	freeReplyObject(r);
	return (i);
}

/* Every id listed now in a window has its document in MongoDB. */
static size_t
win_stored(redisContext *c, mongoc_collection_t *coll, struct ct_env *e,
    const char *what)
{
	char		ids[WIN_KEEP + 1][VOTE_ID_LEN + 1], idx[16];
	const char	*key;
	bson_t		 filter, in, arr;
	bson_error_t	 err;
	size_t		 n, i;
	int64_t		 found;

	n = win_ids(c, e, what, ids, WIN_KEEP);
	if (n == 0)
		return (0);
	bson_init(&filter);
	BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &in);
	BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
	for (i = 0; i < n; i++) {
		(void)bson_uint32_to_string((uint32_t)i, &key, idx,
		    sizeof(idx));
		BSON_APPEND_UTF8(&arr, key, ids[i]);
	}
	bson_append_array_end(&in, &arr);
	bson_append_document_end(&filter, &in);
	found = mongoc_collection_count_documents(coll, &filter, NULL, NULL,
	    NULL, &err);
	bson_destroy(&filter);
	assert_int_equal(found, (int64_t)n);
	return (n);
}

/* Every id listed now (in a source window: each log is in one). */
static size_t
win_listed_are_stored(redisContext *c, mongoc_collection_t *coll,
    struct ct_env *e)
{
	return (win_stored(c, coll, e, "source:rest") +
	    win_stored(c, coll, e, "source:grpc"));
}

/* The window equals MongoDB's newest WIN_KEEP ids for the filter. */
static void
win_equals_mongo(redisContext *c, mongoc_collection_t *coll,
    struct ct_env *e, const char *what, const char *field, const char *value)
{
	char		 wids[WIN_KEEP + 1][VOTE_ID_LEN + 1];
	mongoc_cursor_t	*cur;
	const bson_t	*doc;
	bson_t		 filter, *opts;
	bson_iter_t	 it;
	size_t		 n, i;

	n = win_ids(c, e, what, wids, WIN_KEEP);
	assert_int_equal(n, WIN_KEEP);
	bson_init(&filter);
	if (field != NULL)
		BSON_APPEND_UTF8(&filter, field, value);
	opts = BCON_NEW("sort", "{", "_id", BCON_INT32(-1), "}",
	    "limit", BCON_INT64(WIN_KEEP));
	cur = mongoc_collection_find_with_opts(coll, &filter, opts, NULL);
	i = 0;
	while (mongoc_cursor_next(cur, &doc)) {
		assert_true(i < n);
		assert_true(bson_iter_init_find(&it, doc, "_id"));
		assert_string_equal(bson_iter_utf8(&it, NULL), wids[i]);
		i++;
	}
	assert_int_equal(i, n);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(&filter);
}

static void
win_check(redisContext *c, mongoc_collection_t *coll, struct ct_env *e)
{
	char		 what[VOTE_NAME_MAX + 16];
	redisReply	*r;
	size_t		 i;

	win_equals_mongo(c, coll, e, "source:rest", "source", "rest");
	win_equals_mongo(c, coll, e, "source:grpc", "source", "grpc");
	r = redisCommand(c, "SMEMBERS %s:logwin:bands", e->prefix);
	assert_non_null(r);
	assert_int_equal(r->elements, WIN_BANDS);
	for (i = 0; i < r->elements; i++) {
		(void)snprintf(what, sizeof(what), "band:%s",
		    r->element[i]->str);
		win_equals_mongo(c, coll, e, what, "name", r->element[i]->str);
	}
	freeReplyObject(r);
}

static void
test_window_replicas_kill_replay(void **state)
{
	struct ct_env		*e;
	redisContext		*c;
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	char			 group[160];
	pid_t			 a, b, r;
	int64_t			 until;

	(void)state;
	e = ct_env_new("window", 6);
	c = win_redis(e);
	assert_non_null(client = mongoc_client_new(e->mongo_uri));
	coll = mongoc_client_get_collection(client, e->mongo_db, "logs");

	a = ct_consumer_start(e, NULL, WIN_ENV_KEEP, WIN_ENV_BANDS, NULL);
	b = ct_consumer_start(e, NULL, WIN_ENV_KEEP, WIN_ENV_BANDS, NULL);
	ct_produce_votes(e, 0, N_VOTES / 2);
	/* While they store: whatever is listed is stored. */
	until = ct_now_ms() + 60000;
	while (ct_redis_get(e, "total") < N_VOTES / 2 && ct_now_ms() < until)
		(void)win_listed_are_stored(c, coll, e);
	ct_produce_votes(e, N_VOTES / 2, N_VOTES / 2);
	(void)win_listed_are_stored(c, coll, e);
	/* One replica dies mid-run; its batch is redelivered to the other. */
	assert_true(ct_consumer_stop(a, SIGKILL, 5000) != -1);
	assert_int_equal(ct_wait_committed(e, NULL, N_VOTES, 90000), N_VOTES);
	(void)win_listed_are_stored(c, coll, e);
	assert_int_equal(ct_mongo_count(e), N_VOTES);
	win_check(c, coll, e);

	/* A replay of the whole topic changes nothing. */
	(void)snprintf(group, sizeof(group), "%s-replay", e->group);
	r = ct_consumer_start(e, group, WIN_ENV_KEEP, WIN_ENV_BANDS, NULL);
	assert_int_equal(ct_wait_committed(e, group, N_VOTES, 90000), N_VOTES);
	win_check(c, coll, e);
	assert_int_equal(ct_consumer_stop(r, SIGTERM, 15000), 0);
	assert_int_equal(ct_consumer_stop(b, SIGTERM, 15000), 0);

	mongoc_collection_destroy(coll);
	mongoc_client_destroy(client);
	redisFree(c);
	ct_env_cleanup(e);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_teardown(test_window_replicas_kill_replay,
		    ct_teardown),
	};
	int	rv;

	mongoc_init();
	rv = cmocka_run_group_tests(tests, NULL, NULL);
	mongoc_cleanup();
	return (rv);
}
