/* SPDX-License-Identifier: ISC */
/*
 * End-to-end latency sampler (see loadgen.h): a few acknowledged votes a
 * second are watched until the consumer has counted them, i.e. until
 * <prefix>:seen:<id> exists in Redis. One thread polls the watched ids
 * with one pipelined EXISTS each, every 2 ms while a vote is young and
 * then every 1/50 of its age (at most 2% added to a latency), so a
 * backlog of seconds does not turn the sampler into a Redis load of its
 * own (50 votes watched at 2 ms are 25,000 EXISTS a second).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "loadgen.h"

#define E2E_WATCH_MAX	4096
#define E2E_POLL_US	2000
#define E2E_AGE_SHARE	50	/* poll every age / this, at least 2 ms */
#define E2E_GIVE_UP_US	(120LL * 1000000)

struct e2e_watch {
	char	id[VOTE_ID_LEN + 1];
	int64_t	sent_us;
	int64_t	acked_us;
	int64_t	next_us;	/* poll again from then on */
};

struct lg_e2e {
	char			 host[128];
	int			 port;
	char			 prefix[64];
	int64_t			 every_us;	/* between two samples */

	pthread_mutex_t		 lock;		/* all below */
	int64_t			 last_us;
	struct e2e_watch	 watch[E2E_WATCH_MAX];
	size_t			 nwatch;
	struct latency		 lat;
	struct latency		 from_ack;
	long			 unseen;	/* gave up on them */
	int64_t			 stop_at;	/* 0: running */
	pthread_t		 thread;
};

static void	*e2e_main(void *);
static int	 e2e_poll(struct lg_e2e *, redisContext *);
static void	 e2e_nap(void);

struct lg_e2e *
lg_e2e_start(const char *host, int port, const char *prefix, double per_s)
{
	struct lg_e2e	*e;

	if (per_s <= 0 || (e = calloc(1, sizeof(*e))) == NULL)
		return (NULL);
	(void)snprintf(e->host, sizeof(e->host), "%s", host);
	(void)snprintf(e->prefix, sizeof(e->prefix), "%s", prefix);
	e->port = port;
	e->every_us = (int64_t)(1e6 / per_s);
	if (pthread_mutex_init(&e->lock, NULL) != 0) {
		free(e);
		return (NULL);
	}
	if (pthread_create(&e->thread, NULL, e2e_main, e) != 0) {
		pthread_mutex_destroy(&e->lock);
		free(e);
		return (NULL);
	}
	return (e);
}

void
lg_e2e_offer(struct lg_e2e *e, const char *id, int64_t sent_us)
{
	int64_t	now;

	now = marimba_mono_us();
	pthread_mutex_lock(&e->lock);
	if (e->stop_at == 0 && now - e->last_us >= e->every_us &&
	    e->nwatch < E2E_WATCH_MAX) {
		memcpy(e->watch[e->nwatch].id, id, VOTE_ID_LEN + 1);
		e->watch[e->nwatch].sent_us = sent_us;
		e->watch[e->nwatch].acked_us = now;
		e->watch[e->nwatch].next_us = 0;
		e->nwatch++;
		e->last_us = now;
	}
	pthread_mutex_unlock(&e->lock);
}

void
lg_e2e_stop(struct lg_e2e *e, int grace_ms, struct latency *lat,
    struct latency *from_ack, long *unseen)
{
	pthread_mutex_lock(&e->lock);
	e->stop_at = marimba_mono_us() + (int64_t)grace_ms * 1000;
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->thread, NULL);
	*unseen = e->unseen + (long)e->nwatch;
	*lat = e->lat;
	*from_ack = e->from_ack;
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static void *
e2e_main(void *arg)
{
	struct lg_e2e	*e = arg;
	redisContext	*c;
	struct timeval	 tv = { 2, 0 };
	int		 done;

	c = NULL;
	for (;;) {
		pthread_mutex_lock(&e->lock);
		done = e->stop_at != 0 && (e->nwatch == 0 ||
		    marimba_mono_us() >= e->stop_at);
		pthread_mutex_unlock(&e->lock);
		if (done)
			break;
		if (c == NULL) {
			c = redisConnectWithTimeout(e->host, e->port, tv);
			if (c == NULL || c->err) {
				if (c != NULL)
					redisFree(c);
				c = NULL;
				e2e_nap();
				continue;
			}
			(void)redisSetTimeout(c, tv);
		}
		if (e2e_poll(e, c) == -1) {
			redisFree(c);
			c = NULL;
		}
		e2e_nap();
	}
	if (c != NULL)
		redisFree(c);
	return (NULL);
}

/*
 * One round: EXISTS for every watched id that is due; the seen ones are
 * measured. Only this thread removes watches (offers append), so the
 * first n stay where they are while the round runs.
 */
static int
e2e_poll(struct lg_e2e *e, redisContext *c)
{
	struct e2e_watch	 batch[E2E_WATCH_MAX];
	char			 seen[E2E_WATCH_MAX], due[E2E_WATCH_MAX];
	redisReply		*r;
	size_t			 i, j, n, ndue;
	int64_t			 now, wait;

	pthread_mutex_lock(&e->lock);
	n = e->nwatch;
	memcpy(batch, e->watch, n * sizeof(*batch));
	pthread_mutex_unlock(&e->lock);
	if (n == 0)
		return (0);

	now = marimba_mono_us();
	for (i = 0, ndue = 0; i < n; i++) {
		seen[i] = 0;
		due[i] = batch[i].next_us <= now;
		if (!due[i])
			continue;
		if (redisAppendCommand(c, "EXISTS %s:seen:%s", e->prefix,
		    batch[i].id) != REDIS_OK)
			return (-1);
		ndue++;
	}
	for (i = 0; i < n && ndue > 0; i++) {
		if (!due[i])
			continue;
		if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL)
			return (-1);
		seen[i] = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
		freeReplyObject(r);
	}
	now = marimba_mono_us();

	/* Newer offers were appended after the first n: keep them. */
	pthread_mutex_lock(&e->lock);
	for (i = 0, j = 0; i < e->nwatch; i++) {
		if (i < n && seen[i]) {
			(void)latency_add(&e->lat, now - e->watch[i].sent_us);
			(void)latency_add(&e->from_ack,
			    now - e->watch[i].acked_us);
			continue;
		}
		if (i < n && due[i]) {
			wait = (now - e->watch[i].sent_us) / E2E_AGE_SHARE;
			e->watch[i].next_us = now +
			    (wait > E2E_POLL_US ? wait : E2E_POLL_US);
		}
		if (now - e->watch[i].sent_us > E2E_GIVE_UP_US) {
			e->unseen++;
			continue;
		}
		e->watch[j++] = e->watch[i];
	}
	e->nwatch = j;
	pthread_mutex_unlock(&e->lock);
	return (0);
}

static void
e2e_nap(void)
{
	struct timespec	ts = { 0, E2E_POLL_US * 1000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
