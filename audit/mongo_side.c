/* SPDX-License-Identifier: ISC */
/*
 * Implements mongo_side.h with mongo-c-driver on <MARIMBA_MONGO_DB>.logs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "log.h"
#include "mongoc_log.h"
#include "mongo_side.h"

#define MONGO_COLLECTION	"logs"
#define MONGO_BATCH		10000

static int	mongo_doc(const bson_t *, struct log_doc *);
static const char	*mongo_utf8(const bson_t *, const char *, uint32_t *);
static int	mongo_id_cmp(const void *, const void *);

static int
mongo_id_cmp(const void *key, const void *elem)
{
	return (memcmp(key, elem, VOTE_ID_LEN));
}

void
mongo_side_init(void)
{
	mongoc_log_init();
}

void
mongo_side_cleanup(void)
{
	mongoc_cleanup();
}

int
mongo_side_open(const struct marimba_config *cfg, struct mongo_side *ms,
    char *err, size_t errlen)
{
	mongoc_uri_t	*uri;
	bson_error_t	 berr;

	memset(ms, 0, sizeof(*ms));
	if ((uri = mongoc_uri_new_with_error(cfg->mongo_uri, &berr)) ==
	    NULL) {
		(void)snprintf(err, errlen, "MARIMBA_MONGO_URI: %s",
		    berr.message);
		return (-1);
	}
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
		(void)mongoc_uri_set_option_as_int32(uri,
		    MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
	/* A scan of a million logs on FerretDB takes a while per batch. */
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SOCKETTIMEOUTMS))
		(void)mongoc_uri_set_option_as_int32(uri,
		    MONGOC_URI_SOCKETTIMEOUTMS, 600000);
	if (!mongoc_uri_has_option(uri, MONGOC_URI_APPNAME))
		(void)mongoc_uri_set_appname(uri, "marimba-audit");
	ms->client = mongoc_client_new_from_uri_with_error(uri, &berr);
	mongoc_uri_destroy(uri);
	if (ms->client == NULL) {
		(void)snprintf(err, errlen, "mongo client: %s", berr.message);
		return (-1);
	}
	(void)mongoc_client_set_error_api(ms->client,
	    MONGOC_ERROR_API_VERSION_2);
	ms->coll = mongoc_client_get_collection(ms->client, cfg->mongo_db,
	    MONGO_COLLECTION);
	return (0);
}

void
mongo_side_close(struct mongo_side *ms)
{
	if (ms->coll != NULL)
		mongoc_collection_destroy(ms->coll);
	if (ms->client != NULL)
		mongoc_client_destroy(ms->client);
	memset(ms, 0, sizeof(*ms));
}

static const char *
mongo_utf8(const bson_t *doc, const char *field, uint32_t *len)
{
	bson_iter_t	it;

	if (!bson_iter_init_find(&it, doc, field) || !BSON_ITER_HOLDS_UTF8(&it))
		return (NULL);
	return (bson_iter_utf8(&it, len));
}

/* 0 if doc has the string fields of a vote, -1 if not. */
static int
mongo_doc(const bson_t *doc, struct log_doc *d)
{
	bson_iter_t	it;

	memset(d, 0, sizeof(*d));
	d->accepted_ms = -1;
	if ((d->id = mongo_utf8(doc, "_id", &d->idlen)) == NULL ||
	    (d->name = mongo_utf8(doc, "name", &d->namelen)) == NULL ||
	    (d->album = mongo_utf8(doc, "album", &d->albumlen)) == NULL ||
	    (d->source = mongo_utf8(doc, "source", &d->sourcelen)) == NULL)
		return (-1);
	if (bson_iter_init_find(&it, doc, "accepted_at") &&
	    BSON_ITER_HOLDS_DATE_TIME(&it))
		d->accepted_ms = bson_iter_date_time(&it);
	return (0);
}

int
mongo_side_ferretdb(struct mongo_side *ms, char *err, size_t errlen)
{
	bson_t		*cmd, reply;
	bson_iter_t	 it;
	bson_error_t	 berr;
	int		 rv;

	cmd = BCON_NEW("buildInfo", BCON_INT32(1));
	if (!mongoc_client_command_simple(ms->client, "admin", cmd, NULL,
	    &reply, &berr)) {
		(void)snprintf(err, errlen, "mongo buildInfo: %s",
		    berr.message);
		rv = -1;
	} else
		rv = bson_iter_init_find(&it, &reply, "ferretdbVersion") ?
		    1 : 0;
	bson_destroy(&reply);
	bson_destroy(cmd);
	return (rv);
}

int
mongo_side_tally_aggregate(struct mongo_side *ms, struct tally *t,
    char *err, size_t errlen)
{
	mongoc_cursor_t	*cur;
	const bson_t	*doc;
	bson_t		*pipeline, *opts;
	bson_iter_t	 it, sub;
	bson_error_t	 berr;
	const char	*band, *album, *source;
	uint32_t	 blen, alen, slen;
	int		 rv;

	tally_init(t);
	pipeline = BCON_NEW("pipeline", "[",
	    "{", "$group", "{",
		"_id", "{", "n", BCON_UTF8("$name"), "a", BCON_UTF8("$album"),
		    "s", BCON_UTF8("$source"), "}",
		"c", "{", "$sum", BCON_INT32(1), "}",
	    "}", "}", "]");
	opts = BCON_NEW("allowDiskUse", BCON_BOOL(true));
	cur = mongoc_collection_aggregate(ms->coll, MONGOC_QUERY_NONE,
	    pipeline, opts, NULL);
	rv = 0;
	while (rv == 0 && mongoc_cursor_next(cur, &doc)) {
		if (!bson_iter_init_find(&it, doc, "_id") ||
		    !BSON_ITER_HOLDS_DOCUMENT(&it) ||
		    !bson_iter_recurse(&it, &sub))
			continue;
		band = album = source = NULL;
		blen = alen = slen = 0;
		while (bson_iter_next(&sub)) {
			if (!BSON_ITER_HOLDS_UTF8(&sub))
				continue;
			if (strcmp(bson_iter_key(&sub), "n") == 0)
				band = bson_iter_utf8(&sub, &blen);
			else if (strcmp(bson_iter_key(&sub), "a") == 0)
				album = bson_iter_utf8(&sub, &alen);
			else if (strcmp(bson_iter_key(&sub), "s") == 0)
				source = bson_iter_utf8(&sub, &slen);
		}
		if (band == NULL || album == NULL || source == NULL ||
		    !bson_iter_init_find(&it, doc, "c"))
			continue;	/* not a vote's log: not counted */
		if (tally_add(t, band, blen, album, alen, source, slen,
		    bson_iter_as_int64(&it)) == -1) {
			(void)snprintf(err, errlen, "out of memory");
			rv = -1;
		}
	}
	if (rv == 0 && mongoc_cursor_error(cur, &berr)) {
		(void)snprintf(err, errlen, "mongo aggregate: %s",
		    berr.message);
		rv = -1;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(pipeline);
	if (rv == -1)
		tally_free(t);
	return (rv);
}

struct scan_tally {
	struct tally	*t;
};

static int
mongo_tally_one(void *arg, const struct log_doc *d)
{
	struct scan_tally	*st = arg;

	return (tally_add(st->t, d->name, d->namelen, d->album, d->albumlen,
	    d->source, d->sourcelen, 1));
}

int
mongo_side_tally_scan(struct mongo_side *ms, struct tally *t, char *err,
    size_t errlen)
{
	struct scan_tally	st;
	long long		bad;

	tally_init(t);
	st.t = t;
	if (mongo_side_scan(ms, mongo_tally_one, &st, &bad, err, errlen) ==
	    -1) {
		tally_free(t);
		return (-1);
	}
	return (0);
}

int
mongo_side_scan(struct mongo_side *ms, mongo_doc_fn fn, void *arg,
    long long *bad, char *err, size_t errlen)
{
	mongoc_cursor_t	*cur;
	const bson_t	*doc;
	bson_t		 filter, *opts;
	bson_error_t	 berr;
	struct log_doc	 d;
	int		 rv;

	*bad = 0;
	bson_init(&filter);
	opts = BCON_NEW("projection", "{", "name", BCON_INT32(1),
	    "album", BCON_INT32(1), "source", BCON_INT32(1),
	    "accepted_at", BCON_INT32(1), "}",
	    "batchSize", BCON_INT32(MONGO_BATCH));
	cur = mongoc_collection_find_with_opts(ms->coll, &filter, opts, NULL);
	rv = 0;
	while (rv == 0 && mongoc_cursor_next(cur, &doc)) {
		if (mongo_doc(doc, &d) == -1) {
			(*bad)++;
			continue;
		}
		if (fn(arg, &d) != 0) {
			(void)snprintf(err, errlen, "log %.*s: not handled",
			    (int)d.idlen, d.id);
			rv = -1;
		}
	}
	if (rv == 0 && mongoc_cursor_error(cur, &berr)) {
		(void)snprintf(err, errlen, "mongo find: %s", berr.message);
		rv = -1;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(&filter);
	return (rv);
}

int
mongo_side_ids(struct mongo_side *ms, struct mongo_ids *set, char *err,
    size_t errlen)
{
	mongoc_cursor_t	*cur;
	const bson_t	*doc;
	bson_t		 filter, *opts;
	bson_error_t	 berr;
	const char	*id;
	void		*grown;
	uint32_t	 len;
	int		 rv;

	memset(set, 0, sizeof(*set));
	bson_init(&filter);
	opts = BCON_NEW("projection", "{", "_id", BCON_INT32(1), "}",
	    "batchSize", BCON_INT32(MONGO_BATCH));
	cur = mongoc_collection_find_with_opts(ms->coll, &filter, opts, NULL);
	rv = 0;
	while (rv == 0 && mongoc_cursor_next(cur, &doc)) {
		if ((id = mongo_utf8(doc, "_id", &len)) == NULL ||
		    len != VOTE_ID_LEN)
			continue;
		if (set->n == set->cap) {
			set->cap = set->cap == 0 ? 65536 : set->cap * 2;
			if ((grown = realloc(set->ids, set->cap *
			    sizeof(*set->ids))) == NULL) {
				(void)snprintf(err, errlen, "out of memory");
				rv = -1;
				break;
			}
			set->ids = grown;
		}
		memcpy(set->ids[set->n++], id, VOTE_ID_LEN);
	}
	if (rv == 0 && mongoc_cursor_error(cur, &berr)) {
		(void)snprintf(err, errlen, "mongo find: %s", berr.message);
		rv = -1;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(&filter);
	if (rv == -1) {
		mongo_ids_free(set);
		return (-1);
	}
	if (set->n > 0)
		qsort(set->ids, set->n, sizeof(*set->ids), mongo_id_cmp);
	return (0);
}

int
mongo_ids_has(const struct mongo_ids *set, const char *id)
{
	if (set->n == 0)
		return (0);
	return (bsearch(id, set->ids, set->n, sizeof(*set->ids),
	    mongo_id_cmp) != NULL);
}

void
mongo_ids_free(struct mongo_ids *set)
{
	free(set->ids);
	memset(set, 0, sizeof(*set));
}
