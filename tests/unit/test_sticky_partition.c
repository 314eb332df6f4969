/* SPDX-License-Identifier: ISC */
/*
 * lib/sticky_partition.c: a window's messages go to one partition, the
 * next window to the next partition (every partition in turn), a
 * partition without a leader is skipped (or kept when none has one),
 * and a topic that shrank gets a partition in range.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sticky_partition.h"

#define WINDOW	10

/* Which partitions have a leader, for the availability callback. */
struct leaders {
	int	up[8];
	int	asked;
};

static int
leader_up(int32_t partition, void *arg)
{
	struct leaders	*l = arg;

	l->asked++;
	return (l->up[partition]);
}

static void
all_up(struct leaders *l)
{
	size_t	i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < sizeof(l->up) / sizeof(l->up[0]); i++)
		l->up[i] = 1;
}

static void
test_one_partition_per_window(void **state)
{
	struct sticky_partition	sp;
	struct leaders		l;
	int32_t			first;
	int64_t			t;

	(void)state;
	all_up(&l);
	assert_int_equal(sticky_partition_init(&sp, WINDOW), 0);
	/* The seed picks the first partition; other seeds don't move it. */
	first = sticky_partition_choose(&sp, 6, 1000, 4, leader_up, &l);
	assert_int_equal(first, 4);
	for (t = 1000; t < 1000 + WINDOW; t++)
		assert_int_equal(sticky_partition_choose(&sp, 6, t,
		    (uint32_t)t, leader_up, &l), first);
	/* The window is over: the next partition, for a window again. */
	assert_int_equal(sticky_partition_choose(&sp, 6, 1000 + WINDOW, 0,
	    leader_up, &l), 5);
	assert_int_equal(sticky_partition_choose(&sp, 6, 1000 + 2 * WINDOW - 1,
	    0, leader_up, &l), 5);
	assert_int_equal(sticky_partition_choose(&sp, 6, 1000 + 2 * WINDOW, 0,
	    leader_up, &l), 0);
	sticky_partition_destroy(&sp);
}

static void
test_every_partition_in_turn(void **state)
{
	struct sticky_partition	sp;
	struct leaders		l;
	int			seen[6];
	int32_t			p;
	int			i;

	(void)state;
	all_up(&l);
	memset(seen, 0, sizeof(seen));
	assert_int_equal(sticky_partition_init(&sp, WINDOW), 0);
	/* A message every 4 ms: three per window, each partition in turn. */
	for (i = 0; i < 18; i++) {
		p = sticky_partition_choose(&sp, 6, 5000 + 4 * i, 2,
		    leader_up, &l);
		assert_true(p >= 0 && p < 6);
		seen[p]++;
	}
	for (i = 0; i < 6; i++)
		assert_int_equal(seen[i], 3);
	/* An idle producer moves on with its next message. */
	assert_int_equal(sticky_partition_choose(&sp, 6, 900000, 0,
	    leader_up, &l), 2);
	sticky_partition_destroy(&sp);
}

static void
test_leaderless_partition_skipped(void **state)
{
	struct sticky_partition	sp;
	struct leaders		l;
	int64_t			t;

	(void)state;
	all_up(&l);
	assert_int_equal(sticky_partition_init(&sp, WINDOW), 0);
	assert_int_equal(sticky_partition_choose(&sp, 6, 0, 1, leader_up, &l),
	    1);
	/* Its leader goes away mid-window: the next one, for a window. */
	l.up[1] = 0;
	l.up[2] = 0;
	assert_int_equal(sticky_partition_choose(&sp, 6, 3, 1, leader_up, &l),
	    3);
	assert_int_equal(sticky_partition_choose(&sp, 6, 3 + WINDOW - 1, 1,
	    leader_up, &l), 3);
	/* Round robin over the ones with a leader only. */
	l.up[4] = 0;
	assert_int_equal(sticky_partition_choose(&sp, 6, 3 + WINDOW, 1,
	    leader_up, &l), 5);
	for (t = 3 + 2 * WINDOW; t < 3 + 10 * WINDOW; t += WINDOW)
		assert_true(l.up[sticky_partition_choose(&sp, 6, t, 1,
		    leader_up, &l)]);
	sticky_partition_destroy(&sp);
}

static void
test_no_leader_anywhere(void **state)
{
	struct sticky_partition	sp;
	struct leaders		l;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(sticky_partition_init(&sp, WINDOW), 0);
	/* Nothing to prefer: stay, in range; votes wait for a leader. */
	assert_int_equal(sticky_partition_choose(&sp, 3, 0, 7, leader_up, &l),
	    1);
	assert_int_equal(l.asked, 3);
	assert_int_equal(sticky_partition_choose(&sp, 3, 1, 7, leader_up, &l),
	    1);
	l.up[0] = 1;
	assert_int_equal(sticky_partition_choose(&sp, 3, 2, 7, leader_up, &l),
	    0);
	sticky_partition_destroy(&sp);
}

static void
test_topic_shrank(void **state)
{
	struct sticky_partition	sp;
	struct leaders		l;
	int32_t			p;

	(void)state;
	all_up(&l);
	assert_int_equal(sticky_partition_init(&sp, WINDOW), 0);
	assert_int_equal(sticky_partition_choose(&sp, 8, 0, 7, leader_up, &l),
	    7);
	p = sticky_partition_choose(&sp, 3, 1, 7, leader_up, &l);
	assert_true(p >= 0 && p < 3);
	assert_int_equal(sticky_partition_choose(&sp, 1, 2, 7, leader_up, &l),
	    0);
	sticky_partition_destroy(&sp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_partition_per_window),
		cmocka_unit_test(test_every_partition_in_turn),
		cmocka_unit_test(test_leaderless_partition_skipped),
		cmocka_unit_test(test_no_leader_anywhere),
		cmocka_unit_test(test_topic_shrank),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
