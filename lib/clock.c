/* SPDX-License-Identifier: ISC */
/*
 * marimba_now_ms(), marimba_mono_ms() and marimba_mono_us():
 * clock_gettime(2) in milliseconds or microseconds, the project's only
 * such clocks. Code that needs a struct timespec (a condition variable's
 * deadline, a log stamp) reads clock_gettime(2) itself.
 */
#include <time.h>

#include "clock.h"

static int64_t
clock_us(clockid_t id)
{
	struct timespec	ts;

	if (clock_gettime(id, &ts) == -1)
		return (0);

	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

int64_t
marimba_now_ms(void)
{
	return (clock_us(CLOCK_REALTIME) / 1000);
}

int64_t
marimba_mono_ms(void)
{
	return (clock_us(CLOCK_MONOTONIC) / 1000);
}

int64_t
marimba_mono_us(void)
{
	return (clock_us(CLOCK_MONOTONIC));
}
