/* SPDX-License-Identifier: ISC */
/*
 * marimba-vote's load (producers/rpc_pool.c: many calls in flight from
 * one thread) against a real marimba-grpc: the rate paces the calls,
 * streams carry their batches (the last one short), and a keyed call
 * refused for want of a stream slot is made again with its key until it
 * is accepted, each vote on the topic exactly once; and a client with the
 * cap's worth of calls in flight is never refused.
 */
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <grpc/grpc.h>

#include "test_grpc_util.h"

struct vote_run {
	long	votes, calls, accepted, rejected, failed, retries, retried_ok;
	double	seconds;
	int	status;		/* exit status */
};

/* Runs marimba-vote with args (NULL-terminated) and reads its summary. */
static void
run_vote(const char *addr, const char *const *args, struct vote_run *r)
{
	char		 out[4096];
	const char	*argv[32];
	const char	*p;
	ssize_t		 got;
	size_t		 len;
	pid_t		 pid;
	int		 fd[2], n, st;

	memset(r, 0, sizeof(*r));
	n = 0;
	argv[n++] = "marimba-vote";
	argv[n++] = "--addr";
	argv[n++] = addr;
	argv[n++] = "--file";
	argv[n++] = MARIMBA_SOURCE_DIR "/locust/data.json";
	while (*args != NULL && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	assert_int_equal(pipe(fd), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		(void)dup2(fd[1], STDOUT_FILENO);
		close(fd[0]);
		close(fd[1]);
		execv(MARIMBA_VOTE_BIN, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(fd[1]);
	len = 0;
	while (len < sizeof(out) - 1 &&
	    (got = read(fd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)got;
	out[len] = '\0';
	close(fd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	r->status = WEXITSTATUS(st);
	print_message("%s", out);
	assert_int_equal(sscanf(out, "%ld votes in %ld calls in %lf s",
	    &r->votes, &r->calls, &r->seconds), 3);
	assert_non_null(p = strstr(out, "accepted "));
	assert_int_equal(sscanf(p, "accepted %ld, rejected %ld, failed %ld",
	    &r->accepted, &r->rejected, &r->failed), 3);
	assert_non_null(p = strstr(out, "retries "));
	assert_int_equal(sscanf(p, "retries %ld, calls accepted after a "
	    "retry %ld", &r->retries, &r->retried_ok), 2);
}

/* run_vote() against the fixture's server; the votes the topic gained. */
static long
run_counted(struct tg_fixture *f, const char *const *args,
    struct vote_run *r)
{
	long	before;

	before = tg_topic_count(TG_BROKERS, f->topic);
	assert_true(before >= 0);
	run_vote(f->srv.addr, args, r);
	return (tg_topic_count(TG_BROKERS, f->topic) - before);
}

static int
setup(void **state)
{
	static struct tg_fixture	 f;
	static const char		*extra[] = {
	    "MARIMBA_GRPC_MAX_STREAMS=2", NULL };

	*state = &f;
	return (tg_fixture_up(&f, "grpc-client", extra));
}

/* 400 votes at 400/s over 2 slots: about a second, never much less. */
static void
test_rate(void **state)
{
	struct tg_fixture	*f = *state;
	static const char	*args[] = { "--count", "400", "--rate", "400",
				    "--concurrency", "2", NULL };
	struct vote_run		 r;
	long			 added;

	added = run_counted(f, args, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.accepted, 400);
	assert_int_equal(r.calls, 400);
	assert_true(r.seconds >= 0.95);
	assert_true(r.seconds < 10.0);
	assert_int_equal(added, 400);
}

/* 95 votes in streams of 10: ten calls, the last of 5. */
static void
test_streams(void **state)
{
	struct tg_fixture	*f = *state;
	static const char	*args[] = { "--count", "95", "--stream", "10",
				    "--concurrency", "2", NULL };
	struct vote_run		 r;
	long			 added;

	added = run_counted(f, args, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.votes, 95);
	assert_int_equal(r.calls, 10);
	assert_int_equal(r.accepted, 95);
	assert_int_equal(added, 95);
}

/*
 * Eight calls in flight where the server takes two on a connection:
 * the others are RESOURCE_EXHAUSTED, backed off and made again with
 * their key until every one is accepted, and none is on the topic twice.
 */
static void
test_keyed_retries(void **state)
{
	struct tg_fixture	*f = *state;
	static const char	*args[] = { "--count", "32", "--concurrency",
				    "8", "--retries", "20", NULL };
	struct vote_run		 r;
	long			 added;

	added = run_counted(f, args, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.accepted, 32);
	assert_int_equal(r.calls, 32);
	assert_true(r.retries > 0);
	assert_true(r.retried_ok > 0);
	assert_int_equal(added, 32);
}

/*
 * A client that keeps exactly the cap's worth of calls in flight is never
 * refused: an answered call stops counting against its connection at
 * once, not when the server later sees its status written.
 */
static void
test_cap_in_flight(void **state)
{
	struct tg_fixture	*f = *state;
	static const char	*args[] = { "--count", "600", "--concurrency",
				    "2", "--no-keys", NULL };
	struct vote_run		 r;
	long			 added;

	added = run_counted(f, args, &r);
	assert_int_equal(r.failed, 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.accepted, 600);
	assert_int_equal(added, 600);
}

/* Without keys nothing is made again: the refused calls fail. */
static void
test_no_keys_no_retries(void **state)
{
	struct tg_fixture	*f = *state;
	static const char	*args[] = { "--count", "64", "--concurrency",
				    "16", "--no-keys", NULL };
	struct vote_run		 r;
	long			 added;

	added = run_counted(f, args, &r);
	assert_int_equal(r.status, 1);
	assert_int_equal(r.retries, 0);
	assert_true(r.failed > 0);
	assert_int_equal(r.accepted + r.failed, 64);
	assert_int_equal(added, r.accepted);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_streams),
		cmocka_unit_test(test_keyed_retries),
		cmocka_unit_test(test_cap_in_flight),
		cmocka_unit_test(test_no_keys_no_retries),
	};

	return (cmocka_run_group_tests(tests, setup, tg_fixture_teardown));
}
