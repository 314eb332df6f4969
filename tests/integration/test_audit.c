/* SPDX-License-Identifier: ISC */
/*
 * marimba-audit against real Kafka, Redis and FerretDB (private topic,
 * Redis prefix and database from the consumer harness):
 *  - after a normal run check agrees (exit 0, "kafka N redis N mongo N");
 *  - with every Redis key of the prefix deleted check reports it (exit 1)
 *    and rebuild-redis, run while votes keep arriving and being counted,
 *    ends with exact tallies, series and check agreeing again;
 *  - after deleting some MongoDB logs and some dedupe keys, missing
 *    names exactly those ids and where each one still is.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <mongoc/mongoc.h>

#include "test_consumer_harness.h"
#include "test_consumer_tallies.h"
#include "vote.h"

#define N_FIRST		4000
#define OUT_MAX		(256 * 1024)

/* Starts marimba-audit <cmd> with the env's settings, stdout to out. */
static pid_t
audit_start(struct ct_env *e, const char *cmd, const char *arg,
    const char *out)
{
	struct ct_envp	*envp;
	char		 cmdbuf[64], argbuf[64];
	pid_t		 pid;
	int		 fd;

	envp = ct_envp_new(e, NULL, NULL);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd == -1 || dup2(fd, STDOUT_FILENO) == -1)
			_exit(126);
		(void)snprintf(cmdbuf, sizeof(cmdbuf), "%s", cmd);
		(void)snprintf(argbuf, sizeof(argbuf), "%s",
		    arg != NULL ? arg : "");
		execve(MARIMBA_AUDIT_BIN, (char *[]){ "marimba-audit", cmdbuf,
		    arg != NULL ? argbuf : NULL, NULL }, envp->vars);
		_exit(127);
	}
	ct_envp_free(envp);
	return (pid);
}

static int
audit_wait(pid_t pid)
{
	int	status;

	while (waitpid(pid, &status, 0) == -1)
		assert_int_equal(errno, EINTR);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	    WTERMSIG(status));
}

/* Runs a command to its end; out gets its standard output. */
static int
audit_run(struct ct_env *e, const char *cmd, char *out, size_t len)
{
	char	path[256];
	FILE	*f;
	size_t	n;
	int	rc;

	(void)snprintf(path, sizeof(path), "%s/%s.out", P_tmpdir, e->name);
	rc = audit_wait(audit_start(e, cmd, NULL, path));
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
	(void)unlink(path);
	fprintf(stderr, "--- marimba-audit %s: exit %d\n%s", cmd, rc, out);
	return (rc);
}

/* How many of the first n votes have a dedupe key. */
static long long
seen_keys(struct ct_env *e, size_t n)
{
	redisContext	*c;
	redisReply	*r;
	struct timeval	 tv = { 5, 0 };
	long long	 found;
	size_t		 i;

	c = redisConnectWithTimeout(e->redis_host, e->redis_port, tv);
	assert_non_null(c);
	assert_int_equal(c->err, 0);
	for (i = 0; i < n; i++)
		(void)redisAppendCommand(c, "EXISTS %s:seen:%s", e->prefix,
		    e->ids[i]);
	found = 0;
	for (i = 0; i < n; i++) {
		assert_int_equal(redisGetReply(c, (void **)&r), REDIS_OK);
		if (r->type == REDIS_REPLY_INTEGER)
			found += r->integer;
		freeReplyObject(r);
	}
	redisFree(c);
	return (found);
}

static void
test_check_then_rebuild(void **state)
{
	struct ct_env	*e;
	static const char poison[] = "\xff not a vote";
	char		*out, want[128], path[256];
	pid_t		 consumer, audit;
	FILE		*f;
	size_t		 n, len;
	int		 rc, status;

	(void)state;
	out = malloc(OUT_MAX);
	assert_non_null(out);
	e = ct_env_new("audit", 3);
	/* One poison message: on the topic, in the DLQ, not a vote. */
	ct_produce_raw(e, 0, poison, sizeof(poison) - 1);
	ct_produce_votes(e, 0, N_FIRST);
	consumer = ct_consumer_start(e, NULL, NULL);
	assert_int_equal(ct_wait_total(e, N_FIRST, 60000), N_FIRST);
	assert_int_equal(ct_wait_committed(e, NULL, N_FIRST + 1, 15000),
	    N_FIRST + 1);

	/* A normal run: everything agrees. */
	assert_int_equal(audit_run(e, "check", out, OUT_MAX), 0);
	(void)snprintf(want, sizeof(want), "kafka %d redis %d mongo %d\n",
	    N_FIRST, N_FIRST, N_FIRST);
	assert_non_null(strstr(out, want));
	(void)snprintf(want, sizeof(want), "kafka: %d messages on 3 "
	    "partitions, 1 dead letters, 0 in flight", N_FIRST + 1);
	assert_non_null(strstr(out, want));

	/* Redis loses everything (as a FLUSHALL would): check says so. */
	assert_true(ct_redis_del_pattern(e, "*") > N_FIRST);
	assert_int_equal(audit_run(e, "check", out, OUT_MAX), 1);
	(void)snprintf(want, sizeof(want), "kafka %d redis 0 mongo %d\n",
	    N_FIRST, N_FIRST);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "stores DIFFER"));
	assert_non_null(strstr(out, "band "));

	/*
	 * Rebuild while votes keep arriving: the consumer counts them in
	 * the live keys during the rebuild, and none is counted twice.
	 */
	(void)snprintf(path, sizeof(path), "%s/%s.rebuild", P_tmpdir,
	    e->name);
	audit = audit_start(e, "rebuild-redis", NULL, path);
	n = N_FIRST;
	rc = -1;
	while (rc == -1 || n < N_FIRST + 200) {
		if (rc == -1 && waitpid(audit, &status, WNOHANG) == audit)
			rc = WIFEXITED(status) ? WEXITSTATUS(status) : 99;
		ct_produce_votes(e, n, 20);
		n += 20;
		ct_sleep_ms(50);
	}
	if ((f = fopen(path, "r")) != NULL) {
		len = fread(out, 1, OUT_MAX - 1, f);
		out[len] = '\0';
		fclose(f);
		fprintf(stderr, "--- rebuild-redis: exit %d, %zu votes "
		    "produced meanwhile\n%s", rc, n - N_FIRST, out);
	}
	(void)unlink(path);
	assert_int_equal(rc, 0);
	ct_produce_votes(e, n, 500);
	n += 500;
	assert_int_equal(ct_wait_total(e, (long long)n, 60000),
	    (long long)n);
	assert_int_equal(ct_wait_committed(e, NULL, (long long)n + 1, 15000),
	    (long long)n + 1);
	ct_assert_tallies(e, n);
	assert_int_equal(ct_mongo_count(e), (long long)n);
	/* The series is rebuilt too: it sums to the total again. */
	assert_int_equal(ct_wait_series(e, (long long)n, 15000),
	    (long long)n);
	assert_int_equal(ct_redis_series_sum(e, "rest"),
	    ct_redis_hget(e, "sources", "rest"));

	rc = audit_run(e, "check", out, OUT_MAX);
	assert_int_equal(rc, 0);
	(void)snprintf(want, sizeof(want), "kafka %zu redis %zu mongo %zu\n",
	    n, n, n);
	assert_non_null(strstr(out, want));

	/* The dedupe keys are back: a redelivery would change nothing. */
	assert_int_equal(seen_keys(e, n), (long long)n);
	assert_int_equal(ct_consumer_stop(consumer, SIGTERM, 15000), 0);

	free(out);
	ct_env_cleanup(e);
}

/* Deletes the logs of votes idx[0..n-1]. */
static void
mongo_delete(struct ct_env *e, const size_t *idx, size_t n)
{
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	bson_t			*filter;
	bson_t			 reply;
	bson_error_t		 berr;
	size_t			 i;

	client = mongoc_client_new(e->mongo_uri);
	assert_non_null(client);
	coll = mongoc_client_get_collection(client, e->mongo_db, "logs");
	for (i = 0; i < n; i++) {
		filter = BCON_NEW("_id", BCON_UTF8(e->ids[idx[i]]));
		assert_true(mongoc_collection_delete_one(coll, filter, NULL,
		    &reply, &berr));
		bson_destroy(&reply);
		bson_destroy(filter);
	}
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(client);
}

static void
test_missing(void **state)
{
	struct ct_env	*e;
	char		*out, key[128], line[128];
	const size_t	 gone_mongo[] = { 3, 250, 777 };	/* redis-only */
	const size_t	 gone_redis[] = { 10, 999 };		/* mongo-only */
	const size_t	 gone_both[] = { 500 };			/* neither */
	size_t		 i, lines;
	pid_t		 consumer;
	char		*p;

	(void)state;
	out = malloc(OUT_MAX);
	assert_non_null(out);
	e = ct_env_new("missing", 2);
	ct_produce_votes(e, 0, 1000);
	consumer = ct_consumer_start(e, NULL, NULL);
	assert_int_equal(ct_wait_total(e, 1000, 60000), 1000);
	assert_int_equal(ct_wait_committed(e, NULL, 1000, 15000), 1000);
	assert_int_equal(ct_consumer_stop(consumer, SIGTERM, 15000), 0);

	assert_int_equal(audit_run(e, "missing", out, OUT_MAX), 0);
	assert_non_null(strstr(out, "1000 votes checked"));

	mongo_delete(e, gone_mongo, 3);
	mongo_delete(e, gone_both, 1);
	for (i = 0; i < 2; i++) {
		(void)snprintf(key, sizeof(key), "seen:%s",
		    e->ids[gone_redis[i]]);
		assert_int_equal(ct_redis_del_pattern(e, key), 1);
	}
	(void)snprintf(key, sizeof(key), "seen:%s", e->ids[gone_both[0]]);
	assert_int_equal(ct_redis_del_pattern(e, key), 1);

	assert_int_equal(audit_run(e, "missing", out, OUT_MAX), 1);
	for (i = 0; i < 3; i++) {
		(void)snprintf(line, sizeof(line), "%s redis-only ",
		    e->ids[gone_mongo[i]]);
		assert_non_null(strstr(out, line));
	}
	for (i = 0; i < 2; i++) {
		(void)snprintf(line, sizeof(line), "%s mongo-only ",
		    e->ids[gone_redis[i]]);
		assert_non_null(strstr(out, line));
	}
	(void)snprintf(line, sizeof(line), "%s neither ", e->ids[gone_both[0]]);
	assert_non_null(strstr(out, line));
	/* Exactly those: six id lines and the summary. */
	for (lines = 0, p = out; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 7);
	assert_non_null(strstr(out, "1 in neither store, 3 in redis only, "
	    "2 in mongo only"));

	free(out);
	ct_env_cleanup(e);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_teardown(test_check_then_rebuild,
		    ct_teardown),
		cmocka_unit_test_teardown(test_missing, ct_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
