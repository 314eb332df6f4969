/* SPDX-License-Identifier: ISC */
/*
 * Shared helpers of the marimba-consumer integration tests: a private
 * topic, consumer group, Redis key prefix and Mongo database per test,
 * a producer of deterministic votes, the consumer binary as a child
 * process, and readers of what ended up in Kafka, Redis and MongoDB.
 */
#ifndef TEST_CONSUMER_HARNESS_H
#define TEST_CONSUMER_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <librdkafka/rdkafka.h>

#define CT_BANDS	5

struct ct_env {
	char		name[64];
	char		brokers[256];
	char		topic[128];
	char		dlq_topic[128];
	char		group[128];
	char		prefix[64];
	char		mongo_uri[512];
	char		mongo_db[64];
	char		redis_host[128];
	int		redis_port;
	int		partitions;
	rd_kafka_t	*producer;
	char		 mongo_port[16];	/* set: a private FerretDB */
	char		 log_path[256];	/* set: consumers' stderr goes here */
	char		(*ids)[27];	/* ids of the votes produced */
	size_t		 nids;
	pid_t		 pids[8];	/* consumers still running */
	char		 stack_dir[128];	/* a private service to stop */
	char		 stack_what[16];
	int		 stack_port;
	int		 heap;		/* from ct_env_new: cleanup frees */
};

/*
 * Names everything after name + pid + time and creates the topics. The
 * env is also the harness' current one, so that ct_teardown can clean up
 * after a failed assertion.
 */
struct ct_env	*ct_env_new(const char *, int);
/* The same into caller-owned storage (not freed by ct_env_cleanup). */
void		 ct_env_init(struct ct_env *, const char *, int);
/*
 * Kills its consumers, stops its private service, deletes the topics,
 * the Redis keys and the Mongo database; frees an env of ct_env_new.
 */
void		 ct_env_cleanup(struct ct_env *);
/* cmocka teardown: ct_env_cleanup of the current env, if any is left. */
int		 ct_teardown(void **);
/* Starts a private Redis or FerretDB that ct_env_cleanup will stop. */
void		 ct_env_private(struct ct_env *, const char *, const char *,
		    int);

/* Band, album and source of the i-th deterministic vote. */
const char	*ct_band(size_t);
const char	*ct_album(size_t);
const char	*ct_source(size_t);

/* Produces votes first..first+n-1 (acks=all, waits for every report). */
void		 ct_produce_votes(struct ct_env *, size_t, size_t);
/* Produces raw bytes to one partition. */
void		 ct_produce_raw(struct ct_env *, int32_t, const void *, size_t);

/*
 * Starts marimba-consumer with the env's settings (both sinks, no
 * /metrics) and NULL-ended extras: "VAR=val" (overrides those) or
 * "--flag" (command line).
 */
pid_t		 ct_consumer_start(struct ct_env *, const char *group, ...)
		    __attribute__((sentinel));
/*
 * The environment of a child process (marimba-consumer, marimba-audit):
 * environ without its MARIMBA_* settings, then NULL-ended extras
 * ("VAR=val", may be NULL), then the env's services, topics, group
 * (NULL: the env's), Redis prefix and Mongo database; vars is
 * NULL-ended, for execve(). ct_envp_add appends one more "VAR=val"
 * (CT_ENVP_ROOM settings in all). Failures end the test (ct_die).
 */
#define CT_ENVP_ROOM	32
struct ct_envp {
	char	**vars;
	size_t	  len;
	size_t	  cap;
};
struct ct_envp	*ct_envp_new(struct ct_env *, const char *,
		    const char *const *);
void		 ct_envp_add(struct ct_envp *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 ct_envp_free(struct ct_envp *);

/* Sends sig and waits up to timeout ms; returns the exit status or -1. */
int		 ct_consumer_stop(pid_t, int, int);

/* Redis readers on the env's prefix; -1 if the key is missing. */
long long	 ct_redis_get(struct ct_env *, const char *);
long long	 ct_redis_hget(struct ct_env *, const char *, const char *);
long long	 ct_redis_series_sum(struct ct_env *, const char *);
long long	 ct_redis_del_pattern(struct ct_env *, const char *);
/* Runs a command without arguments (e.g. "SCRIPT FLUSH"); 0 if OK. */
int		 ct_redis_simple(struct ct_env *, const char *);
/* Polls <prefix>:total until it equals want; returns the last value. */
long long	 ct_wait_total(struct ct_env *, long long, int);
long long	 ct_wait_series(struct ct_env *, long long, int);

/* Documents in <db>.logs, and how many of the produced votes' ids. */
long long	 ct_mongo_count(struct ct_env *);
long long	 ct_mongo_count_ids(struct ct_env *);
/* Polls the document count until it equals want; returns the last one. */
long long	 ct_wait_mongo_count(struct ct_env *, long long, int);

/*
 * Sum of the committed offsets of sink's group <group>-<sink> on the
 * topic (group NULL: the env's); -1 on error. ct_committed: the smaller
 * of the two sinks', what both stores have.
 */
long long	 ct_committed_sink(struct ct_env *, const char *, const char *);
long long	 ct_committed(struct ct_env *, const char *);
long long	 ct_wait_committed(struct ct_env *, const char *, long long,
		    int);
/* The same for one sink (NULL: both). */
long long	 ct_wait_committed_sink(struct ct_env *, const char *,
		    const char *, long long, int);


/* One message read back from a DLQ topic, with its headers. */
struct ct_dlq_record {
	void		*payload;
	size_t		 len;
	char		 reason[256];
	char		 src_topic[128];
	char		 src_partition[16];
	char		 src_offset[32];
	char		 origin[32];	/* the original "origin" header */
};

/* Reads partition 0 of topic from the start until want records or timeout. */
int		 ct_dlq_read(const char *, const char *, struct ct_dlq_record *,
		    int, int, int);
void		 ct_dlq_records_free(struct ct_dlq_record *, int);

/* A free TCP port on 127.0.0.1. */
int		 ct_free_port(void);
/* Runs scripts/stack up|down <what> with a private state dir and ports. */
int		 ct_stack(const char *, const char *, const char *, int);
/* GET path on 127.0.0.1:port (HTTP/1.0); the whole answer into buf. */
int		 ct_http_get(int, const char *, char *, size_t);
/* 1 if the file contains the text. */
int		 ct_file_has(const char *, const char *);

void		 ct_sleep_ms(int);
int64_t		 ct_now_ms(void);

#endif
