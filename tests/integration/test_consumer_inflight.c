/* SPDX-License-Identifier: ISC */
/*
 * The mongo sink with two (and four) insert_many in flight
 * (MARIMBA_MONGO_INFLIGHT) still commits in order: mongo_hold_proxy.py
 * holds the insert of the first batch (the one with the first vote's id)
 * for a few seconds while every later batch the pipeline takes
 * (MONGO_INFLIGHT_BATCHES), on the other insert workers' connections, is
 * stored: one slow insert does not stop the others. Meanwhile their documents are in
 * MongoDB, but no offset is committed and the log window lists none of
 * them (they follow the first batch); once the first is let through,
 * every vote is stored once and everything is committed.
 */
#include <sys/types.h>

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

#include "mongo_inflight.h"
#include "test_consumer_harness.h"
#include "test_mongo_proxy.h"

#define BATCH		10		/* MARIMBA_BATCH_MAX */
#define HOLD_MS		6000		/* the first insert's delay */

static pid_t	proxy = -1;

/* The proxy on a free port in front of the env's MongoDB; its port. */
static int
proxy_start(struct ct_env *e)
{
	char		 hold[16];
	const char	*extra[3];
	int		 port;

	(void)snprintf(hold, sizeof(hold), "%d", HOLD_MS);
	extra[0] = hold;
	extra[1] = e->ids[0];
	extra[2] = NULL;
	port = mongo_proxy_start(MARIMBA_SOURCE_DIR
	    "/tests/integration/mongo_hold_proxy.py", e->mongo_uri, extra,
	    &proxy);
	assert_true(port > 0);
	return (port);
}

static int
inflight_teardown(void **state)
{
	mongo_proxy_stop(&proxy);
	return (ct_teardown(state));
}

/* 1 if MongoDB has the document of this vote id, 0 if not. */
static int
mongo_has_id(struct ct_env *e, const char *id)
{
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	bson_t			*filter;
	bson_error_t		 berr;
	int64_t			 n;

	assert_non_null(client = mongoc_client_new(e->mongo_uri));
	coll = mongoc_client_get_collection(client, e->mongo_db, "logs");
	filter = BCON_NEW("_id", BCON_UTF8(id));
	n = mongoc_collection_count_documents(coll, filter, NULL, NULL, NULL,
	    &berr);
	bson_destroy(filter);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(client);
	assert_true(n >= 0);
	return (n > 0);
}

/* Logs listed in the log window (each in its source window). */
static long long
window_len(struct ct_env *e)
{
	static const char *const	 sources[] = { "rest", "grpc" };
	redisContext			*c;
	redisReply			*r;
	long long			 n;
	size_t				 i;

	c = redisConnect(e->redis_host, e->redis_port);
	assert_non_null(c);
	assert_int_equal(c->err, 0);
	/* Every log is in its source's window; no window holds them all. */
	n = 0;
	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		r = redisCommand(c, "ZCARD %s:logwin:source:%s", e->prefix,
		    sources[i]);
		assert_non_null(r);
		assert_int_equal(r->type, REDIS_REPLY_INTEGER);
		n += r->integer;
		freeReplyObject(r);
	}
	redisFree(c);
	return (n);
}

/*
 * workers insert workers (MARIMBA_MONGO_INFLIGHT), as many batches as
 * they take at once, the first one held: all the others are stored
 * meanwhile, nothing is committed or listed until the first is through.
 */
static void
inflight_in_order(const char *name, int workers)
{
	struct ct_env	*e;
	char		 uri[256], inflight[48];
	int64_t		 released;
	pid_t		 pid;
	int		 port, later, all;

	e = ct_env_new(name, 1);
	/* Full batches, produced before the consumer starts. */
	all = MONGO_INFLIGHT_BATCHES(workers) * BATCH;
	ct_produce_votes(e, 0, all);
	assert_int_equal(e->nids, all);
	later = all - BATCH;
	port = proxy_start(e);
	(void)snprintf(uri, sizeof(uri), "MARIMBA_MONGO_URI=mongodb://"
	    "127.0.0.1:%d/?appname=marimba-test", port);
	(void)snprintf(inflight, sizeof(inflight),
	    "MARIMBA_MONGO_INFLIGHT=%d", workers);
	pid = ct_consumer_start(e, NULL, "--sink=mongo", uri, inflight,
	    "MARIMBA_BATCH_MAX=10", "MARIMBA_MONGO_LINGER_MS=2000",
	    (const char *)NULL);
	released = ct_now_ms() + HOLD_MS;

	/* The later batches are stored while the first one is held... */
	assert_int_equal(ct_wait_mongo_count(e, later, HOLD_MS - 1000),
	    later);
	assert_int_equal(mongo_has_id(e, e->ids[0]), 0);
	assert_int_equal(mongo_has_id(e, e->ids[all - 1]), 1);
	/* ...but nothing of them is committed or listed before the first. */
	assert_true(ct_committed_sink(e, NULL, "mongo") <= 0);
	assert_int_equal(window_len(e), 0);
	ct_sleep_ms(1000);
	assert_true(ct_now_ms() < released - 500);	/* still held */
	assert_int_equal(ct_mongo_count(e), later);
	assert_true(ct_committed_sink(e, NULL, "mongo") <= 0);
	assert_int_equal(window_len(e), 0);

	/* Let through: every vote once, all committed, all listed. */
	assert_int_equal(ct_wait_committed_sink(e, NULL, "mongo", all,
	    HOLD_MS + 30000), all);
	assert_int_equal(ct_mongo_count(e), all);
	assert_int_equal(ct_mongo_count_ids(e), all);
	assert_int_equal(window_len(e), all);
	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 20000), 0);
	mongo_proxy_stop(&proxy);
	ct_env_cleanup(e);
}

static void
test_inflight_commits_in_order(void **state)
{
	(void)state;
	inflight_in_order("inflight", 2);
}

/* The most MARIMBA_MONGO_INFLIGHT allows: four workers. */
static void
test_inflight_four_in_order(void **state)
{
	(void)state;
	inflight_in_order("inflight-four", 4);
}

/*
 * The group drops the sink while both batches are in flight (SIGSTOP past
 * the session timeout, the first insert held): the revoke must wait for
 * the inserts before it frees their votes, and take no answer for a later
 * batch's. Was: "pipeline out of step" and, in the ASan build, a
 * use-after-free that killed the sink. Every vote is then stored once,
 * committed and listed, and the sink stops cleanly.
 */
static void
test_inflight_lost_assignment(void **state)
{
	struct ct_env	*e;
	char		 uri[256];
	pid_t		 pid;
	int		 port;

	(void)state;
	e = ct_env_new("inflight-lost", 1);
	(void)snprintf(e->log_path, sizeof(e->log_path),
	    "%s/var/test-inflight-lost-%d.log", MARIMBA_SOURCE_DIR,
	    (int)getpid());
	ct_produce_votes(e, 0, 2 * BATCH);
	port = proxy_start(e);
	(void)snprintf(uri, sizeof(uri), "MARIMBA_MONGO_URI=mongodb://"
	    "127.0.0.1:%d/?appname=marimba-test", port);
	pid = ct_consumer_start(e, NULL, "--sink=mongo", uri,
	    "MARIMBA_MONGO_INFLIGHT=2", "MARIMBA_BATCH_MAX=10",
	    "MARIMBA_MONGO_LINGER_MS=2000", "MARIMBA_SESSION_TIMEOUT_MS=6000",
	    (const char *)NULL);

	/* Both batches in flight: the second stored, the first held. */
	assert_int_equal(ct_wait_mongo_count(e, BATCH, HOLD_MS - 1000),
	    BATCH);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	ct_sleep_ms(HOLD_MS + 4000);	/* past the 6 s session */
	assert_int_equal(kill(pid, SIGCONT), 0);

	assert_int_equal(ct_wait_committed_sink(e, NULL, "mongo", 2 * BATCH,
	    60000), 2 * BATCH);
	assert_int_equal(ct_mongo_count(e), 2 * BATCH);
	assert_int_equal(ct_mongo_count_ids(e), 2 * BATCH);
	assert_int_equal(window_len(e), 2 * BATCH);
	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 20000), 0);
	assert_true(ct_file_has(e->log_path, "assignment lost"));
	assert_false(ct_file_has(e->log_path, "out of step"));
	assert_false(ct_file_has(e->log_path, "AddressSanitizer"));
	(void)unlink(e->log_path);
	mongo_proxy_stop(&proxy);
	ct_env_cleanup(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_inflight_commits_in_order,
		    inflight_teardown),
		cmocka_unit_test_teardown(test_inflight_four_in_order,
		    inflight_teardown),
		cmocka_unit_test_teardown(test_inflight_lost_assignment,
		    inflight_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
