/* SPDX-License-Identifier: ISC */
/*
 * consumer-bench's MongoDB baseline: a bare libmongoc insert_many loop
 * writing the documents the mongo sink would write for consumer-bench's
 * votes (bench_vote.h: same fields and values, same two secondary
 * indexes) into a fresh collection, so the mongo sink's drain
 * rate can be set next to what the store itself takes in the same run.
 * With threads > 1 that many insert_many calls run at once (a client
 * pool), to see whether concurrent batches help this server.
 *
 *   consumer_bench_mongobulk <mongo_uri> <db> <n> <batch> <threads>
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "bench_vote.h"
#include "clock.h"
#include "deconst.h"

#define BULK_THREADS_MAX	16

struct bulk {
	mongoc_client_pool_t	*pool;
	const char		*db;
	long			 n;		/* documents per thread */
	long			 batch;
	int			 failed;
	char			 err[BSON_ERROR_BUFFER_SIZE];
};

static void
die(const char *msg, const char *detail)
{
	fprintf(stderr, "consumer_bench_mongobulk: %s%s%s\n", msg,
	    detail ? ": " : "", detail ? detail : "");
	exit(1);
}

/*
 * The i-th vote of bench_vote.h as the mongo sink stores it
 * (consumer/mongo_store.c), consumed as soon as accepted.
 */
static bson_t *
bulk_doc(uint64_t i)
{
	struct vote	 v;
	bson_t		*doc;

	if (bench_vote(&v, i) == -1 || (doc = bson_new()) == NULL)
		return (NULL);
	if (!BSON_APPEND_UTF8(doc, "_id", v.id) ||
	    !BSON_APPEND_UTF8(doc, "name", v.name) ||
	    !BSON_APPEND_UTF8(doc, "album", v.album) ||
	    !BSON_APPEND_INT32(doc, "year", (int32_t)v.year) ||
	    !BSON_APPEND_INT32(doc, "rank", (int32_t)v.rank) ||
	    !BSON_APPEND_UTF8(doc, "source", v.source) ||
	    !BSON_APPEND_DATE_TIME(doc, "accepted_at", v.received_at_ms) ||
	    !BSON_APPEND_DATE_TIME(doc, "consumed_at", v.received_at_ms)) {
		bson_destroy(doc);
		return (NULL);
	}
	return (doc);
}

static void *
bulk_run(void *arg)
{
	struct bulk		*b = arg;
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	const bson_t		**docs;
	bson_t			 opts, *doc;
	bson_error_t		 berr;
	long			 done, i, k;

	if ((docs = calloc((size_t)b->batch, sizeof(*docs))) == NULL) {
		b->failed = 1;
		return (NULL);
	}
	client = mongoc_client_pool_pop(b->pool);
	coll = mongoc_client_get_collection(client, b->db, "logs");
	bson_init(&opts);
	BSON_APPEND_BOOL(&opts, "ordered", false);
	for (done = 0; done < b->n && !b->failed; done += k) {
		k = b->n - done < b->batch ? b->n - done : b->batch;
		for (i = 0; i < k; i++) {
			if ((doc = bulk_doc((uint64_t)(done + i))) == NULL)
				die("bson", "out of memory");
			docs[i] = doc;
		}
		if (!mongoc_collection_insert_many(coll, docs, (size_t)k,
		    &opts, NULL, &berr)) {
			(void)snprintf(b->err, sizeof(b->err), "%s",
			    berr.message);
			b->failed = 1;
		}
		for (i = 0; i < k; i++)
			bson_destroy(DECONST(bson_t *, docs[i]));
	}
	bson_destroy(&opts);
	mongoc_collection_destroy(coll);
	mongoc_client_pool_push(b->pool, client);
	free(docs);
	return (NULL);
}

/* The mongo sink's secondary indexes, so inserts pay for them too. */
static void
bulk_indexes(mongoc_client_pool_t *pool, const char *db_name)
{
	mongoc_client_t		*client;
	mongoc_database_t	*db;
	bson_t			*cmd;
	bson_error_t		 berr;

	client = mongoc_client_pool_pop(pool);
	db = mongoc_client_get_database(client, db_name);
	cmd = BCON_NEW("createIndexes", BCON_UTF8("logs"),
	    "indexes", "[",
		"{", "key", "{", "accepted_at", BCON_INT32(-1), "}",
		    "name", BCON_UTF8("accepted_at_-1"), "}",
		"{", "key", "{", "name", BCON_INT32(1),
		    "_id", BCON_INT32(-1), "}",
		    "name", BCON_UTF8("name_1__id_-1"), "}",
	    "]");
	if (!mongoc_database_write_command_with_opts(db, cmd, NULL, NULL,
	    &berr))
		die("createIndexes", berr.message);
	bson_destroy(cmd);
	mongoc_database_destroy(db);
	mongoc_client_pool_push(pool, client);
}

int
main(int argc, char **argv)
{
	mongoc_uri_t	*uri;
	struct bulk	 b[BULK_THREADS_MAX];
	pthread_t	 th[BULK_THREADS_MAX];
	bson_error_t	 berr;
	long		 n, batch;
	int64_t		 t0, t1;
	int		 threads, i, failed;

	if (argc != 6)
		die("usage: consumer_bench_mongobulk <mongo_uri> <db> <n> "
		    "<batch> <threads>", NULL);
	n = atol(argv[3]);
	batch = atol(argv[4]);
	threads = atoi(argv[5]);
	if (n < 1 || batch < 1 || threads < 1 || threads > BULK_THREADS_MAX)
		die("bad n, batch or threads", NULL);

	mongoc_init();
	if ((uri = mongoc_uri_new_with_error(argv[1], &berr)) == NULL)
		die("uri", berr.message);
	b[0].pool = mongoc_client_pool_new(uri);
	mongoc_uri_destroy(uri);
	if (b[0].pool == NULL)
		die("client pool", NULL);
	(void)mongoc_client_pool_set_error_api(b[0].pool,
	    MONGOC_ERROR_API_VERSION_2);
	bulk_indexes(b[0].pool, argv[2]);

	t0 = marimba_now_ms();
	for (i = 0; i < threads; i++) {
		b[i].pool = b[0].pool;
		b[i].db = argv[2];
		b[i].n = n / threads;
		b[i].batch = batch;
		b[i].failed = 0;
		b[i].err[0] = '\0';
		if (pthread_create(&th[i], NULL, bulk_run, &b[i]) != 0)
			die("pthread_create", NULL);
	}
	failed = 0;
	for (i = 0; i < threads; i++) {
		(void)pthread_join(th[i], NULL);
		if (b[i].failed) {
			fprintf(stderr, "insert_many: %s\n", b[i].err);
			failed = 1;
		}
	}
	t1 = marimba_now_ms();
	printf("mongo bulk: %ld documents in %.2f s: %.0f docs/s (insert_many "
	    "of %ld, %d at once)\n", (n / threads) * threads,
	    (t1 - t0) / 1000.0,
	    (double)((n / threads) * threads) * 1000.0 /
	    (double)(t1 - t0 > 0 ? t1 - t0 : 1), batch, threads);
	mongoc_client_pool_destroy(b[0].pool);
	mongoc_cleanup();
	return (failed);
}
