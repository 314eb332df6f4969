/* SPDX-License-Identifier: ISC */
/*
 * The MongoDB side of marimba-audit: the log collection's tallies, by
 * aggregation ($group, done by the server where it can) or by one
 * projection cursor, a streaming scan of every log for the rebuild, and
 * the set of every log's id.
 */
#ifndef MARIMBA_AUDIT_MONGO_SIDE_H
#define MARIMBA_AUDIT_MONGO_SIDE_H

#include <stddef.h>
#include <stdint.h>

#include <mongoc/mongoc.h>

#include "config.h"
#include "tally.h"
#include "vote.h"

struct mongo_side {
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
};

/* One log as the scan hands it over (strings valid during the call). */
struct log_doc {
	const char	*id;
	const char	*name;
	const char	*album;
	const char	*source;
	uint32_t	 idlen, namelen, albumlen, sourcelen;
	int64_t		 accepted_ms;	/* -1 if missing */
};

/* Returns non-zero to stop the scan with an error. */
typedef int	(*mongo_doc_fn)(void *, const struct log_doc *);

/* Process-wide driver set-up (warnings only at MARIMBA_LOG_LEVEL=debug). */
void	mongo_side_init(void);
void	mongo_side_cleanup(void);

int	mongo_side_open(const struct marimba_config *, struct mongo_side *,
	    char *, size_t);
void	mongo_side_close(struct mongo_side *);

/* 1 if the server is FerretDB (buildInfo says so), 0 if not, -1. */
int	mongo_side_ferretdb(struct mongo_side *, char *, size_t);

/* Tallies by one $group on {name, album, source}. */
int	mongo_side_tally_aggregate(struct mongo_side *, struct tally *,
	    char *, size_t);
/* The same by one cursor over {name, album, source}, counted here. */
int	mongo_side_tally_scan(struct mongo_side *, struct tally *, char *,
	    size_t);
/*
 * Calls fn for every log; *bad gets the documents without the string
 * fields of a vote (skipped). 0 or -1.
 */
int	mongo_side_scan(struct mongo_side *, mongo_doc_fn, void *,
	    long long *, char *, size_t);
/* Every log's _id, sorted, for look-ups without a query per id. */
struct mongo_ids {
	char	(*ids)[VOTE_ID_LEN];
	size_t	  n;
	size_t	  cap;
};

/*
 * Reads the _id of every log by one cursor (ids that are not vote ids
 * are left out). One pass costs the same as one scan, where a query per
 * batch of ids would cost a scan each on FerretDB 1.x. 0 or -1.
 */
int	mongo_side_ids(struct mongo_side *, struct mongo_ids *, char *,
	    size_t);
/* 1 if id (VOTE_ID_LEN bytes) is in the set. */
int	mongo_ids_has(const struct mongo_ids *, const char *);
void	mongo_ids_free(struct mongo_ids *);

#endif
