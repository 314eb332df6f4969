/* SPDX-License-Identifier: ISC */
/*
 * web-bench's baseline: the plain MongoDB queries behind the log viewer
 * without the log window, timed with mongoc on the same server and data
 * (newest 21 by _id; of one band; of one source; below a cursor), and
 * the two ways of fetching a page's documents by _id (one find per id,
 * one $in). Prints one line per query: name, median ms over the runs.
 *
 *   web_bench_query <mongo uri> <db> <band> <cursor> [runs [which]]
 *
 * which: letters of the queries to time (default all): n newest, b band,
 * s source, c cursor, i the by-_id fetches. On FerretDB/SQLite each one
 * scans the collection (a minute or more at a million logs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mongoc/mongoc.h>

#define Q_PAGE		21	/* limit 20 + 1 */
#define Q_RUNS_MAX	15

static double	now_ms(void);
static int	dbl_cmp(const void *, const void *);
static double	q_find(mongoc_collection_t *, bson_t *, int64_t,
		    char (*)[32], size_t *);
static double	q_each(mongoc_collection_t *, char (*)[32], size_t);
static void	q_report(const char *, double *, int);

int
main(int argc, char **argv)
{
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	bson_t			*f;
	char			 ids[Q_PAGE][32], idx[16];
	const char		*key;
	double			 t[Q_RUNS_MAX];
	size_t			 n, i;
	const char		*which;
	int			 runs, r;
	bson_t			 in, arr, filter;

	if (argc < 5 || argc > 7) {
		fprintf(stderr, "usage: web_bench_query uri db band cursor "
		    "[runs]\n");
		return (2);
	}
	runs = argc >= 6 ? atoi(argv[5]) : 3;
	which = argc == 7 ? argv[6] : "nbsci";
	if (runs < 1 || runs > Q_RUNS_MAX)
		runs = 3;
	mongoc_init();
	if ((client = mongoc_client_new(argv[1])) == NULL) {
		fprintf(stderr, "web_bench_query: bad uri\n");
		return (1);
	}
	coll = mongoc_client_get_collection(client, argv[2], "logs");

	n = 0;
	for (r = 0; r < runs && strchr(which, 'n') != NULL; r++) {
		f = bson_new();
		if ((t[r] = q_find(coll, f, Q_PAGE, ids, &n)) < 0)
			return (1);
		bson_destroy(f);
		if (r == runs - 1)
			q_report("plain newest 20", t, runs);
	}
	for (r = 0; r < runs && strchr(which, 'b') != NULL; r++) {
		f = BCON_NEW("name", BCON_UTF8(argv[3]));
		if ((t[r] = q_find(coll, f, Q_PAGE, NULL, NULL)) < 0)
			return (1);
		bson_destroy(f);
		if (r == runs - 1)
			q_report("plain band=", t, runs);
	}
	for (r = 0; r < runs && strchr(which, 's') != NULL; r++) {
		f = BCON_NEW("source", BCON_UTF8("grpc"));
		if ((t[r] = q_find(coll, f, Q_PAGE, NULL, NULL)) < 0)
			return (1);
		bson_destroy(f);
		if (r == runs - 1)
			q_report("plain source=", t, runs);
	}
	for (r = 0; r < runs && strchr(which, 'c') != NULL; r++) {
		f = BCON_NEW("_id", "{", "$lt", BCON_UTF8(argv[4]), "}");
		if ((t[r] = q_find(coll, f, Q_PAGE, NULL, NULL)) < 0)
			return (1);
		bson_destroy(f);
		if (r == runs - 1)
			q_report("plain before=", t, runs);
	}

	/* A page's documents by _id: one find each, or one $in. */
	if (strchr(which, 'i') == NULL || n == 0)
		goto out;
	for (r = 0; r < runs; r++)
		t[r] = q_each(coll, ids, n);
	q_report("21 finds by _id", t, runs);
	for (r = 0; r < runs; r++) {
		bson_init(&filter);
		BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &in);
		BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
		for (i = 0; i < n; i++) {
			(void)bson_uint32_to_string((uint32_t)i, &key, idx,
			    sizeof(idx));
			BSON_APPEND_UTF8(&arr, key, ids[i]);
		}
		bson_append_array_end(&in, &arr);
		bson_append_document_end(&filter, &in);
		if ((t[r] = q_find(coll, &filter, 0, NULL, NULL)) < 0)
			return (1);
		bson_destroy(&filter);
	}
	q_report("one _id $in of 21", t, runs);
out:
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(client);
	mongoc_cleanup();
	return (0);
}

/* ms for find(filter) sorted by _id desc (limit > 0), or unsorted. */
static double
q_find(mongoc_collection_t *coll, bson_t *filter, int64_t limit,
    char (*ids)[32], size_t *n)
{
	mongoc_cursor_t	*cur;
	const bson_t	*doc;
	bson_t		*opts;
	bson_iter_t	 it;
	bson_error_t	 err;
	double		 t0, t;

	opts = limit > 0 ? BCON_NEW("sort", "{", "_id", BCON_INT32(-1), "}",
	    "limit", BCON_INT64(limit)) : bson_new();
	t0 = now_ms();
	cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
	if (n != NULL)
		*n = 0;
	while (mongoc_cursor_next(cur, &doc)) {
		if (ids != NULL && *n < Q_PAGE &&
		    bson_iter_init_find(&it, doc, "_id") &&
		    BSON_ITER_HOLDS_UTF8(&it))
			(void)snprintf(ids[(*n)++], 32, "%s",
			    bson_iter_utf8(&it, NULL));
	}
	t = now_ms() - t0;
	if (mongoc_cursor_error(cur, &err)) {
		fprintf(stderr, "web_bench_query: %s\n", err.message);
		t = -1;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	return (t);
}

static double
q_each(mongoc_collection_t *coll, char (*ids)[32], size_t n)
{
	mongoc_cursor_t	*cur;
	const bson_t	*doc;
	bson_t		*f, *opts;
	double		 t0;
	size_t		 i;

	opts = BCON_NEW("limit", BCON_INT64(1), "singleBatch",
	    BCON_BOOL(true));
	t0 = now_ms();
	for (i = 0; i < n; i++) {
		f = BCON_NEW("_id", BCON_UTF8(ids[i]));
		cur = mongoc_collection_find_with_opts(coll, f, opts, NULL);
		while (mongoc_cursor_next(cur, &doc))
			;
		mongoc_cursor_destroy(cur);
		bson_destroy(f);
	}
	bson_destroy(opts);
	return (now_ms() - t0);
}

static void
q_report(const char *name, double *t, int runs)
{
	qsort(t, (size_t)runs, sizeof(*t), dbl_cmp);
	printf("%s\t%.1f\n", name, t[runs / 2]);
	fflush(stdout);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

static double
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
}
