/* SPDX-License-Identifier: ISC */
/*
 * A sink's lag, reported once a second into Redis (<prefix>:sinks,
 * lib/sink_lag.h) for the log viewer's "logs N s behind the tallies".
 * Best effort on a connection of its own with short timeouts: a Redis
 * that is down or hung costs the sink at most one short wait every
 * SINK_REPORT_RETRY_MS, never a batch.
 */
#ifndef MARIMBA_CONSUMER_SINK_REPORT_H
#define MARIMBA_CONSUMER_SINK_REPORT_H

#include <stdint.h>

#include "config.h"

#define SINK_REPORT_TIMEOUT_MS	250	/* connect, and each read or write */
#define SINK_REPORT_RETRY_MS	5000	/* after a failure */

struct sink_report;

/* For the sink named sink; NULL on ENOMEM. Never connects. */
struct sink_report	*sink_report_new(const struct marimba_config *,
			    const char *);
void			 sink_report_free(struct sink_report *);

/*
 * Writes lag_ms and newest_ms (see sink_lag.h) unless the last failure
 * is less than SINK_REPORT_RETRY_MS old (mono_ms: marimba_mono_ms()).
 * A failure is logged once (and the recovery), nothing else is done:
 * the report is for the page, the sink's work goes on either way.
 */
void	sink_report_send(struct sink_report *, int64_t, int64_t, int64_t);

#endif
