/* SPDX-License-Identifier: ISC */
/*
 * Implements sink_lag.h: reads the sinks' reports in <prefix>:sinks and
 * tells how far the logs are behind the tallies. Pure functions: the
 * Redis reads and writes are the consumer's and the viewer's.
 */
#include <stdio.h>
#include <string.h>

#include "sink_lag.h"

static int	sink_lag_number(const char **, const char *, int64_t *);

int
sink_lag_parse(const char *field, size_t flen, const char *value,
    size_t vlen, struct sink_lag_report *r)
{
	const char	*colon, *p, *end;
	size_t		 n;

	memset(r, 0, sizeof(*r));
	if ((colon = memchr(field, ':', flen)) == NULL)
		return (-1);
	n = (size_t)(colon - field);
	if (n == 0 || n > SINK_LAG_NAME_MAX)
		return (-1);
	memcpy(r->sink, field, n);
	r->sink[n] = '\0';
	p = value;
	end = value + vlen;
	if (sink_lag_number(&p, end, &r->at_ms) == -1 ||
	    sink_lag_number(&p, end, &r->lag_ms) == -1 ||
	    sink_lag_number(&p, end, &r->newest_ms) == -1 || p != end)
		return (-1);
	return (0);
}

/* One decimal of 1 to 15 digits, then a space or the end. */
static int
sink_lag_number(const char **pp, const char *end, int64_t *out)
{
	const char	*p = *pp;
	int64_t		 v;
	int		 digits;

	v = 0;
	for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (digits == 15)
			return (-1);
		v = v * 10 + (*p - '0');
	}
	if (digits == 0)
		return (-1);
	if (p < end) {
		if (*p != ' ')
			return (-1);
		p++;
		if (p == end)
			return (-1);
	}
	*pp = p;
	*out = v;
	return (0);
}

int64_t
sink_lag_logs_behind(const struct sink_lag_report *r, size_t n,
    int64_t now_ms)
{
	int64_t	redis_lag, redis_newest, mongo_lag, mongo_newest, behind;
	size_t	i;
	int	redis_fresh, mongo_fresh, mongo_seen, fresh;

	redis_lag = mongo_lag = redis_newest = mongo_newest = 0;
	redis_fresh = mongo_fresh = mongo_seen = 0;
	for (i = 0; i < n; i++) {
		fresh = now_ms - r[i].at_ms <= SINK_LAG_FRESH_MS;
		if (strcmp(r[i].sink, "redis") == 0 && fresh) {
			redis_fresh = 1;
			if (r[i].lag_ms > redis_lag)
				redis_lag = r[i].lag_ms;
			if (r[i].newest_ms > redis_newest)
				redis_newest = r[i].newest_ms;
		} else if (strcmp(r[i].sink, "mongo") == 0) {
			mongo_seen = 1;
			if (r[i].newest_ms > mongo_newest)
				mongo_newest = r[i].newest_ms;
			if (fresh) {
				mongo_fresh = 1;
				if (r[i].lag_ms > mongo_lag)
					mongo_lag = r[i].lag_ms;
			}
		}
	}
	if (!redis_fresh || !mongo_seen)
		return (0);
	if (mongo_fresh)
		behind = mongo_lag - redis_lag;
	else
		behind = redis_newest - mongo_newest;
	return (behind > 0 ? behind : 0);
}

size_t
sink_lag_words(int64_t behind_ms, char *buf, size_t len)
{
	int64_t	s;
	int	n;

	if (len == 0)
		return (0);
	buf[0] = '\0';
	if (behind_ms < SINK_LAG_SHOW_MS)
		return (0);
	s = behind_ms / 1000;
	if (s < 120)
		n = snprintf(buf, len, "logs %lld s behind the tallies",
		    (long long)s);
	else if (s < 2 * 3600)
		n = snprintf(buf, len, "logs %lld min behind the tallies",
		    (long long)(s / 60));
	else
		n = snprintf(buf, len, "logs %lld h behind the tallies",
		    (long long)(s / 3600));
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return (0);
	}
	return ((size_t)n);
}
