/* SPDX-License-Identifier: ISC */
/*
 * marimba-grpc sends a burst of votes at once (MARIMBA_GRPC_BURST_VOTES,
 * producers/server_burst.c) rather than leave it to wait out linger.ms,
 * here 800 ms. With bursts of one vote sent: Casts and a CastStream are
 * acknowledged well within it, each vote on the real Kafka's topic
 * exactly once, and 32 callers at once (calls parked while a burst is in
 * flight, then sent as the next) have every accepted vote on the topic
 * exactly once. With the default of 4: a lone Cast waits out linger.ms, a
 * CastStream of 50 does not. Off: the CastStream waits too.
 */
#include <setjmp.h>
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

#include "clock.h"
#include "test_grpc_util.h"

#define LINGER_MS	800
#define FAST_MS		(LINGER_MS / 2)	/* sent at once: well within it */
#define N_CASTS		5
#define N_STREAM	50
#define CALL_MS		10000
#define N_LOAD		3000	/* votes of the 32 callers */

static const char *every_vote[] = { "MARIMBA_PRODUCER_LINGER_MS=800",
    "MARIMBA_GRPC_BURST_VOTES=1", NULL };
static const char *by_default[] = { "MARIMBA_PRODUCER_LINGER_MS=800",
    NULL };
static const char *burst_off[] = { "MARIMBA_PRODUCER_LINGER_MS=800",
    "MARIMBA_GRPC_BURST_VOTES=0", NULL };

static struct tg_fixture	fixture;	/* one test's at a time */

static int
setup_with(void **state, const char *prefix, const char **extra)
{
	if (tg_fixture_up(&fixture, prefix, extra) == -1)
		return (-1);
	*state = &fixture;
	return (0);
}

static int
setup_every_vote(void **state)
{
	return (setup_with(state, "grpc-burst", every_vote));
}

static int
setup_default(void **state)
{
	return (setup_with(state, "grpc-burst-default", by_default));
}

static int
setup_off(void **state)
{
	return (setup_with(state, "grpc-burst-off", burst_off));
}

/* A CastStream of N_STREAM votes from vote first: its time in ms. */
static int64_t
timed_stream(struct tg_fixture *f, int first,
    char (*ids)[VOTE_ID_LEN + 1])
{
	struct vote	votes[N_STREAM];
	char		why[256];
	int64_t		t0;
	int		i;

	for (i = 0; i < N_STREAM; i++)
		tg_vote(&votes[i], first + i);
	t0 = marimba_mono_ms();
	assert_int_equal(tg_cast_stream(f->ch, f->cq, votes, N_STREAM, ids,
	    CALL_MS, why, sizeof(why)), GRPC_STATUS_OK);
	return (marimba_mono_ms() - t0);
}

/* One Cast of vote i: its time in ms, the id into id. */
static int64_t
timed_cast(struct tg_fixture *f, int i, char *id)
{
	struct vote	v;
	char		why[256];
	int64_t		t0;

	tg_vote(&v, i);
	t0 = marimba_mono_ms();
	assert_int_equal(tg_cast(f->ch, f->cq, &v, id, CALL_MS, why,
	    sizeof(why)), GRPC_STATUS_OK);
	return (marimba_mono_ms() - t0);
}

static void
test_burst_sent_now(void **state)
{
	struct tg_fixture	*f = *state;
	char			 ids[N_CASTS + N_STREAM][VOTE_ID_LEN + 1];
	int64_t			 took;
	long			 before;
	int			 i;

	/* The first vote may wait for the topic's leaders. */
	(void)timed_cast(f, 0, ids[0]);
	before = tg_topic_count(TG_BROKERS, f->topic);
	assert_int_equal(before, 1);

	for (i = 0; i < N_CASTS; i++) {
		took = timed_cast(f, i + 1, ids[i]);
		print_message("Cast %d: %lld ms\n", i + 1, (long long)took);
		assert_true(took < FAST_MS);
	}
	took = timed_stream(f, 100, &ids[N_CASTS]);
	print_message("CastStream of %d: %lld ms\n", N_STREAM,
	    (long long)took);
	assert_true(took < FAST_MS);
	assert_int_equal(tg_topic_count(TG_BROKERS, f->topic),
	    before + N_CASTS + N_STREAM);
}

/* marimba-vote's 32 callers: every accepted id is on the topic once. */
static void
test_parked_calls(void **state)
{
	struct tg_fixture	*f = *state;
	struct vote		*got;
	char			 dir[] = "/tmp/tg-burst-XXXXXX", ids[64];
	char			 line[64], count[16], id[VOTE_ID_LEN + 1];
	size_t			 ngot, i, nids, seen;
	long			 before;
	pid_t			 client;
	FILE			*fp;
	int			 st;

	(void)timed_cast(f, 0, id);
	before = tg_topic_count(TG_BROKERS, f->topic);
	assert_non_null(mkdtemp(dir));
	(void)snprintf(ids, sizeof(ids), "%s/ids.txt", dir);
	(void)snprintf(count, sizeof(count), "%d", N_LOAD);
	client = fork();
	assert_true(client != -1);
	if (client == 0) {
		execl(MARIMBA_VOTE_BIN, "marimba-vote", "--addr", f->srv.addr,
		    "--file", MARIMBA_SOURCE_DIR "/locust/data.json", "--count",
		    count, "--concurrency", "32", "--timeout", "10000", "--ids",
		    ids, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(client, &st, 0), client);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);	/* all accepted */

	assert_int_equal(tg_topic_count(TG_BROKERS, f->topic),
	    before + N_LOAD);
	assert_int_equal(tg_topic_read(TG_BROKERS, f->topic, &got, &ngot),
	    0);
	assert_non_null(fp = fopen(ids, "r"));
	nids = 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		nids++;
		for (seen = 0, i = 0; i < ngot; i++)
			if (strcmp(got[i].id, line) == 0)
				seen++;
		assert_int_equal(seen, 1);
	}
	fclose(fp);
	assert_int_equal(nids, N_LOAD);
	free(got);
	(void)unlink(ids);
	(void)rmdir(dir);
}

static void
test_default_threshold(void **state)
{
	struct tg_fixture	*f = *state;
	char			 ids[N_STREAM][VOTE_ID_LEN + 1];
	int64_t			 took;

	(void)timed_cast(f, 0, ids[0]);
	took = timed_cast(f, 1, ids[0]);
	print_message("Cast, a burst of 1 < 4: %lld ms\n", (long long)took);
	assert_true(took >= LINGER_MS - 100);
	took = timed_stream(f, 100, ids);
	print_message("CastStream of %d: %lld ms\n", N_STREAM,
	    (long long)took);
	assert_true(took < FAST_MS);
	assert_int_equal(tg_topic_count(TG_BROKERS, f->topic), 2 + N_STREAM);
}

static void
test_burst_off_lingers(void **state)
{
	struct tg_fixture	*f = *state;
	char			 ids[N_STREAM][VOTE_ID_LEN + 1];
	int64_t			 took;

	(void)timed_cast(f, 0, ids[0]);
	took = timed_stream(f, 100, ids);
	print_message("CastStream of %d, bursts off: %lld ms\n", N_STREAM,
	    (long long)took);
	assert_true(took >= LINGER_MS - 100);
	assert_int_equal(tg_topic_count(TG_BROKERS, f->topic), 1 + N_STREAM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_burst_sent_now,
		    setup_every_vote, tg_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_parked_calls,
		    setup_every_vote, tg_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_default_threshold,
		    setup_default, tg_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_burst_off_lingers,
		    setup_off, tg_fixture_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
