/* SPDX-License-Identifier: ISC */
/*
 * The gRPC server of marimba-grpc: one completion queue driven by one
 * thread, one thread blocked on the Kafka producer's delivery reports
 * that answers a call the moment its last report arrives, and one that
 * sends a burst of votes at once (server_burst.h). All touch the per-call
 * state under the server's mutex only (docs/grpc.md).
 */
#ifndef MARIMBA_SERVER_H
#define MARIMBA_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <grpc/grpc.h>

#include "config.h"
#include "health_probe.h"
#include "peer_table.h"
#include "server_burst.h"
#include "vote_producer.h"

#define SERVER_MAX_MESSAGE	(64 * 1024)	/* bytes per received message */
#define SERVER_REQUESTS		64	/* request_calls waiting per method */
#define SERVER_ACK_MARGIN_MS	1000	/* past ack_timeout_ms, then 503 */
#define SERVER_SUMMARY_MS	10000	/* refused calls: one line per period */

struct call;

/* The methods served; each registered one has its own request_calls. */
enum call_method {
	METHOD_UNKNOWN = 0,	/* unregistered: answered UNIMPLEMENTED */
	METHOD_CAST,
	METHOD_CAST_STREAM,
	METHOD_HEALTH_CHECK,
	METHOD_COUNT,
};

/* What a completion-queue tag stands for. */
enum tag_kind {
	TAG_NEW_CALL,		/* grpc_server_request_call matched a call */
	TAG_RECV,		/* a RECV_MESSAGE finished */
	TAG_CLOSE,		/* RECV_CLOSE_ON_SERVER: the call is over */
	TAG_HEADERS,		/* our initial metadata is out: not cancelled */
	TAG_STATUS,		/* the final batch with the status was sent */
	TAG_SHUTDOWN,		/* grpc_server_shutdown_and_notify is done */
};

struct tag {
	enum tag_kind	 kind;
	struct call	*call;
};

TAILQ_HEAD(call_list, call);

/* Calls not answered OK since the last summary line, by status. */
struct server_refusals {
	unsigned long	by_status[GRPC_STATUS_UNAUTHENTICATED + 1];
	unsigned long	cancelled;	/* by the client, nothing produced */
	int64_t		since_ms;
};

struct server {
	const struct marimba_config	*cfg;
	grpc_server			*srv;
	grpc_completion_queue		*cq;
	struct vote_producer		*vp;
	struct health_probe		*health;
	void				*methods[METHOD_COUNT];
	pthread_mutex_t			 mu;	/* everything below */
	pthread_t			 reports;
	int				 reports_started;
	atomic_int			 reports_stop;
	struct peer_table		*peers;
	struct server_refusals		 refusals;
	struct call_list		 calls;
	size_t				 ncalls;
	struct tag			 shutdown_tag;
	int				 port;
	struct server_burst		 burst;
	struct call_list		 parked;	/* until the burst */
	int				 shutting_down;
	int				 shutdown_notified;
	int				 cancelled_all;
	int64_t				 shutdown_deadline_ms;
};

/*
 * Creates the server, its queue and its producer and starts listening on
 * cfg->grpc_addr. -1 with a message in err on failure.
 */
int		server_init(struct server *, const struct marimba_config *,
		    char *, size_t);

/*
 * Serves calls until a signal arrives on sigfd (a non-blocking signalfd),
 * then shuts down gracefully. Returns 0 if every call was finished.
 */
int		server_run(struct server *, int);

/* Releases what server_init() created. */
void		server_free(struct server *);

/* The delivery callback given to the producer (arg is the server). */
void		server_delivered(void *, int, const char *, void *);

/* Monotonic milliseconds. */
int64_t		server_now_ms(void);

#endif
