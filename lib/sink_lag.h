/* SPDX-License-Identifier: ISC */
/*
 * The sinks' lag as the consumer reports it in Redis for the log viewer
 * (docs/redis-keys.md, <prefix>:sinks): every sink process writes once a
 * second a field "<sink>:<host>:<pid>" = "<at_ms> <lag_ms> <newest_ms>"
 * (at_ms: Redis's clock; lag_ms: the age of the oldest vote its store
 * lacks; newest_ms: the Kafka time of the newest vote it stored), and
 * the viewer tells from them how far the logs are behind the tallies.
 */
#ifndef MARIMBA_SINK_LAG_H
#define MARIMBA_SINK_LAG_H

#include <stddef.h>
#include <stdint.h>

#define SINK_LAG_KEY		"sinks"	/* <prefix>:sinks, a hash */
#define SINK_LAG_NAME_MAX	15
#define SINK_LAG_FRESH_MS	5000	/* a report this old is a live sink's */
#define SINK_LAG_KEEP_MS	60000	/* older ones of a sink are removed */
#define SINK_LAG_SHOW_MS	2000	/* the page says "behind" from here */
#define SINK_LAG_WORDS_MAX	48

/* One sink process's last report. */
struct sink_lag_report {
	char	sink[SINK_LAG_NAME_MAX + 1];	/* "redis", "mongo" */
	int64_t	at_ms;
	int64_t	lag_ms;
	int64_t	newest_ms;
};

/*
 * A field and its value (not NUL-terminated) as a report; -1 when they
 * are not one (never written by a sink: left out by the reader).
 */
int	sink_lag_parse(const char *, size_t, const char *, size_t,
	    struct sink_lag_report *);

/*
 * How far the logs are behind the tallies at now_ms (Redis's clock), in
 * ms, from n reports; 0 when they are not, or it cannot be told:
 *  - a redis and a mongo sink report (fresh): the mongo sinks' largest
 *    lag minus the redis sinks' largest lag;
 *  - no mongo sink reports any more (all stopped, killed or hung) but
 *    one did: the newest vote the redis sinks counted minus the newest
 *    the mongo sinks had logged by then;
 *  - no fresh report of a redis sink, or none ever of a mongo sink: 0.
 */
int64_t	sink_lag_logs_behind(const struct sink_lag_report *, size_t,
	    int64_t);

/*
 * "logs 12 s behind the tallies" (or "... 3 min ...", "... 2 h ...")
 * into buf when behind_ms reaches SINK_LAG_SHOW_MS; its length, 0 (buf
 * empty) below that.
 */
size_t	sink_lag_words(int64_t, char *, size_t);

#endif
