/* SPDX-License-Identifier: ISC */
/*
 * marimba-grpc with a broker that never answers (a closed port) and a
 * producer queue of one vote: the vote in the queue ends UNAVAILABLE after
 * the ack timeout, a vote arriving meanwhile is RESOURCE_EXHAUSTED at once,
 * and the health check says NOT_SERVING.
 */
#include <pthread.h>
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

struct slow_cast {
	const char		*addr;
	grpc_status_code	 status;
	long long		 took_ms;
};

static void *
slow_cast_run(void *arg)
{
	struct slow_cast	*sc = arg;
	grpc_channel		*ch;
	grpc_completion_queue	*cq;
	struct vote		 v;
	long long		 t0;

	ch = rpc_channel_new(sc->addr);
	cq = rpc_cq_new();
	tg_vote(&v, 1);
	t0 = tg_now_ms();
	sc->status = tg_cast(ch, cq, &v, NULL, 15000, NULL, 0);
	sc->took_ms = tg_now_ms() - t0;
	rpc_cq_free(cq);
	grpc_channel_destroy(ch);
	return (NULL);
}

static void
test_queue_full_and_timeout(void **state)
{
	static const char	*extra[] = { "MARIMBA_ACK_TIMEOUT_MS=2000",
	    "MARIMBA_QUEUE_MAX=1", NULL };
	struct tg_server	 srv;
	struct slow_cast	 sc;
	pthread_t		 t;
	grpc_channel		*ch;
	grpc_completion_queue	*cq;
	struct vote		 v;
	char			 brokers[64], why[256];
	long long		 t0, took;
	int			 serving;

	(void)state;
	(void)snprintf(brokers, sizeof(brokers), "127.0.0.1:%d",
	    net_free_port());
	assert_int_equal(tg_server_start(&srv, brokers, "grpc-nowhere",
	    extra), 0);
	ch = rpc_channel_new(srv.addr);
	cq = rpc_cq_new();
	assert_int_equal(tg_health(ch, cq, "", &serving), GRPC_STATUS_OK);
	assert_int_equal(serving, 2);

	/* One vote fills the queue and waits for an ack that never comes. */
	memset(&sc, 0, sizeof(sc));
	sc.addr = srv.addr;
	assert_int_equal(pthread_create(&t, NULL, slow_cast_run, &sc), 0);
	/* Well inside the first vote's 2-3 s wait, long enough to connect. */
	usleep(1000 * 1000);

	tg_vote(&v, 2);
	t0 = tg_now_ms();
	assert_int_equal(tg_cast(ch, cq, &v, NULL, 10000, why, sizeof(why)),
	    GRPC_STATUS_RESOURCE_EXHAUSTED);
	took = tg_now_ms() - t0;
	print_message("second vote: RESOURCE_EXHAUSTED after %lld ms (%s)\n",
	    took, why);
	assert_true(took < 1000);

	assert_int_equal(pthread_join(t, NULL), 0);
	print_message("first vote: %s after %lld ms\n",
	    rpc_status_name(sc.status), sc.took_ms);
	assert_int_equal(sc.status, GRPC_STATUS_UNAVAILABLE);
	assert_true(sc.took_ms >= ACK_TIMEOUT_MS - 100);
	assert_true(sc.took_ms <= ACK_TIMEOUT_MS + 2000);

	rpc_cq_free(cq);
	grpc_channel_destroy(ch);
	assert_int_equal(tg_server_stop(&srv, 15000), 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_queue_full_and_timeout),
	};
	int			rc;

	grpc_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	grpc_shutdown();
	return (rc);
}
