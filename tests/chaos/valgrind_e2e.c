/* SPDX-License-Identifier: ISC */
/*
 * Valgrind memcheck on a short end-to-end run: marimba-grpc and
 * marimba-consumer run under valgrind (the harness starts them through
 * wrapper scripts CMake writes, see CMakeLists.txt), marimba-vote casts
 * 40 unary votes and 40 in streams (also under valgrind), the votes must
 * reach Redis and MongoDB, then both servers get SIGTERM. Any memcheck
 * error or definite/indirect leak makes valgrind exit 99, which fails the
 * test; its reports are in the build tree (tests/chaos/valgrind/).
 * Uses the shared services of scripts/stack with names of its own.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <grpc/grpc.h>
#include <mongoc/mongoc.h>

#include "test_consumer_harness.h"
#include "test_grpc_util.h"

#define VG_UNARY	40
#define VG_STREAMED	40
#define VG_TOTAL	(VG_UNARY + VG_STREAMED)

static int	vg_vote(const char *, const char *);
static int	vg_wait_logged(struct ct_env *, long long, int);
static void	vg_quiet(mongoc_log_level_t, const char *, const char *,
		    void *);

int
main(void)
{
	struct ct_env		 e;
	struct tg_server	 grpc;
	const char		*extra[] = { "MARIMBA_LOG_LEVEL=warn",
	    /* Its shutdown allowance is ack timeout + 2 s: valgrind is slow. */
	    "MARIMBA_ACK_TIMEOUT_MS=20000", NULL };
	char			 args[256];
	long long		 total, logged;
	pid_t			 consumer;
	int			 ok, st;

	setvbuf(stdout, NULL, _IOLBF, 0);
	mongoc_init();
	mongoc_log_set_handler(vg_quiet, NULL);
	grpc_init();
	ok = 1;

	ct_env_init(&e, "valgrind", 3);
	consumer = ct_consumer_start(&e, NULL, "MARIMBA_LOG_LEVEL=warn", NULL);
	if (tg_server_start(&grpc, e.brokers, e.topic, extra) == -1) {
		printf("valgrind: marimba-grpc under valgrind did not start\n");
		(void)ct_consumer_stop(consumer, SIGTERM, 60000);
		ct_env_cleanup(&e);
		return (1);
	}
	printf("valgrind: marimba-grpc on %s, consumer pid %d, topic %s\n",
	    grpc.addr, (int)consumer, e.topic);

	(void)snprintf(args, sizeof(args), "--addr %s --count %d "
	    "--concurrency 2 --timeout 30000", grpc.addr, VG_UNARY);
	if ((st = vg_vote(args, "unary")) != 0)
		ok = 0;
	(void)snprintf(args, sizeof(args), "--addr %s --count %d --stream 10 "
	    "--concurrency 2 --timeout 30000", grpc.addr, VG_STREAMED);
	if ((st = vg_vote(args, "streams")) != 0)
		ok = 0;

	total = ct_wait_total(&e, VG_TOTAL, 90000);
	logged = vg_wait_logged(&e, VG_TOTAL, 30000);
	printf("valgrind: counted %lld, logged %lld (want %d each)\n", total,
	    logged, VG_TOTAL);
	if (total != VG_TOTAL || logged != VG_TOTAL)
		ok = 0;

	st = tg_server_stop(&grpc, 90000);
	printf("valgrind: marimba-grpc exited with %d\n", st);
	if (st != 0)
		ok = 0;
	st = ct_consumer_stop(consumer, SIGTERM, 90000);
	printf("valgrind: marimba-consumer exited with %d\n", st);
	if (st != 0)
		ok = 0;

	ct_env_cleanup(&e);
	grpc_shutdown();
	mongoc_cleanup();
	if (!ok)
		printf("valgrind: FAIL (exit 99 = memcheck errors or leaks; "
		    "reports in %s)\n", MARIMBA_VALGRIND_LOGS);
	else
		printf("valgrind: PASS\n");
	return (ok ? 0 : 1);
}

/* Runs marimba-vote under valgrind; its exit status. */
static int
vg_vote(const char *args, const char *what)
{
	char	cmd[1024];
	int	st;

	(void)snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s",
	    MARIMBA_SOURCE_DIR, MARIMBA_VOTE_BIN, args);
	st = system(cmd);
	st = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	printf("valgrind: marimba-vote (%s) exited with %d\n", what, st);
	return (st);
}

static int
vg_wait_logged(struct ct_env *e, long long want, int ms)
{
	long long	n;
	int64_t		deadline;

	deadline = ct_now_ms() + ms;
	do {
		if ((n = ct_mongo_count(e)) == want)
			break;
		ct_sleep_ms(250);
	} while (ct_now_ms() < deadline);
	return ((int)n);
}

/* FerretDB has no endSessions: the driver's warning is noise here. */
static void
vg_quiet(mongoc_log_level_t level, const char *domain, const char *message,
    void *arg)
{
	(void)arg;
	if (level <= MONGOC_LOG_LEVEL_ERROR)
		fprintf(stderr, "mongoc: %s: %s\n", domain, message);
}
