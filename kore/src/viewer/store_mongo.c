/* SPDX-License-Identifier: ISC */
/*
 * Reads of the log documents the consumer writes (<db>.logs, _id = vote
 * id). Pages are sorted by _id descending: ULIDs start with the accept
 * time in milliseconds, so that is newest first, and ids are unique, so
 * "_id < cursor" continues a listing with no gap and no repeat even when
 * many votes share a millisecond. Runs on a task thread.
 *
 * A page within the log window (lib/log_window.h) comes from Redis in one
 * round trip: O(page) whatever the MongoDB-wire server. Other pages are
 * the plain query, a backward walk of the _id index on MongoDB; FerretDB
 * on SQLite scans and sorts the collection for it (docs/web.md).
 */
#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <mongoc/mongoc.h>

#include "log_window.h"
#include "read_slots.h"
#include "store.h"
#include "store_mongo.h"
#include "store_window.h"

#define LOGS_COLLECTION	"logs"

static int	logs_window(struct stores *, const struct logs_query *,
		    struct log_entry *, size_t *, int *);
static int	logs_find(struct stores *, mongoc_collection_t *,
		    const struct logs_query *, struct log_entry *, size_t *,
		    int *, char *, size_t);
static int	logs_error(const bson_error_t *, char *, size_t);
static void	log_from_bson(const bson_t *, struct log_entry *);
static void	copy_utf8(bson_iter_t *, char *, size_t);

int
store_logs(struct stores *st, struct read_slots *slots,
    const struct logs_query *q, struct log_entry *out, size_t *n, int *more,
    char *err, size_t errlen)
{
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	struct read_slot	 slot;
	int			 rc;

	*n = 0;
	*more = 0;
	if (logs_window(st, q, out, n, more))
		return (0);
	if (slots != NULL && !read_slots_take(slots, &slot)) {
		(void)snprintf(err, errlen, "every log read slot is taken");
		return (-3);
	}
	if ((client = stores_mongo_pop(st)) == NULL) {
		(void)snprintf(err, errlen, "no MongoDB client");
		rc = -1;
	} else {
		coll = mongoc_client_get_collection(client,
		    stores_mongo_db(st), LOGS_COLLECTION);
		rc = logs_find(st, coll, q, out, n, more, err, errlen);
		mongoc_collection_destroy(coll);
		stores_mongo_push(st, client);
	}
	if (slots != NULL)
		read_slots_give(slots, &slot);
	return (rc);
}

/*
 * The page from the log window, when it can answer exactly: 1, or 0
 * (ask MongoDB: no window for this page, Redis unreachable or broken).
 */
static int
logs_window(struct stores *st, const struct logs_query *q,
    struct log_entry *out, size_t *n, int *more)
{
	struct redisContext	*c;
	char			 err[160];
	int			 rc;

	if (!store_window_enabled(stores_window(st)) ||
	    stores_redis_down(st))
		return (0);
	if ((c = stores_redis_get(st, err, sizeof(err))) == NULL)
		return (0);
	rc = log_window_read(c, stores_redis_prefix(st), q, out, n, more, err,
	    sizeof(err));
	stores_redis_put(st, c, rc == -1);
	if (rc == -1)
		(void)fprintf(stderr, "marimba: %s (asking MongoDB)\n", err);
	if (rc != 1) {
		*n = 0;
		*more = 0;
	}
	return (rc == 1);
}

/* No server to talk to (-1), or one that answered too late or refused
 * (-2). */
static int
logs_error(const bson_error_t *berr, char *err, size_t errlen)
{
	(void)snprintf(err, errlen, "%s", berr->message);
	return (berr->domain == MONGOC_ERROR_SERVER_SELECTION ? -1 : -2);
}

/* The plain query: a backward walk of the _id index on MongoDB. */
static int
logs_find(struct stores *st, mongoc_collection_t *coll,
    const struct logs_query *q, struct log_entry *out, size_t *n, int *more,
    char *err, size_t errlen)
{
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_t			 filter, opts, sort, lt;
	bson_error_t		 berr;
	size_t			 got;
	int			 rc;

	*n = 0;
	*more = 0;
	bson_init(&filter);
	if (q->band[0] != '\0')
		BSON_APPEND_UTF8(&filter, "name", q->band);
	if (q->source[0] != '\0')
		BSON_APPEND_UTF8(&filter, "source", q->source);
	if (q->before[0] != '\0') {
		BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &lt);
		BSON_APPEND_UTF8(&lt, "$lt", q->before);
		bson_append_document_end(&filter, &lt);
	}
	bson_init(&opts);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
	BSON_APPEND_INT32(&sort, "_id", -1);
	bson_append_document_end(&opts, &sort);
	/* One more than asked tells whether a next page exists. */
	BSON_APPEND_INT64(&opts, "limit", q->limit + 1);
	BSON_APPEND_INT64(&opts, "maxTimeMS", stores_read_max_ms(st));

	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	got = 0;
	while (mongoc_cursor_next(cur, &doc)) {
		if (got == (size_t)q->limit) {
			*more = 1;
			break;
		}
		log_from_bson(doc, &out[got++]);
	}
	rc = 0;
	if (mongoc_cursor_error(cur, &berr)) {
		rc = logs_error(&berr, err, errlen);
		got = 0;
		*more = 0;
	}
	*n = got;
	mongoc_cursor_destroy(cur);
	bson_destroy(&opts);
	bson_destroy(&filter);
	return (rc);
}

static void
log_from_bson(const bson_t *doc, struct log_entry *e)
{
	bson_iter_t	it;
	const char	*key;

	memset(e, 0, sizeof(*e));
	if (!bson_iter_init(&it, doc))
		return;
	while (bson_iter_next(&it)) {
		key = bson_iter_key(&it);
		if (strcmp(key, "_id") == 0)
			copy_utf8(&it, e->id, sizeof(e->id));
		else if (strcmp(key, "name") == 0)
			copy_utf8(&it, e->name, sizeof(e->name));
		else if (strcmp(key, "album") == 0)
			copy_utf8(&it, e->album, sizeof(e->album));
		else if (strcmp(key, "source") == 0)
			copy_utf8(&it, e->source, sizeof(e->source));
		else if (strcmp(key, "year") == 0 &&
		    BSON_ITER_HOLDS_NUMBER(&it))
			e->year = (int32_t)bson_iter_as_int64(&it);
		else if (strcmp(key, "rank") == 0 &&
		    BSON_ITER_HOLDS_NUMBER(&it))
			e->rank = (int32_t)bson_iter_as_int64(&it);
		else if (strcmp(key, "accepted_at") == 0 &&
		    BSON_ITER_HOLDS_DATE_TIME(&it))
			e->accepted_ms = bson_iter_date_time(&it);
	}
}

/* Copies a UTF-8 value if it fits whole; anything else leaves "". */
static void
copy_utf8(bson_iter_t *it, char *dst, size_t dstlen)
{
	const char	*s;
	uint32_t	 len;

	if (!BSON_ITER_HOLDS_UTF8(it))
		return;
	s = bson_iter_utf8(it, &len);
	if (len >= dstlen || memchr(s, '\0', len) != NULL)
		return;
	memcpy(dst, s, len);
	dst[len] = '\0';
}
