/* SPDX-License-Identifier: ISC */
/*
 * The MongoDB store of the mongo sink: one document per vote in
 * <MARIMBA_MONGO_DB>.logs, _id = vote id, inserted with one unordered
 * insert_many per batch. Duplicate keys mean "already stored" and count
 * as success, which makes redelivery harmless.
 */
#ifndef MARIMBA_CONSUMER_MONGO_STORE_H
#define MARIMBA_CONSUMER_MONGO_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "vote.h"

#define MONGO_STORE_COLLECTION	"logs"

struct mongo_store;

/* Parses the URI; connects lazily. NULL with err on a bad URI. */
struct mongo_store	*mongo_store_new(const struct marimba_config *, char *,
			    size_t);
void			 mongo_store_free(struct mongo_store *);

/*
 * Creates the log viewer's indexes if not done yet, then inserts n votes
 * with consumed_at = consumed_ms. 0 when every vote is in the collection
 * (new or already there; *inserted: how many were new), -1 with err
 * otherwise.
 */
int	mongo_store_insert(struct mongo_store *, const struct vote *const *,
	    size_t, int64_t, size_t *, char *, size_t);

#endif
