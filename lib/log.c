/* SPDX-License-Identifier: ISC */
/*
 * Implements lib/log.h: timestamped, leveled lines on stderr, written with
 * one write(2) each so lines from several threads do not interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_names[] = { "debug", "info", "warn", "error" };
static const char	*log_program = "marimba";
static enum log_level	 log_threshold = LOG_LEVEL_INFO;

void
log_init(const char *program)
{
	const char	*lvl;
	size_t		 i;

	log_program = program;
	if ((lvl = getenv("MARIMBA_LOG_LEVEL")) == NULL)
		return;
	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcasecmp(lvl, log_names[i]) == 0)
			log_threshold = (enum log_level)i;
	}
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	struct timespec	ts;
	struct tm	tm;
	char		line[2048];
	va_list		ap;
	int		len, n;

	if (level < log_threshold)
		return;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	len = snprintf(line, sizeof(line),
	    "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s[%d]: ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, log_names[level],
	    log_program, (int)getpid());
	if (len < 0 || (size_t)len >= sizeof(line))
		return;

	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	len += n;
	if ((size_t)len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	(void)write(STDERR_FILENO, line, len);
}
