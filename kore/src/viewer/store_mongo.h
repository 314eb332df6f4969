/* SPDX-License-Identifier: ISC */
/*
 * Reads of the vote logs (store_mongo.c): the log window in Redis, or
 * MongoDB.
 */
#ifndef MARIMBA_KORE_VIEWER_STORE_MONGO_H
#define MARIMBA_KORE_VIEWER_STORE_MONGO_H

#include <stddef.h>
#include <stdint.h>

#include "log_window.h"	/* struct log_entry */
#include "logs_query.h"
#include "vote.h"

struct stores;
struct read_slots;

/*
 * The newest logs matching q; *more if there are others. From the log
 * window when it can answer exactly (lib/log_window.h), else MongoDB,
 * holding one of the read slots (read_slots.h; NULL: no cap) meanwhile.
 * 0, -1 when no server could be reached, -2 when the query failed (a
 * timeout of a slow server, an error it returned), -3 when every read
 * slot was taken (MongoDB was not asked).
 */
int	store_logs(struct stores *, struct read_slots *,
	    const struct logs_query *, struct log_entry *, size_t *, int *,
	    char *, size_t);

/* Why the logs are missing, for the page and the API. */
#define LOGS_BUSY_MSG	"logs unavailable: too many log reads, retry later"
#define LOGS_DOWN_MSG(rc)	((rc) == -1 ? \
	"logs unavailable: MongoDB is down" : (rc) == -3 ? LOGS_BUSY_MSG : \
	"logs unavailable: MongoDB did not answer in time")

#endif
