/* SPDX-License-Identifier: ISC */
/*
 * Implements sink_report.h: one hiredis connection per sink, the report
 * written by sink_report.lua (EVAL: a small script once a second, no
 * script cache to manage), the connection dropped on any failure and
 * tried again SINK_REPORT_RETRY_MS later.
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "redis_auth.h"
#include "sink_lag.h"
#include "sink_report.h"

extern const char	sink_report_lua[];

struct sink_report {
	redisContext	*ctx;
	char		 host[128];
	int		 port;
	char		 password[256];
	char		 key[128];	/* <prefix>:sinks */
	char		 sink[16];
	char		 field[128];	/* <sink>:<host>:<pid> */
	int64_t		 retry_ms;	/* no attempt before (monotonic) */
	int		 failing;	/* the last attempt failed */
};

static int	sink_report_connect(struct sink_report *, char *, size_t);
static void	sink_report_drop(struct sink_report *);

struct sink_report *
sink_report_new(const struct marimba_config *cfg, const char *sink)
{
	struct sink_report	*sr;
	char			 host[64];

	if ((sr = calloc(1, sizeof(*sr))) == NULL)
		return (NULL);
	(void)snprintf(sr->host, sizeof(sr->host), "%s", cfg->redis_host);
	sr->port = cfg->redis_port;
	(void)snprintf(sr->password, sizeof(sr->password), "%s",
	    cfg->redis_password);
	(void)snprintf(sr->key, sizeof(sr->key), "%s:%s", cfg->redis_prefix,
	    SINK_LAG_KEY);
	if (gethostname(host, sizeof(host)) == -1)
		(void)snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	(void)snprintf(sr->sink, sizeof(sr->sink), "%s", sink);
	(void)snprintf(sr->field, sizeof(sr->field), "%s:%s:%ld", sink, host,
	    (long)getpid());
	return (sr);
}

void
sink_report_free(struct sink_report *sr)
{
	if (sr == NULL)
		return;
	sink_report_drop(sr);
	free(sr);
}

void
sink_report_send(struct sink_report *sr, int64_t mono_ms, int64_t lag_ms,
    int64_t newest_ms)
{
	redisReply	*r;
	char		 err[512];
	int		 rc;

	if (mono_ms < sr->retry_ms)
		return;
	rc = -1;
	r = NULL;
	if (sink_report_connect(sr, err, sizeof(err)) == 0) {
		r = redisCommand(sr->ctx, "EVAL %s 1 %s %s %lld %lld %d",
		    sink_report_lua, sr->key, sr->field,
		    (long long)(lag_ms > 0 ? lag_ms : 0),
		    (long long)(newest_ms > 0 ? newest_ms : 0),
		    SINK_LAG_KEEP_MS);
		if (r == NULL)
			(void)snprintf(err, sizeof(err), "%s",
			    sr->ctx->errstr);
		else if (r->type == REDIS_REPLY_INTEGER)
			rc = 0;
		else
			(void)snprintf(err, sizeof(err), "%s",
			    r->type == REDIS_REPLY_ERROR ? r->str :
			    "unexpected reply");
	}
	if (r != NULL)
		freeReplyObject(r);
	if (rc == 0) {
		if (sr->failing)
			log_info("%s sink: lag report written again",
			    sr->sink);
		sr->failing = 0;
		return;
	}
	sink_report_drop(sr);
	sr->retry_ms = mono_ms + SINK_REPORT_RETRY_MS;
	if (!sr->failing)
		log_warn("%s sink: lag report not written to redis (%s); "
		    "retrying every %d ms", sr->sink, err,
		    SINK_REPORT_RETRY_MS);
	sr->failing = 1;
}

static int
sink_report_connect(struct sink_report *sr, char *err, size_t errlen)
{
	struct timeval	tv;

	if (sr->ctx != NULL)
		return (0);
	tv.tv_sec = SINK_REPORT_TIMEOUT_MS / 1000;
	tv.tv_usec = (SINK_REPORT_TIMEOUT_MS % 1000) * 1000;
	if ((sr->ctx = redisConnectWithTimeout(sr->host, sr->port, tv)) ==
	    NULL) {
		(void)snprintf(err, errlen, "cannot allocate a redis context");
		return (-1);
	}
	if (sr->ctx->err != 0) {
		(void)snprintf(err, errlen, "connect %s:%d: %s", sr->host,
		    sr->port, sr->ctx->errstr);
		sink_report_drop(sr);
		return (-1);
	}
	if (redisSetTimeout(sr->ctx, tv) != REDIS_OK) {
		(void)snprintf(err, errlen, "set timeout: %s",
		    sr->ctx->errstr);
		sink_report_drop(sr);
		return (-1);
	}
	if (marimba_redis_auth(sr->ctx, sr->password, err, errlen) == -1) {
		sink_report_drop(sr);
		return (-1);
	}
	return (0);
}

static void
sink_report_drop(struct sink_report *sr)
{
	if (sr->ctx != NULL)
		redisFree(sr->ctx);
	sr->ctx = NULL;
}
