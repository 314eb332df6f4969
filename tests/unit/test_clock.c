/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/clock.c: the wall clock is a plausible Unix time in
 * ms, the monotonic clock never goes back and counts a sleep, in ms and
 * in µs alike.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"

#define MS_2020		INT64_C(1577836800000)
#define MS_2200		INT64_C(7258118400000)

static void
test_wall_clock_is_unix_ms(void **state)
{
	int64_t	now, skew;

	(void)state;
	now = marimba_now_ms();
	assert_true(now > MS_2020);
	assert_true(now < MS_2200);
	skew = (int64_t)time(NULL) - now / 1000;
	assert_true(skew >= -1 && skew <= 1);
}

static void
test_monotonic_counts_a_sleep(void **state)
{
	struct timespec	ts = { 0, 30 * 1000000L };
	int64_t		t0, t1, u0, u1;

	(void)state;
	t0 = marimba_mono_ms();
	u0 = marimba_mono_us();
	assert_int_equal(nanosleep(&ts, NULL), 0);
	u1 = marimba_mono_us();
	t1 = marimba_mono_ms();
	assert_true(t0 > 0);
	assert_true(t1 - t0 >= 30);
	assert_true(u1 - u0 >= 30000);
	/* The same clock: µs / 1000 falls between the ms readings around it. */
	assert_true(u0 / 1000 >= t0);
	assert_true(u1 / 1000 <= t1);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_wall_clock_is_unix_ms),
		cmocka_unit_test(test_monotonic_counts_a_sleep),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
