/* SPDX-License-Identifier: ISC */
/*
 * The mongo sink with two insert_many in flight (MARIMBA_MONGO_INFLIGHT=2)
 * still commits in order: mongo_hold_proxy.py holds the insert of the
 * first batch (the one with the first vote's id) for a few seconds while
 * the second batch, on the other insert worker's connection, is stored. Meanwhile the second batch's documents
 * are in MongoDB, but no offset is committed and the log window lists
 * none of them (both follow the first batch); once the first is let
 * through, every vote is stored once and everything is committed.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
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

#define BATCH		10		/* MARIMBA_BATCH_MAX */
#define HOLD_MS		6000		/* the first insert's delay */

static pid_t	proxy = -1;

/* Reads the proxy's output until its "ready" line; 0 once seen. */
static int
proxy_wait_ready(int fd, int timeout_ms)
{
	struct pollfd	pfd;
	char		buf[512];
	size_t		len;
	ssize_t		n;
	int		waited;

	len = 0;
	buf[0] = '\0';
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (waited = 0; waited < timeout_ms; waited += 100) {
		if (poll(&pfd, 1, 100) == -1 && errno != EINTR)
			break;
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "ready\n") != NULL)
			return (0);
		if (len == sizeof(buf) - 1)
			break;
	}
	fprintf(stderr, "mongo_hold_proxy.py never said ready: \"%s\"\n", buf);
	return (-1);
}

/* The proxy on a free port in front of the env's MongoDB; its port. */
static int
proxy_start(struct ct_env *e)
{
	const char	*h, *colon;
	char		 host[128], lport[16], uport[16], hold[16];
	int		 p[2], port, rc;

	assert_non_null(h = strstr(e->mongo_uri, "://"));
	h += 3;
	assert_non_null(colon = strchr(h, ':'));
	assert_true((size_t)(colon - h) < sizeof(host));
	(void)snprintf(host, sizeof(host), "%.*s", (int)(colon - h), h);
	(void)snprintf(uport, sizeof(uport), "%d", atoi(colon + 1));
	port = ct_free_port();
	(void)snprintf(lport, sizeof(lport), "%d", port);
	(void)snprintf(hold, sizeof(hold), "%d", HOLD_MS);
	assert_int_equal(pipe(p), 0);
	assert_true((proxy = fork()) != -1);
	if (proxy == 0) {
		(void)dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execlp("python3", "python3", MARIMBA_SOURCE_DIR
		    "/tests/integration/mongo_hold_proxy.py", lport, host,
		    uport, hold, e->ids[0], (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	rc = proxy_wait_ready(p[0], 30000);
	close(p[0]);
	assert_int_equal(rc, 0);
	return (port);
}

static void
proxy_stop(void)
{
	if (proxy > 0) {
		(void)kill(proxy, SIGTERM);
		(void)waitpid(proxy, NULL, 0);
	}
	proxy = -1;
}

static int
inflight_teardown(void **state)
{
	proxy_stop();
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

/* Members of the overall log window. */
static long long
window_len(struct ct_env *e)
{
	redisContext	*c;
	redisReply	*r;
	long long	 n;

	c = redisConnect(e->redis_host, e->redis_port);
	assert_non_null(c);
	assert_int_equal(c->err, 0);
	r = redisCommand(c, "ZCARD %s:logwin:all", e->prefix);
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	n = r->integer;
	freeReplyObject(r);
	redisFree(c);
	return (n);
}

static void
test_inflight_commits_in_order(void **state)
{
	struct ct_env	*e;
	char		 uri[256];
	int64_t		 released;
	pid_t		 pid;
	int		 port;

	(void)state;
	e = ct_env_new("inflight", 1);
	/* Two full batches, produced before the consumer starts. */
	ct_produce_votes(e, 0, 2 * BATCH);
	assert_int_equal(e->nids, 2 * BATCH);
	port = proxy_start(e);
	(void)snprintf(uri, sizeof(uri), "MARIMBA_MONGO_URI=mongodb://"
	    "127.0.0.1:%d/?appname=marimba-test", port);
	pid = ct_consumer_start(e, NULL, "--sink=mongo", uri,
	    "MARIMBA_MONGO_INFLIGHT=2", "MARIMBA_BATCH_MAX=10",
	    "MARIMBA_MONGO_LINGER_MS=2000", (const char *)NULL);
	released = ct_now_ms() + HOLD_MS;

	/* The second batch is stored while the first one is held... */
	assert_int_equal(ct_wait_mongo_count(e, BATCH, HOLD_MS - 1000),
	    BATCH);
	assert_int_equal(mongo_has_id(e, e->ids[0]), 0);
	assert_int_equal(mongo_has_id(e, e->ids[2 * BATCH - 1]), 1);
	/* ...but nothing of it is committed or listed before the first. */
	assert_true(ct_committed_sink(e, NULL, "mongo") <= 0);
	assert_int_equal(window_len(e), 0);
	ct_sleep_ms(1000);
	assert_true(ct_now_ms() < released - 500);	/* still held */
	assert_int_equal(ct_mongo_count(e), BATCH);
	assert_true(ct_committed_sink(e, NULL, "mongo") <= 0);
	assert_int_equal(window_len(e), 0);

	/* Let through: every vote once, all committed, all listed. */
	assert_int_equal(ct_wait_committed_sink(e, NULL, "mongo", 2 * BATCH,
	    HOLD_MS + 30000), 2 * BATCH);
	assert_int_equal(ct_mongo_count(e), 2 * BATCH);
	assert_int_equal(ct_mongo_count_ids(e), 2 * BATCH);
	assert_int_equal(window_len(e), 2 * BATCH);
	assert_int_equal(ct_consumer_stop(pid, SIGTERM, 20000), 0);
	proxy_stop();
	ct_env_cleanup(e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_inflight_commits_in_order,
		    inflight_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
