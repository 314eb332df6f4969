/* SPDX-License-Identifier: ISC */
/*
 * The log viewer's connections: a mongoc client pool (thread safe) and a
 * small mutex-protected pool of hiredis connections, both with short
 * timeouts, shared by Kore's task threads. A health thread pings both
 * stores every second so /readyz and the page read a cached answer.
 */
#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <mongoc/mongoc.h>

#include "redis_auth.h"
#include "store.h"
#include "store_window.h"

#define STORES_REDIS_IDLE	8	/* idle connections kept */
#define STORES_TIMEOUT_MS	1000	/* connect, select a server, Redis */
#define STORES_HEARTBEAT_MS	2000	/* mongoc's server monitoring */
#define STORES_MONGO_CLIENTS	8	/* mongoc pool size, per worker */
#define STORES_HEALTH_MS	1000
#define STORES_HEALTH_FAILS	2
#define STORES_NAME_MAX		64	/* database name, key prefix */
#define STORES_HOST_MAX		128
#define STORES_ERR_MAX		128	/* a health check's error text */

/* What stores_free() must undo (st->inited). */
#define STORES_LOCK		0x01
#define STORES_HLOCK		0x02
#define STORES_HCOND		0x04
#define STORES_HEALTH		0x08

struct stores {
	mongoc_client_pool_t	*mpool;
	char			 mongo_db[STORES_NAME_MAX];
	long			 read_max_ms;	/* maxTimeMS of a read */
	char			 redis_host[STORES_HOST_MAX];
	int			 redis_port;
	char			 redis_password[256];
	char			 redis_prefix[STORES_NAME_MAX];
	int			 inited;	/* STORES_* done so far */
	struct store_window	*window;	/* the log window's keeper */

	pthread_mutex_t		 lock;
	redisContext		*idle[STORES_REDIS_IDLE];	/* under lock */
	size_t			 nidle;				/* under lock */

	atomic_int		 redis_up;
	atomic_int		 mongo_up;
	atomic_int		 stop;
	pthread_t		 health;
	pthread_mutex_t		 hlock;
	pthread_cond_t		 hcond;
};

static void	*stores_health(void *);
static int	 stores_ping_redis(struct stores *);
static int	 stores_ping_mongo(struct stores *);
static void	 stores_uri_default(mongoc_uri_t *, const char *, int32_t);
static void	 stores_mongo_log(mongoc_log_level_t, const char *,
		    const char *, void *);

/*
 * Everything or nothing: a step that fails undoes the ones before it in
 * one place (stores_free() knows from st->inited what was made).
 */
struct stores *
stores_new(const struct marimba_config *cfg, char *err, size_t errlen)
{
	struct stores		*st;
	mongoc_uri_t		*uri;
	bson_error_t		 berr;
	pthread_condattr_t	 attr;
	int			 rc, attr_made;

	st = NULL;
	attr_made = 0;
	mongoc_init();
	mongoc_log_set_handler(stores_mongo_log, NULL);
	if ((uri = mongoc_uri_new_with_error(cfg->mongo_uri, &berr)) ==
	    NULL) {
		(void)snprintf(err, errlen, "MARIMBA_MONGO_URI: %s",
		    berr.message);
		goto fail;
	}
	/* A dead server fails a read in about a second, never hangs it. */
	stores_uri_default(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
	    STORES_TIMEOUT_MS);
	stores_uri_default(uri, MONGOC_URI_CONNECTTIMEOUTMS, STORES_TIMEOUT_MS);
	stores_uri_default(uri, MONGOC_URI_SOCKETTIMEOUTMS,
	    cfg->log_read_timeout_ms);
	stores_uri_default(uri, MONGOC_URI_HEARTBEATFREQUENCYMS,
	    STORES_HEARTBEAT_MS);
	stores_uri_default(uri, MONGOC_URI_MAXPOOLSIZE, STORES_MONGO_CLIENTS);
	(void)mongoc_uri_set_appname(uri, "marimba-kore");

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((st->mpool = mongoc_client_pool_new_with_error(uri, &berr)) ==
	    NULL) {
		(void)snprintf(err, errlen, "mongo pool: %s", berr.message);
		goto fail;
	}
	(void)mongoc_client_pool_set_error_api(st->mpool,
	    MONGOC_ERROR_API_VERSION_2);
	(void)snprintf(st->mongo_db, sizeof(st->mongo_db), "%s", cfg->mongo_db);
	/* The URI's own socketTimeoutMS wins; 0 there means none. */
	st->read_max_ms = mongoc_uri_get_option_as_int32(uri,
	    MONGOC_URI_SOCKETTIMEOUTMS, cfg->log_read_timeout_ms);
	if (st->read_max_ms <= 0)
		st->read_max_ms = cfg->log_read_timeout_ms;
	st->read_max_ms = st->read_max_ms > 2 * STORES_READ_MARGIN_MS ?
	    st->read_max_ms - STORES_READ_MARGIN_MS : st->read_max_ms / 2;
	(void)snprintf(st->redis_host, sizeof(st->redis_host), "%s",
	    cfg->redis_host);
	st->redis_port = cfg->redis_port;
	(void)snprintf(st->redis_password, sizeof(st->redis_password), "%s",
	    cfg->redis_password);
	atomic_init(&st->redis_up, -1);
	atomic_init(&st->mongo_up, -1);
	(void)snprintf(st->redis_prefix, sizeof(st->redis_prefix), "%s",
	    cfg->redis_prefix);

	if ((rc = pthread_mutex_init(&st->lock, NULL)) != 0)
		goto fail_pthread;
	st->inited |= STORES_LOCK;
	if ((rc = pthread_mutex_init(&st->hlock, NULL)) != 0)
		goto fail_pthread;
	st->inited |= STORES_HLOCK;
	if ((rc = pthread_condattr_init(&attr)) != 0)
		goto fail_pthread;
	attr_made = 1;
	if ((rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) != 0 ||
	    (rc = pthread_cond_init(&st->hcond, &attr)) != 0)
		goto fail_pthread;
	st->inited |= STORES_HCOND;
	if ((rc = pthread_create(&st->health, NULL, stores_health, st)) != 0)
		goto fail_pthread;
	st->inited |= STORES_HEALTH;
	(void)pthread_condattr_destroy(&attr);
	attr_made = 0;
	if ((st->window = store_window_start(cfg, &st->mongo_up, err,
	    errlen)) == NULL)
		goto fail;
	mongoc_uri_destroy(uri);
	return (st);

fail_pthread:
	(void)snprintf(err, errlen, "pthread: %s", strerror(rc));
fail:
	if (attr_made)
		(void)pthread_condattr_destroy(&attr);
	if (uri != NULL)
		mongoc_uri_destroy(uri);
	stores_free(st);
	return (NULL);
}

void
stores_free(struct stores *st)
{
	size_t	i;

	if (st == NULL)
		return;
	/* Its thread uses the connections freed below. */
	store_window_stop(st->window);
	if (st->inited & STORES_HEALTH) {
		(void)pthread_mutex_lock(&st->hlock);
		atomic_store(&st->stop, 1);
		(void)pthread_cond_signal(&st->hcond);
		(void)pthread_mutex_unlock(&st->hlock);
		(void)pthread_join(st->health, NULL);
	}
	for (i = 0; i < st->nidle; i++)
		redisFree(st->idle[i]);
	if (st->mpool != NULL)
		mongoc_client_pool_destroy(st->mpool);
	if (st->inited & STORES_LOCK)
		(void)pthread_mutex_destroy(&st->lock);
	if (st->inited & STORES_HLOCK)
		(void)pthread_mutex_destroy(&st->hlock);
	if (st->inited & STORES_HCOND)
		(void)pthread_cond_destroy(&st->hcond);
	free(st);
}

/* Up: the last check or read succeeded. -1 (not checked yet) is not up. */
int
stores_redis_up(struct stores *st)
{
	return (st != NULL && atomic_load(&st->redis_up) == 1);
}

int
stores_mongo_up(struct stores *st)
{
	return (st != NULL && atomic_load(&st->mongo_up) == 1);
}

/* Known down: the last check or read failed to reach the store. */
int
stores_redis_down(struct stores *st)
{
	return (atomic_load(&st->redis_up) == 0);
}

int
stores_mongo_down(struct stores *st)
{
	return (atomic_load(&st->mongo_up) == 0);
}

/*
 * A read that worked says its store is up (-1: no news). Only the
 * health thread says down, after failed checks in a row.
 */
void
stores_set_up(struct stores *st, int redis, int mongo)
{
	if (redis != -1)
		atomic_store(&st->redis_up, redis);
	if (mongo != -1)
		atomic_store(&st->mongo_up, mongo);
}

mongoc_client_t *
stores_mongo_pop(struct stores *st)
{
	return (mongoc_client_pool_pop(st->mpool));
}

void
stores_mongo_push(struct stores *st, mongoc_client_t *c)
{
	mongoc_client_pool_push(st->mpool, c);
}

const char *
stores_mongo_db(struct stores *st)
{
	return (st->mongo_db);
}

long
stores_read_max_ms(struct stores *st)
{
	return (st->read_max_ms);
}

struct store_window *
stores_window(struct stores *st)
{
	return (st->window);
}

const char *
stores_redis_prefix(struct stores *st)
{
	return (st->redis_prefix);
}

/* An idle connection, or a new one (1 s to connect, 1 s per command). */
redisContext *
stores_redis_get(struct stores *st, char *err, size_t errlen)
{
	redisContext	*c;
	struct timeval	 tv;

	c = NULL;
	(void)pthread_mutex_lock(&st->lock);
	if (st->nidle > 0)
		c = st->idle[--st->nidle];
	(void)pthread_mutex_unlock(&st->lock);
	if (c != NULL)
		return (c);

	tv.tv_sec = STORES_TIMEOUT_MS / 1000;
	tv.tv_usec = (STORES_TIMEOUT_MS % 1000) * 1000;
	c = redisConnectWithTimeout(st->redis_host, st->redis_port, tv);
	if (c == NULL) {
		(void)snprintf(err, errlen, "redis: out of memory");
		return (NULL);
	}
	if (c->err != 0) {
		(void)snprintf(err, errlen, "redis %s:%d: %s", st->redis_host,
		    st->redis_port, c->errstr);
		redisFree(c);
		return (NULL);
	}
	if (redisSetTimeout(c, tv) != REDIS_OK) {
		(void)snprintf(err, errlen, "redis: cannot set a timeout");
		redisFree(c);
		return (NULL);
	}
	if (marimba_redis_auth(c, st->redis_password, err, errlen) == -1) {
		redisFree(c);
		return (NULL);
	}
	return (c);
}

/* Gives c back; a connection that failed (broken) is closed instead. */
void
stores_redis_put(struct stores *st, redisContext *c, int broken)
{
	if (c == NULL)
		return;
	if (!broken && c->err == 0) {
		(void)pthread_mutex_lock(&st->lock);
		if (st->nidle < STORES_REDIS_IDLE) {
			st->idle[st->nidle++] = c;
			c = NULL;
		}
		(void)pthread_mutex_unlock(&st->lock);
	}
	if (c != NULL)
		redisFree(c);
}

static void *
stores_health(void *arg)
{
	struct stores	*st = arg;
	struct timespec	 until;
	int		 rfail, mfail;

	/* Down after STORES_HEALTH_FAILS failed checks in a row: one slow
	 * answer (a busy machine) must not fail reads for a second. */
	rfail = mfail = 0;
	while (!atomic_load(&st->stop)) {
		rfail = stores_ping_redis(st) ? 0 : rfail + 1;
		mfail = stores_ping_mongo(st) ? 0 : mfail + 1;
		if (rfail == 0 || rfail >= STORES_HEALTH_FAILS)
			atomic_store(&st->redis_up, rfail == 0);
		if (mfail == 0 || mfail >= STORES_HEALTH_FAILS)
			atomic_store(&st->mongo_up, mfail == 0);

		(void)clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += STORES_HEALTH_MS / 1000;
		(void)pthread_mutex_lock(&st->hlock);
		while (!atomic_load(&st->stop) &&
		    pthread_cond_timedwait(&st->hcond, &st->hlock, &until) !=
		    ETIMEDOUT)
			;
		(void)pthread_mutex_unlock(&st->hlock);
	}
	return (NULL);
}

static int
stores_ping_redis(struct stores *st)
{
	redisContext	*c;
	redisReply	*r;
	char		 err[STORES_ERR_MAX];
	int		 up;

	if ((c = stores_redis_get(st, err, sizeof(err))) == NULL)
		return (0);
	r = redisCommand(c, "PING");
	up = r != NULL && r->type == REDIS_REPLY_STATUS;
	if (r != NULL)
		freeReplyObject(r);
	stores_redis_put(st, c, !up);
	return (up);
}

static int
stores_ping_mongo(struct stores *st)
{
	mongoc_client_t	*c;
	bson_t		*cmd;
	bson_error_t	 berr;
	int		 up;

	if ((c = mongoc_client_pool_pop(st->mpool)) == NULL)
		return (0);
	cmd = BCON_NEW("ping", BCON_INT32(1));
	up = mongoc_client_command_simple(c, "admin", cmd, NULL, NULL, &berr);
	bson_destroy(cmd);
	mongoc_client_pool_push(st->mpool, c);
	return (up);
}

static void
stores_uri_default(mongoc_uri_t *uri, const char *opt, int32_t value)
{
	if (!mongoc_uri_has_option(uri, opt))
		(void)mongoc_uri_set_option_as_int32(uri, opt, value);
}

/* Warnings and worse, one line each on stderr (any thread may log). */
static void
stores_mongo_log(mongoc_log_level_t level, const char *domain,
    const char *message, void *arg)
{
	(void)arg;
	if (level > MONGOC_LOG_LEVEL_WARNING)
		return;
	(void)fprintf(stderr, "marimba: mongoc %s: %s: %s\n",
	    mongoc_log_level_str(level), domain, message);
}
