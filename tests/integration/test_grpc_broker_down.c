/* SPDX-License-Identifier: ISC */
/*
 * marimba-grpc when Kafka goes away and comes back, on a private Kafka
 * instance (scripts/stack with its own state dir and ports): a vote is
 * UNAVAILABLE within the ack timeout plus a margin, the health check says
 * NOT_SERVING, and once Kafka is back the same server accepts votes again.
 */
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

#define ACK_TIMEOUT_MS	2000
#define MARGIN_MS	2000	/* the server's own 1 s plus scheduling */

struct fixture {
	struct tg_server	 srv;
	char			 stackdir[128];
	char			 brokers[64];
	int			 kport;
	int			 cport;
};

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[256];

	if (f->srv.pid > 0)
		(void)tg_server_stop(&f->srv, 15000);
	/* "down" also after a failed "up": it may have half started. */
	(void)tg_stack_kafka("down", f->stackdir, f->kport, f->cport);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", MARIMBA_SOURCE_DIR,
	    f->stackdir);
	(void)system(cmd);
	grpc_shutdown();
	return (0);
}

static int
setup(void **state)
{
	static struct fixture	f;

	grpc_init();
	(void)snprintf(f.stackdir, sizeof(f.stackdir),
	    "var/stack-grpctest-%d", (int)getpid());
	f.kport = net_free_port();
	f.cport = net_free_port();
	while (f.cport == f.kport)
		f.cport = net_free_port();
	(void)snprintf(f.brokers, sizeof(f.brokers), "127.0.0.1:%d",
	    f.kport);
	f.srv.pid = -1;
	*state = &f;
	if (tg_stack_kafka("up", f.stackdir, f.kport, f.cport) != 0) {
		/* cmocka runs no group teardown after a failed setup. */
		(void)teardown(state);
		return (-1);
	}
	return (0);
}

static void
test_broker_down_and_back(void **state)
{
	static const char	*extra[] = { "MARIMBA_ACK_TIMEOUT_MS=2000",
	    NULL };
	struct fixture		*f = *state;
	grpc_channel		*ch;
	grpc_completion_queue	*cq;
	struct vote		 v;
	char			 id[VOTE_ID_LEN + 1], why[256];
	long long		 t0, took, until;
	grpc_status_code	 st;
	int			 tries;

	assert_int_equal(tg_topic_create(f->brokers, "grpc-down", 1), 0);
	assert_int_equal(tg_server_start(&f->srv, f->brokers, "grpc-down",
	    extra), 0);
	ch = rpc_channel_new(f->srv.addr);
	cq = rpc_cq_new();
	assert_int_equal(tg_wait_health(ch, cq, 1, 15000), 0);

	tg_vote(&v, 1);
	assert_int_equal(tg_cast(ch, cq, &v, id, 10000, why, sizeof(why)),
	    GRPC_STATUS_OK);

	/* Kafka goes away: UNAVAILABLE in time, and NOT_SERVING. */
	assert_int_equal(tg_stack_kafka("down", f->stackdir, f->kport,
	    f->cport), 0);
	t0 = tg_now_ms();
	st = tg_cast(ch, cq, &v, id, 15000, why, sizeof(why));
	took = tg_now_ms() - t0;
	print_message("cast with Kafka down: %s after %lld ms (%s)\n",
	    rpc_status_name(st), took, why);
	assert_int_equal(st, GRPC_STATUS_UNAVAILABLE);
	assert_true(took <= ACK_TIMEOUT_MS + MARGIN_MS);
	assert_int_equal(tg_wait_health(ch, cq, 2, 6000), 0);

	/* Kafka is back: the same server accepts votes again. */
	assert_int_equal(tg_stack_kafka("up", f->stackdir, f->kport,
	    f->cport), 0);
	assert_int_equal(tg_wait_health(ch, cq, 1, 15000), 0);
	until = tg_now_ms() + 15000;
	tries = 0;
	do {
		tries++;
		st = tg_cast(ch, cq, &v, id, 10000, why, sizeof(why));
	} while (st != GRPC_STATUS_OK && tg_now_ms() < until);
	print_message("cast after Kafka came back: %s after %d tries\n",
	    rpc_status_name(st), tries);
	assert_int_equal(st, GRPC_STATUS_OK);

	rpc_cq_free(cq);
	grpc_channel_destroy(ch);
	assert_int_equal(tg_server_stop(&f->srv, 15000), 0);
	/* The two acknowledged votes (and maybe the timed-out one). */
	assert_true(tg_topic_count(f->brokers, "grpc-down") >= 2);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_broker_down_and_back),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
