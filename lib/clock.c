/* SPDX-License-Identifier: ISC */
/*
 * marimba_now_ms() and marimba_mono_ms(): clock_gettime(2) in
 * milliseconds, the project's only millisecond clocks. Code that needs
 * a struct timespec (a condition variable's deadline, a log stamp, a
 * microsecond histogram) reads clock_gettime(2) itself.
 */
#include <time.h>

#include "clock.h"

static int64_t
clock_ms(clockid_t id)
{
	struct timespec	ts;

	if (clock_gettime(id, &ts) == -1)
		return (0);

	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int64_t
marimba_now_ms(void)
{
	return (clock_ms(CLOCK_REALTIME));
}

int64_t
marimba_mono_ms(void)
{
	return (clock_ms(CLOCK_MONOTONIC));
}
