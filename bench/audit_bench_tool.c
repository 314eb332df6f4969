/* SPDX-License-Identifier: ISC */
/*
 * bench/audit-bench's baseline: one bare cursor over <db>.logs with the
 * projection marimba-audit reads ({name, album, source, accepted_at}),
 * documents only counted, and a bare countDocuments. What any audit of
 * the log costs at least on this server.
 *
 *   audit_bench_tool <mongo_uri> <db> [nocount]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mongoc/mongoc.h>

#include "vote_id.h"

int
main(int argc, char *argv[])
{
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_t			 filter, *opts;
	bson_error_t		 berr;
	int64_t			 t0, n, count;

	if (argc != 3 && (argc != 4 || strcmp(argv[3], "nocount") != 0)) {
		fprintf(stderr, "usage: audit_bench_tool <mongo_uri> <db> "
		    "[nocount]\n");
		return (2);
	}
	mongoc_init();
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	if ((client = mongoc_client_new(argv[1])) == NULL) {
		fprintf(stderr, "audit_bench_tool: bad URI\n");
		return (2);
	}
	coll = mongoc_client_get_collection(client, argv[2], "logs");
	bson_init(&filter);

	t0 = marimba_now_ms();
	count = argc == 4 ? 0 : mongoc_collection_count_documents(coll,
	    &filter, NULL, NULL, NULL, &berr);
	if (count < 0) {
		fprintf(stderr, "audit_bench_tool: count: %s\n", berr.message);
		return (1);
	}
	if (argc == 3)
		printf("baseline countDocuments: %lld logs in %lld ms\n",
		    (long long)count, (long long)(marimba_now_ms() - t0));

	opts = BCON_NEW("projection", "{", "name", BCON_INT32(1),
	    "album", BCON_INT32(1), "source", BCON_INT32(1),
	    "accepted_at", BCON_INT32(1), "}", "batchSize", BCON_INT32(10000));
	t0 = marimba_now_ms();
	cur = mongoc_collection_find_with_opts(coll, &filter, opts, NULL);
	for (n = 0; mongoc_cursor_next(cur, &doc); n++)
		;
	if (mongoc_cursor_error(cur, &berr)) {
		fprintf(stderr, "audit_bench_tool: find: %s\n", berr.message);
		return (1);
	}
	printf("baseline bare cursor: %lld logs in %lld ms\n", (long long)n,
	    (long long)(marimba_now_ms() - t0));
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(&filter);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(client);
	mongoc_cleanup();
	return (0);
}
