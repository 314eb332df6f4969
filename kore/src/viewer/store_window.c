/* SPDX-License-Identifier: ISC */
/*
 * The log window's keeper in the log viewer (lib/log_window.h): a thread
 * per worker checks once a second that Redis still has the window and,
 * when it does not (FLUSHALL, a new Redis), rebuilds it from MongoDB; a
 * lock in Redis lets one rebuilder of all workers and replicas run, the
 * others wait. Reads meanwhile ask MongoDB itself (slow, still right);
 * /readyz says "rebuilding".
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mongoc/mongoc.h>

#include "log_window.h"
#include "store_window.h"

#define WINDOW_CHECK_MS		1000
#define WINDOW_SOCKET_MS	60000	/* a getMore of the rebuild's scan */

struct store_window {
	const atomic_int	*mongo_up;	/* the health check's: 0 down */
	struct log_window	*lw;
	mongoc_client_t		*mongo;		/* the rebuild's own */
	char			 mongo_db[64];
	atomic_int		 state;		/* WINDOW_* */
	pthread_t		 thread;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	int			 stop;		/* under lock */
};

static mongoc_client_t	*store_window_client(const struct marimba_config *,
			    char *, size_t);
static void		*store_window_run(void *);
static void		 store_window_check(struct store_window *);

struct store_window *
store_window_start(const struct marimba_config *cfg,
    const atomic_int *mongo_up, char *err, size_t errlen)
{
	struct store_window	*sw;
	pthread_condattr_t	 attr;
	int			 rc;

	if ((sw = calloc(1, sizeof(*sw))) == NULL ||
	    (sw->lw = log_window_new(cfg)) == NULL) {
		free(sw);
		(void)snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	sw->mongo_up = mongo_up;
	(void)snprintf(sw->mongo_db, sizeof(sw->mongo_db), "%s",
	    cfg->mongo_db);
	atomic_init(&sw->state, log_window_enabled(sw->lw) ? WINDOW_UNKNOWN :
	    WINDOW_OFF);
	if (!log_window_enabled(sw->lw))
		return (sw);	/* no thread */
	if ((sw->mongo = store_window_client(cfg, err, errlen)) == NULL) {
		log_window_free(sw->lw);
		free(sw);
		return (NULL);
	}
	if ((rc = pthread_mutex_init(&sw->lock, NULL)) != 0 ||
	    (rc = pthread_condattr_init(&attr)) != 0 ||
	    (rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) != 0 ||
	    (rc = pthread_cond_init(&sw->cond, &attr)) != 0 ||
	    (rc = pthread_create(&sw->thread, NULL, store_window_run,
	    sw)) != 0) {
		(void)snprintf(err, errlen, "log window thread: %s",
		    strerror(rc));
		mongoc_client_destroy(sw->mongo);
		log_window_free(sw->lw);
		free(sw);
		return (NULL);
	}
	(void)pthread_condattr_destroy(&attr);
	return (sw);
}

/* Stops and joins the thread; a rebuild in progress ends first. */
void
store_window_stop(struct store_window *sw)
{
	if (sw == NULL)
		return;
	if (log_window_enabled(sw->lw)) {
		(void)pthread_mutex_lock(&sw->lock);
		sw->stop = 1;
		(void)pthread_cond_signal(&sw->cond);
		(void)pthread_mutex_unlock(&sw->lock);
		(void)pthread_join(sw->thread, NULL);
		(void)pthread_mutex_destroy(&sw->lock);
		(void)pthread_cond_destroy(&sw->cond);
		mongoc_client_destroy(sw->mongo);
	}
	log_window_free(sw->lw);
	free(sw);
}

int
store_window_state(struct store_window *sw)
{
	return (sw == NULL ? WINDOW_OFF : atomic_load(&sw->state));
}

int
store_window_enabled(struct store_window *sw)
{
	return (sw != NULL && log_window_enabled(sw->lw));
}

static void *
store_window_run(void *arg)
{
	struct store_window	*sw = arg;
	struct timespec		 until;

	(void)pthread_mutex_lock(&sw->lock);
	while (!sw->stop) {
		(void)pthread_mutex_unlock(&sw->lock);
		store_window_check(sw);
		(void)pthread_mutex_lock(&sw->lock);
		(void)clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += WINDOW_CHECK_MS / 1000;
		while (!sw->stop && pthread_cond_timedwait(&sw->cond,
		    &sw->lock, &until) != ETIMEDOUT)
			;
	}
	(void)pthread_mutex_unlock(&sw->lock);
	return (NULL);
}

/*
 * The rebuild's own client: one long scan must neither hold one of the
 * reads' pooled clients nor fail on their 2 s socket timeout.
 */
static mongoc_client_t *
store_window_client(const struct marimba_config *cfg, char *err,
    size_t errlen)
{
	mongoc_uri_t	*uri;
	mongoc_client_t	*c;
	bson_error_t	 berr;

	if ((uri = mongoc_uri_new_with_error(cfg->mongo_uri, &berr)) ==
	    NULL) {
		(void)snprintf(err, errlen, "MARIMBA_MONGO_URI: %s",
		    berr.message);
		return (NULL);
	}
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SOCKETTIMEOUTMS))
		(void)mongoc_uri_set_option_as_int32(uri,
		    MONGOC_URI_SOCKETTIMEOUTMS, WINDOW_SOCKET_MS);
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
		(void)mongoc_uri_set_option_as_int32(uri,
		    MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 1000);
	(void)mongoc_uri_set_appname(uri, "marimba-kore-window");
	c = mongoc_client_new_from_uri_with_error(uri, &berr);
	mongoc_uri_destroy(uri);
	if (c == NULL) {
		(void)snprintf(err, errlen, "mongo client: %s", berr.message);
		return (NULL);
	}
	(void)mongoc_client_set_error_api(c, MONGOC_ERROR_API_VERSION_2);
	return (c);
}

/* Is the window there? If not, rebuild it (or wait for who does). */
static void
store_window_check(struct store_window *sw)
{
	mongoc_collection_t	*coll;
	char			 err[256];
	long			 listed;
	int			 rc;

	switch (log_window_built(sw->lw, err, sizeof(err))) {
	case 1:
		atomic_store(&sw->state, WINDOW_OK);
		return;
	case -1:
		atomic_store(&sw->state, WINDOW_UNKNOWN);
		return;
	}
	atomic_store(&sw->state, WINDOW_REBUILDING);
	if (atomic_load(sw->mongo_up) == 0)
		return;		/* down: no scan before it is back */
	coll = mongoc_client_get_collection(sw->mongo, sw->mongo_db, "logs");
	rc = log_window_rebuild(sw->lw, coll, &listed, err, sizeof(err));
	mongoc_collection_destroy(coll);
	if (rc == 1) {
		(void)fprintf(stderr, "marimba: log window rebuilt from "
		    "MongoDB (%ld logs read)\n", listed);
		atomic_store(&sw->state, WINDOW_OK);
	} else if (rc == -1)
		(void)fprintf(stderr, "marimba: log window rebuild: %s\n",
		    err);
}
