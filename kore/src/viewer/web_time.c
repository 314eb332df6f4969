/* SPDX-License-Identifier: ISC */
/*
 * The vote logs' accept times as text: ISO 8601 for /api/logs and the
 * page's datetime attribute, a date and a clock for the page's cells.
 * Out-of-range times (before 1970, beyond year 9999) and short buffers
 * give "?" rather than text of another shape, so callers never read
 * past what was written.
 */
#include <stdio.h>
#include <time.h>

#include "web_time.h"

static int	web_time_fail(char *, size_t);
static int	web_time_tm(int64_t, struct tm *);

int
web_time_iso(int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	int		n;

	if (web_time_tm(ms, &tm) == -1)
		return (web_time_fail(buf, len));
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	if (n < 0 || (size_t)n >= len)
		return (web_time_fail(buf, len));
	return (0);
}

int
web_time_split(int64_t ms, char *date, size_t datelen, char *clock,
    size_t clocklen)
{
	struct tm	tm;
	int		n, m;

	if (clocklen > 0)
		clock[0] = '\0';
	if (web_time_tm(ms, &tm) == -1)
		return (web_time_fail(date, datelen));
	n = snprintf(date, datelen, "%04d-%02d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
	m = snprintf(clock, clocklen, "%02d:%02d:%02d.%03d", tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	if (n < 0 || (size_t)n >= datelen || m < 0 || (size_t)m >= clocklen) {
		if (clocklen > 0)
			clock[0] = '\0';
		return (web_time_fail(date, datelen));
	}
	return (0);
}

/* The UTC calendar time of ms, if it has a four-digit year from 1970. */
static int
web_time_tm(int64_t ms, struct tm *tm)
{
	time_t	s;

	if (ms < 0 || ms > WEB_TIME_MAX_MS)
		return (-1);
	s = (time_t)(ms / 1000);
	if (gmtime_r(&s, tm) == NULL)
		return (-1);
	return (0);
}

static int
web_time_fail(char *buf, size_t len)
{
	if (len > 0)
		(void)snprintf(buf, len, "?");
	return (-1);
}
