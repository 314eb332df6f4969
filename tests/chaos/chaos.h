/* SPDX-License-Identifier: ISC */
/*
 * The chaos test's shared state: a private Kafka, Redis and FerretDB
 * (scripts/stack in its own state dir, on free ports), the pipeline's
 * processes on top of them, and the vote load with the ids it got back.
 */
#ifndef MARIMBA_CHAOS_H
#define MARIMBA_CHAOS_H

#include <stdio.h>
#include <sys/types.h>

#include "loadgen.h"
#include "test_consumer_harness.h"
#include "test_grpc_util.h"
#include "test_rest_support.h"

struct chaos {
	char		 dir[128];	/* state dir, relative to the source */
	char		 path[200];	/* the same, absolute */
	int		 kafka_port;
	int		 kafka_cport;
	int		 redis_port;
	int		 mongo_port;
	int		 stack_up;
	int		 keep;		/* leave the state dir for a look */
	char		 brokers[64];
	char		 mongo_uri[128];
	int64_t		 t0_ms;

	struct ct_env	 env;		/* topic, group, prefix, db */
	int		 env_up;
	pid_t		 consumer;	/* both sinks (chaos_brokers) */
	pid_t		 redis_sink;	/* marimba-consumer --sink=redis */
	pid_t		 mongo_sink;	/* marimba-consumer --sink=mongo */
	/* Each store's progress while the other one, or its sink, was away. */
	long long	 counted_no_mongo_sink;
	long long	 logged_no_redis_sink;
	long long	 counted_mongo_down;
	long long	 logged_redis_down;
	struct tg_server grpc;
	struct rest_kore kore;

	struct vote	*votes;
	size_t		 nvotes;
	FILE		*ids;		/* acknowledged ids, as they come */
	char		 ids_path[600];
	struct lg_sink	 sink;
	struct lg_gen	 rest;
	struct lg_gen	 grpcload;
	int		 load_up;
};

/* What the stores hold after the run, against what the clients were told. */
struct chaos_figures {
	long	sent;
	long	acked;
	long	unavailable;	/* 503 / UNAVAILABLE / RESOURCE_EXHAUSTED */
	long	failed;		/* no answer (refused, reset, timed out) */
	long	other;
	long	other_code;	/* the last other answer's status */
	long	acked_dups;	/* the same id acknowledged twice */
	long	topic_msgs;	/* messages on the topic */
	long	topic_ids;	/* distinct vote ids on the topic */
	long	acked_not_in_topic;
	long	counted;	/* Redis <prefix>:total */
	long	by_source;	/* sum of <prefix>:sources */
	long	logged;		/* documents in <db>.logs */
	long	logged_dups;	/* documents sharing an _id (none) */
	long	acked_logged;	/* acknowledged ids found by _id */
	long	acked_seen;	/* acknowledged ids with a seen key */
	long	topic_logged;	/* topic ids found by _id */
};

/* Prints "chaos: +12.3 s: ..." on stdout. */
void	chaos_say(struct chaos *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Gathers the figures (the load must be stopped, the consumer caught up). */
int	chaos_measure(struct chaos *, struct chaos_figures *);

/* In a verdict: prints "<who>: check failed: <cond>" and clears ok. */
#define CHAOS_CHECK(ok, who, cond)	do {				\
		if (!(cond)) {						\
			printf("%s: check failed: %s\n", (who), #cond);	\
			(ok) = 0;					\
		}							\
	} while (0)

/*
 * chaos_run.c, what both tests run on. chaos_init: the libraries (mongoc
 * with its warnings quiet, gRPC, curl), SIGPIPE ignored; chaos_fini ends
 * them.
 */
int	chaos_init(void);
void	chaos_fini(void);
/* The exit status of a system() or pclose() status; -1 if it has none. */
int	chaos_exit_status(int);
/*
 * scripts/stack verb [services] in the test's state dir on its ports (the
 * Kafka ones only if kafka_port is set); its exit status.
 */
int	chaos_stack(struct chaos *, const char *, const char *);
/* The harness' environment (name, 6 partitions) on the private services. */
int	chaos_env_start(struct chaos *, const char *);
/* Kore on the test's topic, prefix and database; extra "VAR=val" or NULL. */
int	chaos_kore_start(struct chaos *, const char *);
/* The acknowledged ids' file (<path>/acked-ids.txt) and the load's sink. */
int	chaos_ids_open(struct chaos *);
/*
 * The REST and gRPC generators at rate votes/s each, on the votes, the
 * sink, Kore and marimba-grpc; the caller sets the rest, then starts them.
 */
void	chaos_load_init(struct chaos *, int);
int	chaos_load_start(struct chaos *);
/* Waits up to ms until REST and gRPC acknowledged that many more votes. */
int	chaos_wait_acks(struct chaos *, int, int, int);
/* Waits up to ms until both sinks' lag is 0 and the stores agree. */
int	chaos_drain(struct chaos *, int);
/*
 * Stops the load and the processes (Kore and marimba-grpc waited for up
 * to ms) and frees what they used; safe to call twice.
 */
void	chaos_stop(struct chaos *, int);
/* Removes the state dir, unless kept (keep, or MARIMBA_CHAOS_KEEP). */
void	chaos_remove(struct chaos *);

#endif
