/* SPDX-License-Identifier: ISC */
/*
 * marimba-grpc's producer against the real Kafka, with the default
 * sticky partitioner (MARIMBA_PRODUCER_STICKY_MS=10): a burst (one
 * CastStream) lands in one partition, or two if a window ends in it;
 * votes a window apart go round every partition in turn, so none
 * starves; each vote is on the topic exactly once, keyed by its id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <grpc/grpc.h>
#include <librdkafka/rdkafka.h>

#include "kafka_admin.h"
#include "test_grpc_util.h"

#define PARTS		3	/* of the fixture's topic */
#define N_BURST		60
#define N_APART		(3 * PARTS)
#define APART_MS	30	/* three windows of the default 10 ms */
#define CALL_MS		10000

static int
setup(void **state)
{
	static struct tg_fixture	f;

	if (tg_fixture_up(&f, "grpc-sticky", NULL) == -1)
		return (-1);
	*state = &f;
	return (0);
}

/* The high watermark of each partition of topic into hw[PARTS]. */
static void
marks(const char *topic, int64_t *hw)
{
	int64_t	*got;
	int	 n;

	assert_int_equal(kafka_topic_marks_at(TG_BROKERS, topic, 10000, &got,
	    &n), 0);
	assert_int_equal(n, PARTS);
	memcpy(hw, got, PARTS * sizeof(*hw));
	free(got);
}

static void
sleep_ms(int ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);
}

/* Every id is on the topic exactly once, as the key of its message. */
static void
assert_once(struct tg_fixture *f, char (*ids)[VOTE_ID_LEN + 1], size_t n)
{
	struct vote	*got;
	size_t		 ngot, i, j, seen;

	assert_int_equal(tg_topic_read(TG_BROKERS, f->topic, &got, &ngot), 0);
	for (i = 0; i < n; i++) {
		for (seen = 0, j = 0; j < ngot; j++)
			if (strcmp(got[j].id, ids[i]) == 0)
				seen++;
		assert_int_equal(seen, 1);
	}
	free(got);
}

static void
test_burst_and_spread(void **state)
{
	struct tg_fixture	*f = *state;
	struct vote		 votes[N_BURST];
	char			 ids[N_BURST + N_APART + 1][VOTE_ID_LEN + 1];
	char			 why[256];
	int64_t			 before[PARTS], after[PARTS], got;
	int			 i, used;

	/*
	 * One vote first: until the producer has the leaders, partitions
	 * join them one by one and may look unavailable for a moment.
	 */
	tg_vote(&votes[0], 0);
	assert_int_equal(tg_cast(f->ch, f->cq, &votes[0], ids[N_BURST +
	    N_APART], CALL_MS, why, sizeof(why)), GRPC_STATUS_OK);

	/* A burst: one CastStream's votes are produced at once. */
	marks(f->topic, before);
	for (i = 0; i < N_BURST; i++)
		tg_vote(&votes[i], i);
	assert_int_equal(tg_cast_stream(f->ch, f->cq, votes, N_BURST, ids,
	    CALL_MS, why, sizeof(why)), GRPC_STATUS_OK);
	marks(f->topic, after);
	for (used = 0, got = 0, i = 0; i < PARTS; i++) {
		if (after[i] > before[i])
			used++;
		got += after[i] - before[i];
	}
	assert_int_equal(got, N_BURST);
	/* By the key's hash, 60 votes would hit all 3 partitions. */
	assert_true(used >= 1 && used <= 2);

	/* A window apart, each vote goes to the next partition. */
	memcpy(before, after, sizeof(before));
	for (i = 0; i < N_APART; i++) {
		sleep_ms(APART_MS);
		tg_vote(&votes[0], 100 + i);
		assert_int_equal(tg_cast(f->ch, f->cq, &votes[0],
		    ids[N_BURST + i], CALL_MS, why, sizeof(why)),
		    GRPC_STATUS_OK);
	}
	marks(f->topic, after);
	for (i = 0; i < PARTS; i++)
		assert_int_equal(after[i] - before[i], N_APART / PARTS);

	assert_once(f, ids, N_BURST + N_APART + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_and_spread),
	};

	return (cmocka_run_group_tests(tests, setup, tg_fixture_teardown));
}
