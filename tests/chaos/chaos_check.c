/* SPDX-License-Identifier: ISC */
/*
 * The chaos test's verdict data: what the clients were told (the load
 * generators' counts and the acknowledged ids), what reached Kafka (the
 * whole topic, read back), and what the stores hold (Redis total, seen
 * keys and sources; MongoDB documents by _id).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <mongoc/mongoc.h>

#include "chaos.h"

typedef char	chaos_id[VOTE_ID_LEN + 1];

static int	id_cmp(const void *, const void *);
static long	ids_read(const char *, chaos_id **, long *);
static long	ids_unique(chaos_id *, long);
static long	topic_ids(struct chaos *, chaos_id **, long *, long *);
static int	redis_figures(struct chaos *, chaos_id *, long,
		    struct chaos_figures *);
static long	mongo_ids(struct chaos *, chaos_id **, long *);
static long	ids_found(chaos_id *, long, chaos_id *, long);

void
chaos_say(struct chaos *c, const char *fmt, ...)
{
	va_list	ap;

	printf("chaos: +%5.1f s: ", (double)(ct_now_ms() - c->t0_ms) / 1000.0);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int
chaos_measure(struct chaos *c, struct chaos_figures *f)
{
	struct lg_counts	 r, g;
	chaos_id		*acked, *topic, *logged;
	long			 nacked, ntopic, nlogged, uniq;
	int			 rc;

	memset(f, 0, sizeof(*f));
	lg_counts(&c->rest, &r);
	lg_counts(&c->grpcload, &g);
	f->sent = r.sent + g.sent;
	f->acked = r.acked + g.acked;
	f->unavailable = r.unavailable + g.unavailable;
	f->failed = r.failed + g.failed;
	f->other = r.other + g.other;
	f->other_code = r.other > 0 ? r.other_code : g.other_code;

	acked = topic = logged = NULL;
	rc = -1;
	if (fflush(c->ids) != 0 || ids_read(c->ids_path, &acked, &nacked) == -1)
		goto out;
	if (nacked != f->acked) {
		fprintf(stderr, "chaos: %ld ids in %s, %ld acknowledged\n",
		    nacked, c->ids_path, f->acked);
		goto out;
	}
	uniq = ids_unique(acked, nacked);
	f->acked_dups = nacked - uniq;
	nacked = uniq;

	if (topic_ids(c, &topic, &ntopic, &f->topic_msgs) == -1)
		goto out;
	f->topic_ids = ntopic;
	f->acked_not_in_topic = nacked - ids_found(acked, nacked, topic,
	    ntopic);

	if (redis_figures(c, acked, nacked, f) == -1)
		goto out;
	if (mongo_ids(c, &logged, &nlogged) == -1)
		goto out;
	f->logged = nlogged;
	uniq = ids_unique(logged, nlogged);
	f->logged_dups = nlogged - uniq;
	f->acked_logged = ids_found(acked, nacked, logged, uniq);
	f->topic_logged = ids_found(topic, ntopic, logged, uniq);
	rc = 0;
out:
	free(acked);
	free(topic);
	free(logged);
	return (rc);
}

static int
id_cmp(const void *a, const void *b)
{
	return (strcmp(a, b));
}

/* Every line of path (an id each) into a sorted array. */
static long
ids_read(const char *path, chaos_id **out, long *n)
{
	FILE		*f;
	chaos_id	*ids, *grown;
	char		 line[128];
	size_t		 cap, len;

	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		return (-1);
	}
	ids = NULL;
	cap = 0;
	*n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		len = strcspn(line, "\n");
		if (len != VOTE_ID_LEN) {
			fprintf(stderr, "chaos: %s: bad line %s", path, line);
			continue;
		}
		if ((size_t)*n == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			if ((grown = reallocarray(ids, cap,
			    sizeof(*ids))) == NULL) {
				free(ids);
				fclose(f);
				return (-1);
			}
			ids = grown;
		}
		memcpy(ids[*n], line, VOTE_ID_LEN);
		ids[*n][VOTE_ID_LEN] = '\0';
		(*n)++;
	}
	fclose(f);
	if (*n > 0)
		qsort(ids, (size_t)*n, sizeof(*ids), id_cmp);
	*out = ids;
	return (*n);
}

/* Squeezes out repeats of a sorted array; the number left. */
static long
ids_unique(chaos_id *ids, long n)
{
	long	i, j;

	for (i = 0, j = 0; i < n; i++) {
		if (j > 0 && strcmp(ids[j - 1], ids[i]) == 0)
			continue;
		if (i != j)
			memcpy(ids[j], ids[i], sizeof(*ids));
		j++;
	}
	return (j);
}

/* The distinct vote ids on the topic, sorted. */
static long
topic_ids(struct chaos *c, chaos_id **out, long *n, long *msgs)
{
	struct vote	*votes;
	chaos_id	*ids;
	size_t		 count, i;

	if (tg_topic_read(c->brokers, c->env.topic, &votes, &count) == -1) {
		fprintf(stderr, "chaos: cannot read topic %s\n", c->env.topic);
		return (-1);
	}
	if ((ids = calloc(count + 1, sizeof(*ids))) == NULL) {
		free(votes);
		return (-1);
	}
	for (i = 0; i < count; i++)
		memcpy(ids[i], votes[i].id, sizeof(*ids));
	free(votes);
	if (count > 0)
		qsort(ids, count, sizeof(*ids), id_cmp);
	*out = ids;
	*msgs = (long)count;
	*n = ids_unique(ids, (long)count);
	return (*n);
}

static int
redis_figures(struct chaos *c, chaos_id *ids, long n,
    struct chaos_figures *f)
{
	redisContext	*rc;
	redisReply	*r;
	struct timeval	 tv = { 5, 0 };
	long		 i, j, chunk;
	size_t		 k;

	rc = redisConnectWithTimeout("127.0.0.1", c->redis_port, tv);
	if (rc == NULL || rc->err) {
		fprintf(stderr, "chaos: redis: %s\n", rc ? rc->errstr : "?");
		if (rc != NULL)
			redisFree(rc);
		return (-1);
	}
	(void)redisSetTimeout(rc, tv);
	f->counted = ct_redis_get(&c->env, "total");
	if ((r = redisCommand(rc, "HGETALL %s:sources", c->env.prefix)) !=
	    NULL && r->type == REDIS_REPLY_ARRAY) {
		for (k = 1; k < r->elements; k += 2)
			f->by_source += strtol(r->element[k]->str, NULL, 10);
	}
	if (r != NULL)
		freeReplyObject(r);

	for (i = 0; i < n; i += chunk) {
		chunk = n - i < 1000 ? n - i : 1000;
		for (j = 0; j < chunk; j++)
			(void)redisAppendCommand(rc, "EXISTS %s:seen:%s",
			    c->env.prefix, ids[i + j]);
		for (j = 0; j < chunk; j++) {
			if (redisGetReply(rc, (void **)&r) != REDIS_OK ||
			    r == NULL) {
				redisFree(rc);
				return (-1);
			}
			if (r->type == REDIS_REPLY_INTEGER && r->integer == 1)
				f->acked_seen++;
			freeReplyObject(r);
		}
	}
	redisFree(rc);
	return (0);
}

/* How many of the sorted ids are in the sorted set. */
static long
ids_found(chaos_id *ids, long n, chaos_id *set, long nset)
{
	long	i, found;

	for (i = 0, found = 0; i < n; i++) {
		if (nset > 0 && bsearch(ids[i], set, (size_t)nset,
		    sizeof(*set), id_cmp) != NULL)
			found++;
	}
	return (found);
}

/* The _id of every document in <db>.logs, sorted: one query. */
static long
mongo_ids(struct chaos *c, chaos_id **out, long *n)
{
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_t			*filter, *opts;
	bson_iter_t		 it;
	bson_error_t		 berr;
	chaos_id		*ids, *grown;
	size_t			 cap;
	uint32_t		 len;
	const char		*s;
	long			 rc;

	if ((client = mongoc_client_new(c->mongo_uri)) == NULL)
		return (-1);
	coll = mongoc_client_get_collection(client, c->env.mongo_db, "logs");
	filter = bson_new();
	opts = BCON_NEW("projection", "{", "_id", BCON_INT32(1), "}",
	    "batchSize", BCON_INT32(10000));
	cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
	ids = NULL;
	cap = 0;
	*n = 0;
	rc = 0;
	while (mongoc_cursor_next(cur, &doc)) {
		if (!bson_iter_init_find(&it, doc, "_id") ||
		    !BSON_ITER_HOLDS_UTF8(&it) ||
		    (s = bson_iter_utf8(&it, &len)) == NULL ||
		    len != VOTE_ID_LEN) {
			fprintf(stderr, "chaos: a logs document without a "
			    "vote id as _id\n");
			rc = -1;
			break;
		}
		if ((size_t)*n == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			if ((grown = reallocarray(ids, cap,
			    sizeof(*ids))) == NULL) {
				rc = -1;
				break;
			}
			ids = grown;
		}
		memcpy(ids[*n], s, VOTE_ID_LEN + 1);
		(*n)++;
	}
	if (rc == 0 && mongoc_cursor_error(cur, &berr)) {
		fprintf(stderr, "chaos: mongo: %s\n", berr.message);
		rc = -1;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(filter);
	bson_destroy(opts);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(client);
	if (rc == -1) {
		free(ids);
		return (-1);
	}
	if (*n > 0)
		qsort(ids, (size_t)*n, sizeof(*ids), id_cmp);
	*out = ids;
	return (*n);
}
