/* SPDX-License-Identifier: ISC */
/*
 * A CastStream that ends without a real half-close produces nothing: the
 * client cancelling it, its deadline passing, or the client process dying
 * in the middle of the stream each leave the topic's high watermark
 * exactly where it was (issue 11: 300 cancelled streams had produced 899
 * votes). A stream that does half-close still produces all its votes.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <grpc/grpc.h>

#include "test_grpc_util.h"

#define ROUNDS		5	/* streams per way of ending one */
#define PER_STREAM	3	/* votes sent before it ends */
#define READ_MS		300	/* for the server to read the votes */
#define SETTLE_MS	1500	/* for anything produced to be written */

struct fixture {
	struct tg_server	 srv;
	char			 topic[128];
	grpc_channel		*ch;
	grpc_completion_queue	*cq;
	struct vote		 votes[PER_STREAM];
};

static char	*self;		/* argv[0], re-run as the dying client */

static int
setup(void **state)
{
	struct fixture	*f;
	int		 i;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (-1);
	tg_topic_name(f->topic, sizeof(f->topic), "grpc-cancel");
	if (tg_topic_create(TG_BROKERS, f->topic, 3) == -1 ||
	    tg_server_start(&f->srv, TG_BROKERS, f->topic, NULL) == -1) {
		free(f);
		return (-1);
	}
	f->ch = rpc_channel_new(f->srv.addr);
	f->cq = rpc_cq_new();
	for (i = 0; i < PER_STREAM; i++)
		tg_vote(&f->votes[i], i);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	int		 rc;

	rpc_cq_free(f->cq);
	grpc_channel_destroy(f->ch);
	rc = tg_server_stop(&f->srv, 15000);
	free(f);
	return (rc == 0 ? 0 : -1);
}

/* The topic holds want messages, and still does after SETTLE_MS. */
static void
assert_topic(struct fixture *f, long want)
{
	usleep(SETTLE_MS * 1000);
	assert_int_equal(tg_topic_count(TG_BROKERS, f->topic), want);
}

static void
test_client_cancel(void **state)
{
	struct fixture		*f = *state;
	struct tg_stream	 st;
	int			 i;

	for (i = 0; i < ROUNDS; i++) {
		assert_int_equal(tg_stream_open(f->ch, f->cq, &st, f->votes,
		    PER_STREAM, 10000), 0);
		usleep(READ_MS * 1000);
		grpc_call_cancel(st.call, NULL);
		assert_int_equal(tg_stream_wait(f->cq, &st, 5000), 0);
		assert_int_equal(st.status, GRPC_STATUS_CANCELLED);
		tg_stream_free(&st);
	}
	assert_topic(f, 0);
}

static void
test_deadline(void **state)
{
	struct fixture		*f = *state;
	struct tg_stream	 st;
	int			 i;

	for (i = 0; i < ROUNDS; i++) {
		assert_int_equal(tg_stream_open(f->ch, f->cq, &st, f->votes,
		    PER_STREAM, READ_MS + 200), 0);
		assert_int_equal(tg_stream_wait(f->cq, &st, 5000), 0);
		assert_int_equal(st.status, GRPC_STATUS_DEADLINE_EXCEEDED);
		tg_stream_free(&st);
	}
	assert_topic(f, 0);
}

/* The dying client: sends its votes, says so on stdout, waits for SIGKILL. */
static int
child_run(const char *addr)
{
	grpc_channel		*ch;
	grpc_completion_queue	*cq;
	struct tg_stream	 st;
	struct vote		 votes[PER_STREAM];
	int			 i;

	grpc_init();
	ch = rpc_channel_new(addr);
	cq = rpc_cq_new();
	for (i = 0; i < PER_STREAM; i++)
		tg_vote(&votes[i], i);
	if (tg_stream_open(ch, cq, &st, votes, PER_STREAM, 60000) == -1)
		return (1);
	(void)printf("sent\n");
	(void)fflush(stdout);
	pause();
	return (1);
}

static void
test_client_killed(void **state)
{
	struct fixture	*f = *state;
	char		 line[16];
	pid_t		 pid;
	int		 i, fds[2], st;
	ssize_t		 n;

	for (i = 0; i < ROUNDS; i++) {
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid != -1);
		if (pid == 0) {
			(void)dup2(fds[1], STDOUT_FILENO);
			(void)close(fds[0]);
			execl(self, self, "child", f->srv.addr, (char *)NULL);
			_exit(127);
		}
		(void)close(fds[1]);
		n = read(fds[0], line, sizeof(line));
		(void)close(fds[0]);
		assert_true(n > 0);
		usleep(READ_MS * 1000);
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st));
	}
	assert_topic(f, 0);
}

/* The same stream, half-closed: every vote is produced. */
static void
test_half_close_produces(void **state)
{
	struct fixture		*f = *state;
	struct tg_stream	 st;

	assert_int_equal(tg_stream_open(f->ch, f->cq, &st, f->votes,
	    PER_STREAM, 10000), 0);
	usleep(READ_MS * 1000);
	assert_int_equal(tg_stream_half_close(f->cq, &st), 0);
	assert_int_equal(tg_stream_wait(f->cq, &st, 10000), 0);
	assert_int_equal(st.status, GRPC_STATUS_OK);
	tg_stream_free(&st);
	assert_topic(f, PER_STREAM);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_client_cancel, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deadline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_killed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_half_close_produces,
		    setup, teardown),
	};
	int			rc;

	if (argc == 3 && strcmp(argv[1], "child") == 0)
		return (child_run(argv[2]));
	self = argv[0];
	grpc_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	grpc_shutdown();
	return (rc);
}
