/* SPDX-License-Identifier: ISC */
/*
 * Implements mongoc_log.h: the driver's errors as ours, its warnings at
 * debug (FerretDB answers "no such command: endSessions" to every
 * client that closes), the rest dropped.
 */
#include <mongoc/mongoc.h>

#include "log.h"
#include "mongoc_log.h"

static void	mongoc_log_ours(mongoc_log_level_t, const char *,
		    const char *, void *);

void
mongoc_log_init(void)
{
	mongoc_init();
	mongoc_log_set_handler(mongoc_log_ours, NULL);
}

static void
mongoc_log_ours(mongoc_log_level_t level, const char *domain,
    const char *msg, void *arg)
{
	(void)arg;
	if (level <= MONGOC_LOG_LEVEL_ERROR)
		log_error("mongoc %s: %s", domain, msg);
	else if (level <= MONGOC_LOG_LEVEL_WARNING)
		log_debug("mongoc %s: %s", domain, msg);
}
