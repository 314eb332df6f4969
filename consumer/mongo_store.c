/* SPDX-License-Identifier: ISC */
/*
 * Implements mongo_store.h with mongo-c-driver. The client reconnects by
 * itself; short server-selection and socket timeouts make a dead or slow
 * server fail the batch quickly so the consumer can pause and retry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "deconst.h"
#include "log.h"
#include "mongo_store.h"

#define MONGO_DUPLICATE_KEY	11000

struct mongo_store {
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	char			 db[64];
	int			 indexed;
};

static int	mongo_indexes(struct mongo_store *, char *, size_t);
static int	mongo_has_indexes(struct mongo_store *, char *, size_t);
static int	mongo_only_duplicates(const bson_t *);
static size_t	mongo_inserted(const bson_t *);
static void	mongo_uri_default(mongoc_uri_t *, const char *, int32_t);
static bson_t	*mongo_doc(const struct vote *, int64_t);

struct mongo_store *
mongo_store_new(const struct marimba_config *cfg, char *err, size_t errlen)
{
	struct mongo_store	*ms;
	mongoc_uri_t		*uri;
	bson_error_t		 berr;

	if ((uri = mongoc_uri_new_with_error(cfg->mongo_uri, &berr)) ==
	    NULL) {
		(void)snprintf(err, errlen, "MARIMBA_MONGO_URI: %s",
		    berr.message);
		return (NULL);
	}
	mongo_uri_default(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 2000);
	mongo_uri_default(uri, MONGOC_URI_CONNECTTIMEOUTMS, 2000);
	mongo_uri_default(uri, MONGOC_URI_SOCKETTIMEOUTMS, 10000);
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTRYONCE))
		(void)mongoc_uri_set_option_as_bool(uri,
		    MONGOC_URI_SERVERSELECTIONTRYONCE, false);
	if (!mongoc_uri_has_option(uri, MONGOC_URI_APPNAME))
		(void)mongoc_uri_set_appname(uri, "marimba-consumer");

	if ((ms = calloc(1, sizeof(*ms))) == NULL) {
		mongoc_uri_destroy(uri);
		(void)snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	ms->client = mongoc_client_new_from_uri_with_error(uri, &berr);
	mongoc_uri_destroy(uri);
	if (ms->client == NULL) {
		(void)snprintf(err, errlen, "mongo client: %s", berr.message);
		free(ms);
		return (NULL);
	}
	(void)mongoc_client_set_error_api(ms->client,
	    MONGOC_ERROR_API_VERSION_2);
	(void)snprintf(ms->db, sizeof(ms->db), "%s", cfg->mongo_db);
	ms->coll = mongoc_client_get_collection(ms->client, ms->db,
	    MONGO_STORE_COLLECTION);
	return (ms);
}

void
mongo_store_free(struct mongo_store *ms)
{
	if (ms == NULL)
		return;
	mongoc_collection_destroy(ms->coll);
	mongoc_client_destroy(ms->client);
	free(ms);
}

int
mongo_store_insert(struct mongo_store *ms, const struct vote *const *votes,
    size_t n, int64_t consumed_ms, size_t *inserted, char *err,
    size_t errlen)
{
	const bson_t	**docs;
	bson_t		  opts, reply;
	bson_error_t	  berr;
	size_t		  i, built;
	int		  rv;

	*inserted = 0;
	if (!ms->indexed && mongo_indexes(ms, err, errlen) == -1)
		return (-1);
	if (n == 0)
		return (0);

	if ((docs = calloc(n, sizeof(*docs))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return (-1);
	}
	rv = -1;
	for (built = 0; built < n; built++) {
		if ((docs[built] = mongo_doc(votes[built], consumed_ms)) ==
		    NULL) {
			(void)snprintf(err, errlen, "cannot build document");
			goto out;
		}
	}

	bson_init(&opts);
	BSON_APPEND_BOOL(&opts, "ordered", false);
	if (mongoc_collection_insert_many(ms->coll, docs, n, &opts, &reply,
	    &berr))
		rv = 0;
	else if (mongo_only_duplicates(&reply))
		rv = 0;	/* stored before: a redelivery */
	if (rv == 0)
		*inserted = mongo_inserted(&reply);
	else
		(void)snprintf(err, errlen, "insert_many: %s (domain %u, "
		    "code %u)", berr.message, berr.domain, berr.code);
	bson_destroy(&reply);
	bson_destroy(&opts);
out:
	for (i = 0; i < built; i++)
		bson_destroy(DECONST(bson_t *, docs[i]));
	free(docs);
	return (rv);
}

/*
 * The log viewer and /api/logs read newest first by _id (a ULID, so by
 * acceptance time): the built-in _id index serves "the newest 20" and
 * {name: 1, _id: -1} "the newest 20 of one band". {accepted_at: -1}
 * serves queries by time range.
 */
static int
mongo_indexes(struct mongo_store *ms, char *err, size_t errlen)
{
	mongoc_database_t	*db;
	bson_t			*cmd, reply;
	bson_error_t		 berr;
	bool			 ok;

	/*
	 * Only when missing: FerretDB 1.24 drops the connection on a
	 * createIndexes that names existing indexes.
	 */
	switch (mongo_has_indexes(ms, err, errlen)) {
	case 1:
		ms->indexed = 1;
		return (0);
	case -1:
		return (-1);
	}

	cmd = BCON_NEW("createIndexes", BCON_UTF8(MONGO_STORE_COLLECTION),
	    "indexes", "[",
		"{", "key", "{", "accepted_at", BCON_INT32(-1), "}",
		    "name", BCON_UTF8("accepted_at_-1"), "}",
		"{", "key", "{", "name", BCON_INT32(1),
		    "_id", BCON_INT32(-1), "}",
		    "name", BCON_UTF8("name_1__id_-1"), "}",
	    "]");
	db = mongoc_client_get_database(ms->client, ms->db);
	ok = mongoc_database_write_command_with_opts(db, cmd, NULL, &reply,
	    &berr);
	mongoc_database_destroy(db);
	bson_destroy(cmd);
	bson_destroy(&reply);
	if (ok) {
		ms->indexed = 1;
		return (0);
	}
	if (berr.domain == MONGOC_ERROR_SERVER ||
	    berr.domain == MONGOC_ERROR_QUERY) {
		/* The server answered: indexes are an optimisation, go on. */
		log_warn("mongo: createIndexes refused: %s (code %u); "
		    "inserting without them", berr.message, berr.code);
		ms->indexed = 1;
		return (0);
	}
	(void)snprintf(err, errlen, "createIndexes: %s (domain %u, code %u)",
	    berr.message, berr.domain, berr.code);
	return (-1);
}

/* 1 if both indexes exist, 0 if not (or no collection yet), -1 on error. */
static int
mongo_has_indexes(struct mongo_store *ms, char *err, size_t errlen)
{
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_iter_t		 it;
	bson_error_t		 berr;
	int			 found;

	found = 0;
	cur = mongoc_collection_find_indexes_with_opts(ms->coll, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		if (!bson_iter_init_find(&it, doc, "name") ||
		    !BSON_ITER_HOLDS_UTF8(&it))
			continue;
		if (strcmp(bson_iter_utf8(&it, NULL), "accepted_at_-1") == 0 ||
		    strcmp(bson_iter_utf8(&it, NULL),
		    "name_1__id_-1") == 0)
			found++;
	}
	if (mongoc_cursor_error(cur, &berr)) {
		mongoc_cursor_destroy(cur);
		if (berr.domain == MONGOC_ERROR_SERVER)
			return (0);	/* e.g. NamespaceNotFound */
		(void)snprintf(err, errlen, "listIndexes: %s (domain %u, "
		    "code %u)", berr.message, berr.domain, berr.code);
		return (-1);
	}
	mongoc_cursor_destroy(cur);
	return (found == 2);
}

/* 1 if the reply's only errors are duplicate-key write errors. */
static int
mongo_only_duplicates(const bson_t *reply)
{
	bson_iter_t	it, errs, e;
	int		seen;

	if (bson_iter_init_find(&it, reply, "writeConcernErrors") &&
	    BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &errs) &&
	    bson_iter_next(&errs))
		return (0);
	if (!bson_iter_init_find(&it, reply, "writeErrors") ||
	    !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &errs))
		return (0);
	seen = 0;
	while (bson_iter_next(&errs)) {
		if (!BSON_ITER_HOLDS_DOCUMENT(&errs) ||
		    !bson_iter_recurse(&errs, &e) ||
		    !bson_iter_find(&e, "code") ||
		    bson_iter_as_int64(&e) != MONGO_DUPLICATE_KEY)
			return (0);
		seen++;
	}
	return (seen > 0);
}

/* The reply's insertedCount: documents new to the collection. */
static size_t
mongo_inserted(const bson_t *reply)
{
	bson_iter_t	it;
	int64_t		n;

	if (!bson_iter_init_find(&it, reply, "insertedCount") ||
	    !BSON_ITER_HOLDS_NUMBER(&it))
		return (0);
	n = bson_iter_as_int64(&it);
	return (n > 0 ? (size_t)n : 0);
}

static bson_t *
mongo_doc(const struct vote *v, int64_t consumed_ms)
{
	bson_t	*doc;

	if ((doc = bson_new()) == NULL)
		return (NULL);
	if (!BSON_APPEND_UTF8(doc, "_id", v->id) ||
	    !BSON_APPEND_UTF8(doc, "name", v->name) ||
	    !BSON_APPEND_UTF8(doc, "album", v->album) ||
	    !BSON_APPEND_INT32(doc, "year", (int32_t)v->year) ||
	    !BSON_APPEND_INT32(doc, "rank", (int32_t)v->rank) ||
	    !BSON_APPEND_UTF8(doc, "source", v->source) ||
	    !BSON_APPEND_DATE_TIME(doc, "accepted_at", v->received_at_ms) ||
	    !BSON_APPEND_DATE_TIME(doc, "consumed_at", consumed_ms)) {
		bson_destroy(doc);
		return (NULL);
	}
	return (doc);
}

static void
mongo_uri_default(mongoc_uri_t *uri, const char *opt, int32_t value)
{
	if (!mongoc_uri_has_option(uri, opt))
		(void)mongoc_uri_set_option_as_int32(uri, opt, value);
}
