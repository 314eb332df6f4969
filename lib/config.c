/* SPDX-License-Identifier: ISC */
/*
 * Loads struct marimba_config from MARIMBA_* environment variables.
 * The defaults here match conf/marimba.env.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static int	config_string(const char *, const char *, char *, size_t,
		    char *, size_t);
static int	config_long(const char *, long, long, long, long *,
		    char *, size_t);
static int	config_int(const char *, long, long, long, int *, char *,
		    size_t);
static int	config_grpc(struct marimba_grpc_limits *, char *, size_t);
static int	config_url(const char *, const char *, char *, size_t);

int
marimba_config_load(struct marimba_config *cfg, char *err, size_t errlen)
{
	long	v;

	memset(cfg, 0, sizeof(*cfg));

	if (config_string("MARIMBA_KAFKA_BROKERS", "127.0.0.1:9092",
	    cfg->kafka_brokers, sizeof(cfg->kafka_brokers), err, errlen) == -1)
		return (-1);
	if (config_string("MARIMBA_KAFKA_TOPIC", "votes",
	    cfg->kafka_topic, sizeof(cfg->kafka_topic), err, errlen) == -1)
		return (-1);
	if (config_string("MARIMBA_KAFKA_DLQ_TOPIC", "votes.dlq",
	    cfg->kafka_dlq_topic, sizeof(cfg->kafka_dlq_topic),
	    err, errlen) == -1)
		return (-1);
	if (config_string("MARIMBA_REDIS_HOST", "127.0.0.1",
	    cfg->redis_host, sizeof(cfg->redis_host), err, errlen) == -1)
		return (-1);
	if (config_long("MARIMBA_REDIS_PORT", 6379, 1, 65535, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->redis_port = (int)v;
	if (config_string("MARIMBA_REDIS_PASSWORD", "",
	    cfg->redis_password, sizeof(cfg->redis_password),
	    err, errlen) == -1)
		return (-1);
	if (config_string("MARIMBA_MONGO_URI",
	    "mongodb://127.0.0.1:27017/?appname=marimba",
	    cfg->mongo_uri, sizeof(cfg->mongo_uri), err, errlen) == -1)
		return (-1);
	if (config_string("MARIMBA_MONGO_DB", "marimba",
	    cfg->mongo_db, sizeof(cfg->mongo_db), err, errlen) == -1)
		return (-1);
	if (config_long("MARIMBA_HTTP_PORT", 8080, 1, 65535, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->http_port = (int)v;
	if (config_string("MARIMBA_GRPC_ADDR", "127.0.0.1:50051",
	    cfg->grpc_addr, sizeof(cfg->grpc_addr), err, errlen) == -1)
		return (-1);
	if (config_long("MARIMBA_MAX_BODY", 524288, 256, 64L * 1024 * 1024,
	    &v, err, errlen) == -1)
		return (-1);
	cfg->max_body = (size_t)v;
	if (config_long("MARIMBA_MAX_BATCH", 1000, 1, 100000, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->max_batch = (size_t)v;
	if (config_long("MARIMBA_ACK_TIMEOUT_MS", 20000, 100, 600000, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->ack_timeout_ms = (int)v;
	if (config_long("MARIMBA_REQUEST_TIMEOUT_MS", 5000, 100, 600000, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->request_timeout_ms = (int)v;
	if (config_long("MARIMBA_QUEUE_MAX", 100000, 1, 10000000, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->queue_max = (int)v;
	if (config_int("MARIMBA_PRODUCER_LINGER_MS", 1, 0, 1000,
	    &cfg->producer_linger_ms, err, errlen) == -1 ||
	    config_int("MARIMBA_PRODUCER_STICKY_MS", 10, 0, 60000,
	    &cfg->producer_sticky_ms, err, errlen) == -1)
		return (-1);
	if (config_string("MARIMBA_CONSUMER_GROUP", "marimba-consumer",
	    cfg->consumer_group, sizeof(cfg->consumer_group),
	    err, errlen) == -1)
		return (-1);
	if (config_long("MARIMBA_BATCH_MAX", 500, 1, 100000, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->batch_max = (int)v;
	if (config_long("MARIMBA_DEDUPE_TTL_S", 604800, 60, INT_MAX, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->dedupe_ttl_s = (int)v;
	if (config_long("MARIMBA_SERIES_MAXLEN", 86400, 10, INT_MAX, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->series_maxlen = (int)v;
	if (config_string("MARIMBA_HEARTBEAT_FILE", "",
	    cfg->heartbeat_file, sizeof(cfg->heartbeat_file),
	    err, errlen) == -1)
		return (-1);
	if (config_string("MARIMBA_REDIS_PREFIX", "marimba",
	    cfg->redis_prefix, sizeof(cfg->redis_prefix), err, errlen) == -1)
		return (-1);
	if (config_long("MARIMBA_SESSION_TIMEOUT_MS", 45000, 1000, 3600000,
	    &v, err, errlen) == -1)
		return (-1);
	cfg->session_timeout_ms = (int)v;
	if (config_string("MARIMBA_CONSUMER_SINKS", "redis,mongo",
	    cfg->consumer_sinks, sizeof(cfg->consumer_sinks),
	    err, errlen) == -1)
		return (-1);
	if (config_string("MARIMBA_CONSUMER_METRICS_ADDR", "127.0.0.1",
	    cfg->metrics_addr, sizeof(cfg->metrics_addr), err, errlen) == -1)
		return (-1);
	if (config_long("MARIMBA_CONSUMER_METRICS_PORT", 9464, 0, 65535, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->metrics_port = (int)v;
	if (config_long("MARIMBA_REDIS_LINGER_MS", 0, 0, 10000, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->redis_linger_ms = (int)v;
	if (config_long("MARIMBA_MONGO_LINGER_MS", 50, 0, 10000, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->mongo_linger_ms = (int)v;
	if (config_long("MARIMBA_MONGO_INFLIGHT", 2, 1, 4, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->mongo_inflight = (int)v;
	if (config_long("MARIMBA_REDIS_INFLIGHT", 3, 1, 8, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->redis_inflight = (int)v;
	if (config_long("MARIMBA_LOG_WINDOW", 10000, 0, 1000000, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->log_window = (int)v;
	if (config_long("MARIMBA_LOG_WINDOW_BANDS", 100, 0, 10000, &v,
	    err, errlen) == -1)
		return (-1);
	cfg->log_window_bands = (int)v;
	if (config_int("MARIMBA_LOG_READS_MAX", 4, 1, 256,
	    &cfg->log_reads_max, err, errlen) == -1 ||
	    config_int("MARIMBA_LOG_READ_TIMEOUT_MS", 2000, 500, 60000,
	    &cfg->log_read_timeout_ms, err, errlen) == -1)
		return (-1);
	if (config_grpc(&cfg->grpc, err, errlen) == -1)
		return (-1);
	if (config_string("MARIMBA_GRAFANA_URL", "", cfg->grafana_url,
	    sizeof(cfg->grafana_url), err, errlen) == -1 ||
	    config_url("MARIMBA_GRAFANA_URL", cfg->grafana_url, err,
	    errlen) == -1)
		return (-1);

	return (0);
}

static int
config_grpc(struct marimba_grpc_limits *g, char *err, size_t errlen)
{
	if (config_int("MARIMBA_GRPC_MAX_STREAMS", 100, 1, 100000,
	    &g->max_streams, err, errlen) == -1 ||
	    config_int("MARIMBA_GRPC_STREAM_TIMEOUT_MS", 30000, 100, 3600000,
	    &g->stream_timeout_ms, err, errlen) == -1 ||
	    config_int("MARIMBA_GRPC_KEEPALIVE_MS", 60000, 1000, 86400000,
	    &g->keepalive_ms, err, errlen) == -1 ||
	    config_int("MARIMBA_GRPC_KEEPALIVE_TIMEOUT_MS", 20000, 100,
	    3600000, &g->keepalive_timeout_ms, err, errlen) == -1 ||
	    config_int("MARIMBA_GRPC_IDLE_MS", 300000, 100, 86400000,
	    &g->idle_ms, err, errlen) == -1 ||
	    config_int("MARIMBA_GRPC_MAX_AGE_MS", 1800000, 0, 86400000,
	    &g->max_age_ms, err, errlen) == -1 ||
	    config_int("MARIMBA_GRPC_AGE_GRACE_MS", 30000, 0, 3600000,
	    &g->age_grace_ms, err, errlen) == -1 ||
	    config_int("MARIMBA_GRPC_BURST_VOTES", 4, 0, 1000000,
	    &g->burst_votes, err, errlen) == -1 ||
	    config_int("MARIMBA_GRPC_BURST_WAIT_MS", 5, 1, 1000,
	    &g->burst_wait_ms, err, errlen) == -1)
		return (-1);
	return (0);
}

/* "" or an http(s) URL without spaces or control characters. */
static int
config_url(const char *name, const char *url, char *err, size_t errlen)
{
	const unsigned char	*p;

	if (*url == '\0')
		return (0);
	if (strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0) {
		snprintf(err, errlen, "%s: not an http:// or https:// URL",
		    name);
		return (-1);
	}
	for (p = (const unsigned char *)url; *p != '\0'; p++) {
		if (*p <= ' ' || *p == 0x7f) {
			snprintf(err, errlen, "%s: space or control character "
			    "in the URL", name);
			return (-1);
		}
	}
	return (0);
}

static int
config_string(const char *name, const char *def, char *dst, size_t dstlen,
    char *err, size_t errlen)
{
	const char	*val;
	size_t		 len;

	if ((val = getenv(name)) == NULL || *val == '\0')
		val = def;
	len = strlen(val);
	if (len >= dstlen) {
		snprintf(err, errlen, "%s: value longer than %zu bytes",
		    name, dstlen - 1);
		return (-1);
	}
	memcpy(dst, val, len + 1);
	return (0);
}

static int
config_long(const char *name, long def, long min, long max, long *out,
    char *err, size_t errlen)
{
	const char	*val;
	char		*end;
	long		 v;

	if ((val = getenv(name)) == NULL || *val == '\0') {
		*out = def;
		return (0);
	}
	errno = 0;
	v = strtol(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || v < min || v > max) {
		snprintf(err, errlen, "%s: '%s' is not an integer in %ld..%ld",
		    name, val, min, max);
		return (-1);
	}
	*out = v;
	return (0);
}

static int
config_int(const char *name, long def, long min, long max, int *out,
    char *err, size_t errlen)
{
	long	v;

	if (config_long(name, def, min, max, &v, err, errlen) == -1)
		return (-1);
	*out = (int)v;
	return (0);
}
