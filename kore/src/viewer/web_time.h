/* SPDX-License-Identifier: ISC */
/*
 * Times of the vote logs as text (web_time.c): pure functions, no Kore,
 * unit-tested in tests/unit/test_web_time.c. Every output is always a
 * terminated string of known shape, also for a hostile accepted_ms.
 */
#ifndef MARIMBA_KORE_VIEWER_WEB_TIME_H
#define MARIMBA_KORE_VIEWER_WEB_TIME_H

#include <stddef.h>
#include <stdint.h>

/* "2026-11-24T02:37:13.123Z", "2026-11-24" and "02:37:13.123", + NUL. */
#define WEB_TIME_ISO_LEN	25
#define WEB_TIME_DATE_LEN	11
#define WEB_TIME_CLOCK_LEN	13
/* The last millisecond with a four-digit year: 9999-12-31T23:59:59.999Z. */
#define WEB_TIME_MAX_MS		INT64_C(253402300799999)

/*
 * ms since the epoch as ISO 8601 in UTC. 0; -1 with "?" (cut to fit
 * len) when ms is before 1970, after WEB_TIME_MAX_MS or len too short.
 */
int	web_time_iso(int64_t, char *, size_t);
/*
 * The same time as a date and a clock for the page. 0; -1 with "?" and
 * "" when web_time_iso() would fail.
 */
int	web_time_split(int64_t, char *, size_t, char *, size_t);

#endif
