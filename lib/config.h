/* SPDX-License-Identifier: ISC */
/*
 * Process configuration: every setting comes from a MARIMBA_* environment
 * variable, with the defaults documented in conf/marimba.env.
 */
#ifndef MARIMBA_CONFIG_H
#define MARIMBA_CONFIG_H

#include <stddef.h>

/* Bounds of the gRPC server (producers/, docs/grpc.md). */
struct marimba_grpc_limits {
	int		max_streams;		/* open calls per connection */
	int		stream_timeout_ms;	/* until the half-close */
	int		keepalive_ms;		/* ping an idle connection */
	int		keepalive_timeout_ms;	/* for the ping's answer */
	int		idle_ms;		/* close an idle connection */
	int		max_age_ms;		/* close any connection, 0 no */
	int		age_grace_ms;		/* for its calls to finish */
	int		burst_votes;		/* a burst this big: sent now */
	int		burst_wait_ms;		/* for the burst's reports */
};

struct marimba_config {
	char		kafka_brokers[256];
	char		kafka_topic[128];
	char		kafka_dlq_topic[128];
	char		redis_host[128];
	int		redis_port;
	char		redis_password[256];	/* "" = no AUTH */
	char		mongo_uri[512];
	char		mongo_db[64];
	int		http_port;
	char		grpc_addr[128];
	size_t		max_body;
	size_t		max_batch;
	int		ack_timeout_ms;	/* message.timeout.ms */
	int		request_timeout_ms;	/* request.timeout.ms */
	int		queue_max;
	int		producer_linger_ms;	/* linger.ms */
	int		producer_sticky_ms;	/* on one partition; 0 = key */
	char		consumer_group[128];
	int		batch_max;
	int		dedupe_ttl_s;
	int		series_maxlen;
	char		heartbeat_file[256];	/* "" = none */
	char		redis_prefix[64];
	int		session_timeout_ms;
	char		consumer_sinks[64];	/* "redis,mongo", "all", ... */
	char		metrics_addr[64];
	int		metrics_port;		/* 0 = no /metrics */
	int		redis_linger_ms;	/* most wait to fill a batch */
	int		mongo_linger_ms;
	int		mongo_inflight;		/* insert_many at once, 1..4 */
	int		redis_inflight;		/* batches pipelined, 1..8 */
	struct marimba_grpc_limits grpc;
	char		grafana_url[512];	/* "" = no link */
	int		log_window;		/* logs per window, 0 = none */
	int		log_window_bands;	/* bands with a window */
	int		log_reads_max;		/* MongoDB log reads at once */
	int		log_read_timeout_ms;	/* a viewer's MongoDB read */
};

/*
 * Fills cfg from the environment. Returns 0, or -1 with a message in
 * err naming the variable that holds a bad value.
 */
int	marimba_config_load(struct marimba_config *, char *, size_t);

#endif
