/* SPDX-License-Identifier: ISC */
/*
 * web-bench's loader: inserts N log documents shaped exactly like the
 * consumer's (_id = ULID, name, album, year, rank, source, accepted_at,
 * consumed_at) into <db>.logs with unordered insert_many batches, plus
 * the consumer's indexes, and prints the insert rate. The collection
 * is dropped first.
 *
 *   web_bench_load <mongo uri> <db> <count> [batch]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mongoc/mongoc.h>

#include "vote_id.h"

#define LOAD_BANDS	40

static double	now_s(void);

int
main(int argc, char **argv)
{
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	bson_t			**docs, *cmd, reply;
	bson_error_t		 err;
	char			 id[VOTE_ID_LEN + 1], name[64], album[64];
	long			 count, batch, i, j, n;
	int64_t			 base, ms;
	double			 t0, t;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: web_bench_load uri db count [batch]\n");
		return (2);
	}
	count = strtol(argv[3], NULL, 10);
	batch = argc == 5 ? strtol(argv[4], NULL, 10) : 5000;
	if (count < 1 || batch < 1 || batch > 100000) {
		fprintf(stderr, "web_bench_load: bad count or batch\n");
		return (2);
	}
	mongoc_init();
	if ((client = mongoc_client_new(argv[1])) == NULL) {
		fprintf(stderr, "web_bench_load: bad uri %s\n", argv[1]);
		return (1);
	}
	coll = mongoc_client_get_collection(client, argv[2], "logs");
	/* A fresh collection: what is measured is exactly count docs. */
	(void)mongoc_collection_drop(coll, &err);
	cmd = BCON_NEW("createIndexes", BCON_UTF8("logs"), "indexes", "[",
	    "{", "key", "{", "accepted_at", BCON_INT32(-1), "}",
	    "name", BCON_UTF8("accepted_at_-1"), "}",
	    "{", "key", "{", "name", BCON_INT32(1), "_id",
	    BCON_INT32(-1), "}", "name", BCON_UTF8("name_1__id_-1"),
	    "}", "]");
	if (!mongoc_client_command_simple(client, argv[2], cmd, NULL, &reply,
	    &err))
		fprintf(stderr, "web_bench_load: indexes: %s\n", err.message);
	bson_destroy(&reply);
	bson_destroy(cmd);

	if ((docs = calloc((size_t)batch, sizeof(*docs))) == NULL)
		return (1);
	/* One vote every 2 ms, ending now: ids and times ascend. */
	base = marimba_now_ms() - count * 2;
	t0 = now_s();
	for (i = 0; i < count; i += n) {
		n = count - i < batch ? count - i : batch;
		for (j = 0; j < n; j++) {
			ms = base + (i + j) * 2;
			if (vote_id_new(id, ms) == -1)
				return (1);
			(void)snprintf(name, sizeof(name), "Banda %02ld",
			    (i + j) % LOAD_BANDS);
			(void)snprintf(album, sizeof(album), "Disco %ld",
			    (i + j) % 7);
			docs[j] = BCON_NEW("_id", BCON_UTF8(id),
			    "name", BCON_UTF8(name), "album", BCON_UTF8(album),
			    "year", BCON_INT32(1980 + (int32_t)((i + j) % 40)),
			    "rank", BCON_INT32(1 + (int32_t)((i + j) % 10)),
			    "source", BCON_UTF8((i + j) % 3 ? "rest" : "grpc"),
			    "accepted_at", BCON_DATE_TIME(ms),
			    "consumed_at", BCON_DATE_TIME(ms + 5));
		}
		cmd = BCON_NEW("ordered", BCON_BOOL(false));
		if (!mongoc_collection_insert_many(coll,
		    (const bson_t **)(void *)docs, (size_t)n, cmd, &reply,
		    &err)) {
			fprintf(stderr, "web_bench_load: insert at %ld: %s\n",
			    i, err.message);
			return (1);
		}
		bson_destroy(&reply);
		bson_destroy(cmd);
		for (j = 0; j < n; j++)
			bson_destroy(docs[j]);
		if ((i / batch) % 20 == 0) {
			t = now_s() - t0;
			fprintf(stderr, "web_bench_load: %ld docs, %.0f/s\n",
			    i + n, (double)(i + n) / (t > 0 ? t : 1));
		}
	}
	t = now_s() - t0;
	printf("loaded %ld docs in %.1f s (%.0f docs/s)\n", count, t,
	    (double)count / t);
	free(docs);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(client);
	mongoc_cleanup();
	return (0);
}

static double
now_s(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}
