/* SPDX-License-Identifier: ISC */
/*
 * What the gRPC integration tests share: a marimba-grpc child process on a
 * free port, unique Kafka topics and reading them back, gRPC calls and a
 * private Kafka instance through scripts/stack.
 */
#ifndef MARIMBA_TEST_GRPC_UTIL_H
#define MARIMBA_TEST_GRPC_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include <grpc/grpc.h>

#include "net_port.h"
#include "rpc_client.h"
#include "vote.h"

#define TG_BROKERS	"127.0.0.1:9092"

struct tg_server {
	pid_t	pid;
	char	addr[64];
};

/* A topic name unique to this process and call: prefix-pid-n-time. */
void	tg_topic_name(char *, size_t, const char *);

/* Creates topic with partitions on brokers. 0 or -1. */
int	tg_topic_create(const char *, const char *, int);

/* Messages in topic (sum of high watermarks); -1 on error. */
long	tg_topic_count(const char *, const char *);

/* Every message of topic, decoded (*out freed with free()). 0 or -1. */
int	tg_topic_read(const char *, const char *, struct vote **, size_t *);

/*
 * Starts marimba-grpc on a free port producing to topic on brokers, with
 * extra "NAME=value" settings (NULL-terminated list, may be NULL), and
 * waits until it answers health checks. 0 or -1.
 */
int	tg_server_start(struct tg_server *, const char *, const char *,
	    const char **);

/* SIGTERM, then waits up to timeout ms. The exit status, or -1. */
int	tg_server_stop(struct tg_server *, int);

/*
 * Health Check of service on addr: the gRPC status, and *serving the
 * HealthCheckResponse status when OK.
 */
grpc_status_code	tg_health(grpc_channel *, grpc_completion_queue *,
			    const char *, int *);

/* Waits up to timeout ms for the health status want (1 = SERVING). */
int	tg_wait_health(grpc_channel *, grpc_completion_queue *, int, int);

/* A cmocka fixture: marimba-grpc on its own topic, and a client to it. */
struct tg_fixture {
	struct tg_server	 srv;
	char			 topic[128];
	grpc_channel		*ch;
	grpc_completion_queue	*cq;
};

/*
 * grpc_init, a topic prefix-... with 3 partitions, marimba-grpc on it with
 * extra settings (as tg_server_start), a channel and a queue to it, and a
 * wait until it says SERVING. 0 or -1.
 */
int	tg_fixture_up(struct tg_fixture *, const char *, const char **);

/*
 * A cmocka group teardown of a tg_fixture in *state: frees the client,
 * stops marimba-grpc, grpc_shutdown; -1 if marimba-grpc did not exit 0.
 */
int	tg_fixture_teardown(void **);

/* A valid vote number i (varied band, album, year, rank). */
void	tg_vote(struct vote *, int);

/* Cast one vote; the status, the id copied into id (if OK). */
grpc_status_code	tg_cast(grpc_channel *, grpc_completion_queue *,
			    const struct vote *, char *, int, char *, size_t);

/*
 * CastStream of n votes; the status; on OK the ids (n of them, each
 * VOTE_ID_LEN + 1 bytes) copied into ids.
 */
grpc_status_code	tg_cast_stream(grpc_channel *, grpc_completion_queue *,
			    const struct vote *, size_t,
			    char (*)[VOTE_ID_LEN + 1], int, char *, size_t);

/*
 * A CastStream kept open by the test: started with its votes sent (and
 * not half-closed), then closed, cancelled or left to its deadline.
 */
struct tg_stream {
	grpc_call		*call;
	grpc_metadata_array	 init_md;
	grpc_metadata_array	 trail_md;
	grpc_byte_buffer	*reply;
	grpc_slice		 details;
	grpc_status_code	 status;
	int			 send_tag;
};

/*
 * Opens a CastStream with deadline ms and sends n votes, each send
 * completed. 0, or -1 (st is then freed).
 */
int	tg_stream_open(grpc_channel *, grpc_completion_queue *,
	    struct tg_stream *, const struct vote *, size_t, int);

/* Half-closes the stream. 0 or -1. */
int	tg_stream_half_close(grpc_completion_queue *, struct tg_stream *);

/* Waits up to timeout ms for the status; -1 if none came. */
int	tg_stream_wait(grpc_completion_queue *, struct tg_stream *, int);

/* Frees what tg_stream_open() holds (after tg_stream_wait()). */
void	tg_stream_free(struct tg_stream *);

/* The resident set of process pid in KiB (/proc), -1 on error. */
long	tg_rss_kib(pid_t);

/*
 * Runs "scripts/stack verb kafka" for a private instance in stackdir
 * with the given ports. The exit status.
 */
int	tg_stack_kafka(const char *, const char *, int, int);

/* Milliseconds on the monotonic clock. */
long long	tg_now_ms(void);

#endif
