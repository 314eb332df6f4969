/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kore/src/viewer/read_slots.c, the cap on MongoDB log
 * reads across Kore workers: no more than the cap are held, a give
 * frees exactly the lease taken (not one taken again after a reclaim),
 * a stale lease is taken over, a worker restarted under the same id
 * frees what its dead predecessor held, and the slots are shared by
 * forked processes (the workers) and survive a holder's death until
 * claimed.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "read_slots.h"

#define T0	1000000LL	/* a clock reading, ms */

static void
test_cap(void **state)
{
	struct read_slots	*rs;
	struct read_slot	 s[4], extra;
	char			 err[128];
	int			 i;

	(void)state;
	assert_null(read_slots_new(0, err, sizeof(err)));
	assert_null(read_slots_new(READ_SLOTS_MAX + 1, err, sizeof(err)));
	assert_non_null(rs = read_slots_new(3, err, sizeof(err)));
	for (i = 0; i < 3; i++) {
		assert_false(read_slots_are_full_at(rs, T0));
		assert_int_equal(read_slots_take_at(rs, 100, T0, &s[i]), 1);
	}
	assert_int_equal(read_slots_held(rs), 3);
	assert_true(read_slots_are_full_at(rs, T0));
	assert_int_equal(read_slots_take_at(rs, 101, T0 + 1, &extra), 0);
	assert_int_equal(read_slots_refused(rs), 1);

	read_slots_give(rs, &s[1]);
	assert_int_equal(read_slots_held(rs), 2);
	assert_false(read_slots_are_full_at(rs, T0));
	assert_int_equal(read_slots_take_at(rs, 101, T0 + 2, &s[3]), 1);
	assert_int_equal(s[3].index, 1);
	/* A second give of the same lease frees nothing. */
	read_slots_give(rs, &s[1]);
	assert_int_equal(read_slots_held(rs), 3);
	for (i = 0; i < 4; i++)
		if (i != 1)
			read_slots_give(rs, &s[i]);
	assert_int_equal(read_slots_held(rs), 0);
}

static void
test_stale_lease(void **state)
{
	struct read_slots	*rs;
	struct read_slot	 old, fresh;
	char			 err[128];

	(void)state;
	assert_non_null(rs = read_slots_new(1, err, sizeof(err)));
	assert_int_equal(read_slots_take_at(rs, 200, T0, &old), 1);
	assert_int_equal(read_slots_take_at(rs, 201,
	    T0 + READ_SLOTS_LEASE_MS, &fresh), 0);
	assert_true(read_slots_are_full_at(rs, T0 + READ_SLOTS_LEASE_MS));
	/* Past the lease: free for the hint, taken over by the next. */
	assert_false(read_slots_are_full_at(rs,
	    T0 + READ_SLOTS_LEASE_MS + 1));
	assert_int_equal(read_slots_take_at(rs, 201,
	    T0 + READ_SLOTS_LEASE_MS + 1, &fresh), 1);
	assert_int_equal(fresh.index, old.index);
	/* The late give of the old lease leaves the new one alone. */
	read_slots_give(rs, &old);
	assert_int_equal(read_slots_held(rs), 1);
	read_slots_give(rs, &fresh);
	assert_int_equal(read_slots_held(rs), 0);
}

static void
test_claim(void **state)
{
	struct read_slots	*rs;
	struct read_slot	 a, b, c;
	char			 err[128];

	(void)state;
	assert_non_null(rs = read_slots_new(3, err, sizeof(err)));
	read_slots_claim(rs, 2, 300);
	read_slots_claim(rs, 3, 400);
	assert_int_equal(read_slots_take_at(rs, 300, T0, &a), 1);
	assert_int_equal(read_slots_take_at(rs, 300, T0, &b), 1);
	assert_int_equal(read_slots_take_at(rs, 400, T0, &c), 1);
	/* The same process again: nothing freed. */
	read_slots_claim(rs, 2, 300);
	assert_int_equal(read_slots_held(rs), 3);
	/* Worker 2 restarted as pid 301: its predecessor's two slots. */
	read_slots_claim(rs, 2, 301);
	assert_int_equal(read_slots_held(rs), 1);
	/* Ids beyond the table are ignored (the lease covers them). */
	read_slots_claim(rs, READ_SLOTS_OWNERS, 1);
	read_slots_claim(rs, -1, 1);
	assert_int_equal(read_slots_held(rs), 1);
	read_slots_give(rs, &c);
	assert_int_equal(read_slots_held(rs), 0);
}

/* Two children take slots; one dies holding its own. */
static void
test_shared_across_processes(void **state)
{
	struct read_slots	*rs;
	struct read_slot	 s;
	char			 err[128];
	pid_t			 kid[2];
	int			 i, st;

	(void)state;
	assert_non_null(rs = read_slots_new(2, err, sizeof(err)));
	read_slots_claim(rs, 2, getpid());
	for (i = 0; i < 2; i++) {
		assert_true((kid[i] = fork()) != -1);
		if (kid[i] == 0) {
			read_slots_claim(rs, 3 + i, getpid());
			_exit(read_slots_take(rs, &s) ? 0 : 1);
		}
		assert_int_equal(waitpid(kid[i], &st, 0), kid[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* Both held by dead processes: this one is refused. */
	assert_int_equal(read_slots_held(rs), 2);
	assert_true(read_slots_are_full(rs));
	assert_int_equal(read_slots_take(rs, &s), 0);
	/* Worker 3 restarts: the first child's slot comes back. */
	read_slots_claim(rs, 3, getpid() + 100000);
	assert_int_equal(read_slots_held(rs), 1);
	assert_int_equal(read_slots_take(rs, &s), 1);
	assert_int_equal(read_slots_refused(rs), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_stale_lease),
		cmocka_unit_test(test_claim),
		cmocka_unit_test(test_shared_across_processes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
