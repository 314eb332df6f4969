/*
 * The votes API as a Kore module: the state one worker shares between its
 * handlers (configuration, Kafka producer, readiness) and the functions
 * the handlers use to answer.
 */
#ifndef MARIMBA_KORE_APP_H
#define MARIMBA_KORE_APP_H

#include <sys/queue.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <yajl/yajl_gen.h>

#include "config.h"
#include "vote.h"
#include "vote_producer.h"

/* Seconds a client is told to wait before retrying after a 503. */
#define APP_RETRY_AFTER		"1"

struct votes_ctx;

/* The one per-worker context; handlers reach it with app_get(). */
struct app {
	struct marimba_config	 cfg;
	struct vote_limits	 limits;
	struct vote_producer	*producer;
	struct kore_timer	*poll_timer;
	struct kore_event	 notify_evt;	/* delivery reports ready */
	int			 notify_fd[2];	/* librdkafka writes [1] */
	int			 stopping;	/* shutting down: refuse work */
	LIST_HEAD(, votes_ctx)	 parked;	/* requests awaiting acks */
	struct readiness	*readiness;
	/* The log viewer (web.h) */
	struct stores		*stores;
	struct web_assets	*assets;
	struct metrics		*metrics;
};

struct app	*app_get(void);

/* web.c, tallies.c, metrics.c: the log viewer (see web.h). */
struct stores;
struct web_assets;
struct metrics;
int		 web_parent_configure(struct app *, char *, size_t);
int		 web_worker_configure(struct app *, char *, size_t);
void		 web_worker_teardown(struct app *);
int		 votes_get(struct http_request *);
int		 web_readyz(struct http_request *, int);
void		 metrics_votes_accepted(size_t);

/* votes.c */
void		 votes_delivered(void *, int, const char *, void *);
void		 votes_fail_parked(struct app *);
size_t		 votes_parked_count(struct app *);

/* readiness.c: a thread that asks the broker for metadata every second. */
struct readiness	*readiness_start(struct vote_producer *, int, char *,
			    size_t);
int			 readiness_kafka_up(struct readiness *);
void			 readiness_stop(struct readiness *);

/* reply.c: every answer is JSON made by yajl's generator. */
int		 reply_error(struct http_request *, int, const char *,
		    const char *, long);
int		 reply_vote_error(struct http_request *, int,
		    const struct vote_error *);
int		 reply_status(struct http_request *, int, const char *,
		    const char *);
int		 reply_ids(struct http_request *, int, const struct vote *,
		    size_t, int);
int		 reply_method_not_allowed(struct http_request *,
		    const char *);
int		 reply_json(struct http_request *, int, yajl_gen);

/*
 * front.c: the connection hook (kore.conf's bind callback) and the one
 * way every handler answers: http_response() plus nosniff, and
 * "connection: close" when the front door says the connection must end.
 */
void		 front_response(struct http_request *, int, const void *,
		    size_t);

#endif
