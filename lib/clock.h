/* SPDX-License-Identifier: ISC */
/*
 * The clocks of marimba, in milliseconds (monotonic also in
 * microseconds): wall time for what is stored or shown (vote ids,
 * received_at_ms), monotonic time for deadlines, durations and
 * latencies, which must not jump when the system clock is set.
 */
#ifndef MARIMBA_CLOCK_H
#define MARIMBA_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch (CLOCK_REALTIME); 0 on failure. */
int64_t		marimba_now_ms(void);

/* Milliseconds of CLOCK_MONOTONIC: for deadlines and durations only. */
int64_t		marimba_mono_ms(void);

/* Microseconds of CLOCK_MONOTONIC: for latencies and schedules. */
int64_t		marimba_mono_us(void);

#endif
