/* SPDX-License-Identifier: ISC */
/*
 * marimba-audit missing: reads the topic from each partition's low
 * watermark up to the consumer group's committed offset (below it every
 * vote must be in both stores; above it votes are still in flight) and
 * prints each vote id that Redis (its dedupe key) or MongoDB (its log)
 * does not have, with where it is. The committed offsets are read
 * first, then every log id (one cursor), so each vote checked was in
 * MongoDB before the ids were read, if it was stored at all:
 *   <id> neither|redis-only|mongo-only <partition>:<offset>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "kafka_side.h"
#include "log.h"
#include "mongo_side.h"
#include "redis_side.h"
#include "vote.h"
#include "vote_codec.h"
#include "vote_id.h"

#define MISSING_BATCH	1000

struct missing_ent {
	char		id[VOTE_ID_LEN + 1];
	int32_t		partition;
	int64_t		offset;
	int64_t		received_ms;
};

struct missing {
	const struct marimba_config	*cfg;
	const struct audit_opts		*opts;
	redisContext			*rc;
	struct mongo_ids		 logs;
	struct missing_ent		 batch[MISSING_BATCH];
	char				 ids[MISSING_BATCH][VOTE_ID_LEN + 1];
	char				 in_redis[MISSING_BATCH];
	char				 in_mongo;
	size_t				 n;
	long long			 checked, undecodable, old;
	long long			 neither, redis_only, mongo_only;
	long				 printed;
	char				 err[512];
};

static int	missing_one(void *, const rd_kafka_message_t *);
static int	missing_flush(struct missing *);

static int
missing_one(void *arg, const rd_kafka_message_t *m)
{
	struct missing		*mi = arg;
	struct missing_ent	*e;
	struct vote		 v;
	struct vote_error	 verr;

	if (vote_decode(m->payload, m->len, &v, &verr) != VOTE_OK) {
		mi->undecodable++;	/* a dead letter, never stored */
		return (0);
	}
	e = &mi->batch[mi->n++];
	memcpy(e->id, v.id, sizeof(e->id));
	e->partition = m->partition;
	e->offset = m->offset;
	e->received_ms = v.received_at_ms;
	if (mi->n == MISSING_BATCH)
		return (missing_flush(mi));
	return (0);
}

static int
missing_flush(struct missing *mi)
{
	struct missing_ent	*e;
	const char		*where;
	int64_t			 oldest;
	size_t			 i;

	if (mi->n == 0)
		return (0);
	for (i = 0; i < mi->n; i++)
		memcpy(mi->ids[i], mi->batch[i].id, sizeof(mi->ids[i]));
	if (redis_side_seen(mi->rc, mi->cfg->redis_prefix, mi->ids, mi->n,
	    mi->in_redis, mi->err, sizeof(mi->err)) == -1)
		return (-1);
	/* Dedupe keys expire: older votes can't be checked in Redis. */
	oldest = marimba_now_ms() - (int64_t)mi->cfg->dedupe_ttl_s * 1000 +
	    60000;
	for (i = 0; i < mi->n; i++) {
		e = &mi->batch[i];
		if (e->received_ms < oldest && !mi->in_redis[i]) {
			mi->old++;
			mi->in_redis[i] = 1;
		}
		mi->checked++;
		mi->in_mongo = mongo_ids_has(&mi->logs, e->id);
		if (mi->in_redis[i] && mi->in_mongo)
			continue;
		if (!mi->in_redis[i] && !mi->in_mongo) {
			where = "neither";
			mi->neither++;
		} else if (mi->in_redis[i]) {
			where = "redis-only";
			mi->redis_only++;
		} else {
			where = "mongo-only";
			mi->mongo_only++;
		}
		if (mi->opts->max_lines == 0 ||
		    mi->printed < mi->opts->max_lines) {
			printf("%s %s %d:%lld\n", e->id, where,
			    (int)e->partition, (long long)e->offset);
			mi->printed++;
		}
	}
	mi->n = 0;
	return (0);
}

int
audit_missing(const struct marimba_config *cfg, const struct audit_opts *o)
{
	struct kafka_votes	 kv;
	struct mongo_side	 ms;
	struct missing		*mi;
	int64_t			*from, *to;
	int			 i, rv;

	rv = AUDIT_ERROR;
	from = to = NULL;
	memset(&ms, 0, sizeof(ms));
	memset(&kv, 0, sizeof(kv));
	if ((mi = calloc(1, sizeof(*mi))) == NULL) {
		log_error("missing: out of memory");
		return (AUDIT_ERROR);
	}
	mi->cfg = cfg;
	mi->opts = o;
	if (kafka_side_count(cfg, &kv, mi->err, sizeof(mi->err)) == -1 ||
	    (mi->rc = redis_side_connect(cfg, mi->err, sizeof(mi->err))) ==
	    NULL || mongo_side_open(cfg, &ms, mi->err, sizeof(mi->err)) == -1 ||
	    mongo_side_ids(&ms, &mi->logs, mi->err, sizeof(mi->err)) == -1)
		goto out;
	from = calloc((size_t)kv.nparts, sizeof(*from));
	to = calloc((size_t)kv.nparts, sizeof(*to));
	if (from == NULL || to == NULL) {
		(void)snprintf(mi->err, sizeof(mi->err), "out of memory");
		goto out;
	}
	for (i = 0; i < kv.nparts; i++) {
		from[i] = kv.parts[i].low;
		to[i] = kv.parts[i].committed;
	}
	if (kafka_side_read(cfg, cfg->kafka_topic, from, to, kv.nparts,
	    missing_one, mi, mi->err, sizeof(mi->err)) == -1 ||
	    missing_flush(mi) == -1)
		goto out;
	printf("missing: %lld votes checked (%lld not decodable, %lld "
	    "older than the dedupe window checked in mongo only, %lld in "
	    "flight not checked): %lld in neither store, %lld in redis "
	    "only, %lld in mongo only\n", mi->checked, mi->undecodable,
	    mi->old, kv.inflight, mi->neither, mi->redis_only,
	    mi->mongo_only);
	rv = mi->neither + mi->redis_only + mi->mongo_only == 0 ?
	    AUDIT_AGREE : AUDIT_DIFFER;
out:
	if (rv == AUDIT_ERROR)
		log_error("missing: %s", mi->err);
	if (mi->rc != NULL)
		redisFree(mi->rc);
	mongo_side_close(&ms);
	mongo_ids_free(&mi->logs);
	kafka_votes_free(&kv);
	free(from);
	free(to);
	free(mi);
	return (rv);
}
