/* SPDX-License-Identifier: ISC */
/*
 * Reads of the vote logs in MongoDB (store_mongo.c).
 */
#ifndef MARIMBA_KORE_VIEWER_STORE_MONGO_H
#define MARIMBA_KORE_VIEWER_STORE_MONGO_H

#include <stddef.h>
#include <stdint.h>

#include "logs_query.h"
#include "vote.h"

struct stores;

struct log_entry {
	char		id[VOTE_ID_LEN + 1];
	char		name[VOTE_NAME_MAX + 1];
	char		album[VOTE_ALBUM_MAX + 1];
	int32_t		year;
	int32_t		rank;
	char		source[VOTE_SOURCE_MAX + 1];
	int64_t		accepted_ms;
};

/*
 * The newest logs matching q; *more if there are others. 0, -1 when no
 * server could be reached, -2 when the query failed (a timeout of a slow
 * server, an error it returned).
 */
int	store_logs(struct stores *, const struct logs_query *,
	    struct log_entry *, size_t *, int *, char *, size_t);

/* Why the logs are missing, for the page and the API. */
#define LOGS_DOWN_MSG(rc)	((rc) == -1 ? \
	"logs unavailable: MongoDB is down" : \
	"logs unavailable: MongoDB did not answer in time")

#endif
