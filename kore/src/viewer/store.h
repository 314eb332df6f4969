/* SPDX-License-Identifier: ISC */
/*
 * The log viewer's connections to Redis and MongoDB and their health
 * (store.c), and what the reads (store_mongo.c, store_redis.c) borrow.
 */
#ifndef MARIMBA_KORE_VIEWER_STORE_H
#define MARIMBA_KORE_VIEWER_STORE_H

#include <stddef.h>

#include "config.h"

/*
 * A MongoDB read gives up on the client side after its socket timeout
 * (MARIMBA_LOG_READ_TIMEOUT_MS, or socketTimeoutMS in the URI); the
 * server is told to give up STORES_READ_MARGIN_MS earlier (maxTimeMS),
 * so a request that times out here ends its work in the store too
 * instead of leaving a whole-collection scan running there.
 */
#define STORES_READ_MARGIN_MS	250

struct stores;
struct _mongoc_client_t;
struct redisContext;

struct stores	*stores_new(const struct marimba_config *, char *, size_t);
void		 stores_free(struct stores *);
int		 stores_redis_up(struct stores *);
int		 stores_mongo_up(struct stores *);
int		 stores_redis_down(struct stores *);
int		 stores_mongo_down(struct stores *);
void		 stores_set_up(struct stores *, int, int);

/* For the reads, on any thread. */
struct _mongoc_client_t	*stores_mongo_pop(struct stores *);
void			 stores_mongo_push(struct stores *,
			    struct _mongoc_client_t *);
const char		*stores_mongo_db(struct stores *);
/* maxTimeMS of a log read: a little under the socket timeout. */
long			 stores_read_max_ms(struct stores *);
struct redisContext	*stores_redis_get(struct stores *, char *, size_t);
void			 stores_redis_put(struct stores *,
			    struct redisContext *, int);
const char		*stores_redis_prefix(struct stores *);
/* The log window's keeper (store_window.h) of this worker. */
struct store_window	*stores_window(struct stores *);

#endif
