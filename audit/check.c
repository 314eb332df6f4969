/* SPDX-License-Identifier: ISC */
/*
 * marimba-audit check: the votes on the topic, the Redis tallies and the
 * MongoDB logs' tallies, compared. Votes keep flowing while it runs, so
 * the Kafka bounds are read around the stores (committed offsets before,
 * watermarks after) and Redis twice around the MongoDB tally: a store
 * agrees when it lies between the two readings.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "kafka_side.h"
#include "log.h"
#include "mongo_side.h"
#include "redis_side.h"
#include "report.h"
#include "tally.h"
#include "vote_id.h"

static int	check_between(const struct count_map *,
		    const struct count_map *, const struct count_map *);
static int	check_flowing(const struct tally *, const struct tally *,
		    const struct tally *);

/* 1 if lo[k] <= mid[k] <= hi[k] for every key of the three maps. */
static int
check_between(const struct count_map *lo, const struct count_map *mid,
    const struct count_map *hi)
{
	const struct count_map	*maps[3] = { lo, mid, hi };
	const struct count_ent	*a, *b, *c;
	size_t			 m, i;

	for (m = 0; m < 3; m++) {
		for (i = 0; i < maps[m]->cap; i++) {
			if (maps[m]->ents[i].key == NULL)
				continue;
			a = count_map_get(lo, maps[m]->ents[i].key,
			    maps[m]->ents[i].klen);
			b = count_map_get(mid, maps[m]->ents[i].key,
			    maps[m]->ents[i].klen);
			c = count_map_get(hi, maps[m]->ents[i].key,
			    maps[m]->ents[i].klen);
			if ((a ? a->n : 0) > (b ? b->n : 0) ||
			    (b ? b->n : 0) > (c ? c->n : 0))
				return (0);
		}
	}
	return (1);
}

static int
check_flowing(const struct tally *r1, const struct tally *m,
    const struct tally *r2)
{
	return (r1->total <= m->total && m->total <= r2->total &&
	    check_between(&r1->bands, &m->bands, &r2->bands) &&
	    check_between(&r1->albums, &m->albums, &r2->albums) &&
	    check_between(&r1->sources, &m->sources, &r2->sources));
}

int
audit_check(const struct marimba_config *cfg, const struct audit_opts *o)
{
	struct kafka_votes	 before, after;
	struct mongo_side	 ms;
	struct tally		 r1, r2, mt;
	redisContext		*rc;
	char			 err[512];
	int64_t			 t0, t_mongo;
	long long		 lower;
	long			 rows;
	int			 stores, kafka, scan, rv;

	rv = AUDIT_ERROR;
	rc = NULL;
	memset(&ms, 0, sizeof(ms));
	tally_init(&r1);
	tally_init(&r2);
	tally_init(&mt);
	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));
	t0 = marimba_now_ms();
	if (kafka_side_count(cfg, &before, err, sizeof(err)) == -1 ||
	    (rc = redis_side_connect(cfg, err, sizeof(err))) == NULL ||
	    mongo_side_open(cfg, &ms, err, sizeof(err)) == -1 ||
	    redis_side_tally(rc, cfg->redis_prefix, 1, &r1, err,
	    sizeof(err)) == -1)
		goto out;
	/*
	 * FerretDB 1.x runs $group in its own process over every document
	 * it reads (measured in bench/audit-bench: far slower than one
	 * projection cursor counted here); MongoDB runs it next to the data.
	 */
	if ((scan = o->mongo_scan) == -1 &&
	    (scan = mongo_side_ferretdb(&ms, err, sizeof(err))) == -1)
		goto out;
	t_mongo = marimba_now_ms();
	if ((scan ? mongo_side_tally_scan(&ms, &mt, err,
	    sizeof(err)) : mongo_side_tally_aggregate(&ms, &mt, err,
	    sizeof(err))) == -1)
		goto out;
	t_mongo = marimba_now_ms() - t_mongo;
	if (redis_side_tally(rc, cfg->redis_prefix, 1, &r2, err,
	    sizeof(err)) == -1 ||
	    kafka_side_count(cfg, &after, err, sizeof(err)) == -1)
		goto out;

	/*
	 * Every vote below the committed offsets is in both stores. No
	 * group with offsets (a wrong MARIMBA_CONSUMER_GROUP, or none ever
	 * ran): nothing counts as in flight.
	 */
	lower = before.groups[0] != '\0' ? before.votes - before.inflight :
	    before.votes;
	kafka = after.trimmed || (lower <= mt.total &&
	    mt.total <= after.votes && lower <= r2.total &&
	    r1.total <= after.votes);
	stores = tally_equal(&r2, &mt) || check_flowing(&r1, &mt, &r2);

	report_summary(stdout, after.trimmed ? -1 : after.votes, r2.total,
	    mt.total);
	printf("kafka: %lld messages on %d partitions, %lld dead letters, "
	    "%lld in flight (groups: %s)%s\n", after.messages, after.nparts,
	    after.dead, after.inflight,
	    after.groups[0] != '\0' ? after.groups : "none",
	    after.trimmed ? "; retention has removed older offsets, so "
	    "Kafka is not compared" : "");
	if (r1.total != r2.total)
		printf("redis: %lld votes counted while checking\n",
		    r2.total - r1.total);
	if ((rows = report_diff(stdout, &r2, &mt, o->all)) < 0) {
		(void)snprintf(err, sizeof(err), "out of memory");
		goto out;
	}
	printf("%s; %s (mongo %s %lld ms, all %lld ms)\n",
	    stores ? "stores agree" : "stores DIFFER",
	    after.trimmed ? "kafka not compared" : kafka ? "kafka agrees" :
	    "kafka DIFFERS", scan ? "scan" : "aggregate",
	    (long long)t_mongo, (long long)(marimba_now_ms() - t0));
	rv = stores && kafka ? AUDIT_AGREE : AUDIT_DIFFER;
out:
	if (rv == AUDIT_ERROR)
		log_error("check: %s", err);
	kafka_votes_free(&before);
	kafka_votes_free(&after);
	tally_free(&r1);
	tally_free(&r2);
	tally_free(&mt);
	mongo_side_close(&ms);
	if (rc != NULL)
		redisFree(rc);
	return (rv);
}
