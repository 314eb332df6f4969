/* SPDX-License-Identifier: ISC */
/*
 * consumer-bench's helper: fills a topic with votes, waits for a consumer
 * group to commit a number of messages, and measures end-to-end latency
 * (vote accepted -> counted in Redis) by producing timestamped votes at a
 * steady rate and polling their <prefix>:seen:<id> keys.
 *
 *   consumer_bench_tool fill <brokers> <topic> <partitions> <n>
 *   consumer_bench_tool committed <brokers> <topic> <partitions> <group>
 *       <n> <timeout_s>
 *   consumer_bench_tool latency <brokers> <topic> <redis_port> <prefix>
 *       <rate> <seconds>
 *   consumer_bench_tool cleanup <brokers> <mongo_uri> <db> <topic>...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <mongoc/mongoc.h>
#include <librdkafka/rdkafka.h>

#include "bench_vote.h"
#include "vote.h"
#include "vote_codec.h"
#include "vote_id.h"

static void
die(const char *msg, const char *detail)
{
	fprintf(stderr, "consumer_bench_tool: %s%s%s\n", msg,
	    detail ? ": " : "", detail ? detail : "");
	exit(1);
}

static rd_kafka_t *
producer(const char *brokers)
{
	rd_kafka_conf_t	*conf;
	rd_kafka_t	*rk;
	char		 err[256];

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers, err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "acks", "all", err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "linger.ms", "5", err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK)
		die("conf", err);
	if ((rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err))) ==
	    NULL)
		die("producer", err);
	return (rk);
}

static void
create_topic(rd_kafka_t *rk, const char *topic, int partitions)
{
	rd_kafka_NewTopic_t	*nt;
	rd_kafka_queue_t	*q;
	rd_kafka_event_t	*ev;
	char			 err[256];

	if ((nt = rd_kafka_NewTopic_new(topic, partitions, 1, err,
	    sizeof(err))) == NULL)
		die("NewTopic", err);
	q = rd_kafka_queue_new(rk);
	rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
	rd_kafka_NewTopic_destroy(nt);
	if ((ev = rd_kafka_queue_poll(q, 30000)) == NULL)
		die("create topic", "no answer");
	rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
}

static void
produce(rd_kafka_t *rk, const char *topic, const struct vote *v)
{
	rd_kafka_resp_err_t	rerr;
	uint8_t			buf[1024];
	size_t			len;

	if (vote_encode(v, buf, sizeof(buf), &len) != VOTE_OK)
		die("vote_encode", NULL);
	for (;;) {
		rerr = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic),
		    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_KEY(v->id, VOTE_ID_LEN),
		    RD_KAFKA_V_VALUE(buf, len), RD_KAFKA_V_END);
		if (rerr != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			break;
		rd_kafka_poll(rk, 5);
	}
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR)
		die("produce", rd_kafka_err2str(rerr));
	rd_kafka_poll(rk, 0);
}

static int
fill(int argc, char **argv)
{
	rd_kafka_t	*rk;
	struct vote	 v;
	uint64_t	 i, n;
	int64_t		 t0, t1;

	if (argc != 6)
		die("usage: fill <brokers> <topic> <partitions> <n>", NULL);
	rk = producer(argv[2]);
	create_topic(rk, argv[3], atoi(argv[4]));
	n = strtoull(argv[5], NULL, 10);
	t0 = marimba_now_ms();
	for (i = 0; i < n; i++) {
		if (bench_vote(&v, i) == -1)
			die("vote_id_new", NULL);
		produce(rk, argv[3], &v);
	}
	if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		die("flush", "messages left");
	t1 = marimba_now_ms();
	printf("fill: %llu votes in %.2f s (%.0f/s)\n", (unsigned long long)n,
	    (t1 - t0) / 1000.0, n * 1000.0 / (t1 - t0 > 0 ? t1 - t0 : 1));
	rd_kafka_destroy(rk);
	return (0);
}

static long long
committed_sum(rd_kafka_t *rk, const char *topic, int partitions)
{
	rd_kafka_topic_partition_list_t	*parts;
	long long			 sum;
	int				 i;

	parts = rd_kafka_topic_partition_list_new(partitions);
	for (i = 0; i < partitions; i++)
		(void)rd_kafka_topic_partition_list_add(parts, topic, i);
	sum = -1;
	if (rd_kafka_committed(rk, parts, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		sum = 0;
		for (i = 0; i < parts->cnt; i++)
			if (parts->elems[i].offset > 0)
				sum += parts->elems[i].offset;
	}
	rd_kafka_topic_partition_list_destroy(parts);
	return (sum);
}

/* Prints seconds until the group committed n messages (from now). */
static int
committed(int argc, char **argv)
{
	rd_kafka_conf_t	*conf;
	rd_kafka_t	*rk;
	struct timespec	 ts = { 0, 50 * 1000000L };
	char		 err[256];
	long long	 n, got, first;
	int64_t		 t0, t_first, now, deadline;

	if (argc != 8)
		die("usage: committed <brokers> <topic> <partitions> <group> "
		    "<n> <timeout_s>", NULL);
	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[2], err,
	    sizeof(err)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "group.id", argv[5], err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK)
		die("conf", err);
	if ((rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err))) ==
	    NULL)
		die("consumer", err);
	n = atoll(argv[6]);
	t0 = marimba_now_ms();
	deadline = t0 + atoll(argv[7]) * 1000;
	t_first = 0;
	first = 0;
	while ((got = committed_sum(rk, argv[3], atoi(argv[4]))) < n &&
	    marimba_now_ms() < deadline) {
		if (got > 0 && t_first == 0) {
			t_first = marimba_now_ms();
			first = got;
		}
		nanosleep(&ts, NULL);
	}
	now = marimba_now_ms();
	if (t_first == 0 || now <= t_first)
		t_first = t0;
	/* The rate excludes joining the group: from the first commit on. */
	printf("drain: %lld committed in %.2f s (%.2f s after the first "
	    "commit): %.0f votes/s\n", got, (now - t0) / 1000.0,
	    (now - t_first) / 1000.0,
	    (got - first) * 1000.0 / (double)(now - t_first));
	rd_kafka_destroy(rk);
	return (got >= n ? 0 : 1);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

struct pending {
	char	id[VOTE_ID_LEN + 1];
	int64_t	at;
};

/* Produces rate votes/s for secs seconds; latency = seen in Redis - at. */
/*
 * Connects and learns the topic's leaders before the clock starts: a
 * cold producer holds its first messages for about a second, which
 * would show as the consumer's tail.
 */
static void
warm_up(rd_kafka_t *rk, const char *topic)
{
	const struct rd_kafka_metadata	*md;
	rd_kafka_topic_t		*rkt;
	rd_kafka_resp_err_t		 rerr;

	if ((rkt = rd_kafka_topic_new(rk, topic, NULL)) == NULL)
		die("topic", topic);
	rerr = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR)
		die("metadata", rd_kafka_err2str(rerr));
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
}

static int
latency(int argc, char **argv)
{
	rd_kafka_t	*rk;
	redisContext	*rc;
	redisReply	*r;
	struct pending	*pend;
	struct vote	 v;
	struct timespec	 ts = { 0, 1000000L };
	int64_t		*lat, t0, next, now, end;
	size_t		 npend, nlat, total, i, k;
	double		 rate;

	if (argc != 8)
		die("usage: latency <brokers> <topic> <redis_port> <prefix> "
		    "<rate> <seconds>", NULL);
	rk = producer(argv[2]);
	warm_up(rk, argv[3]);
	if ((rc = redisConnect("127.0.0.1", atoi(argv[4]))) == NULL ||
	    rc->err)
		die("redis", rc ? rc->errstr : "no context");
	rate = atof(argv[6]);
	total = (size_t)(rate * atof(argv[7]));
	if ((pend = calloc(total, sizeof(*pend))) == NULL ||
	    (lat = calloc(total, sizeof(*lat))) == NULL)
		die("out of memory", NULL);

	npend = nlat = 0;
	t0 = marimba_now_ms();
	end = t0 + (int64_t)(atof(argv[7]) * 1000) + 30000;
	for (i = 0; (i < total || npend > 0) && marimba_now_ms() < end;) {
		now = marimba_now_ms();
		next = t0 + (int64_t)(i * 1000.0 / rate);
		while (i < total && now >= next) {
			if (bench_vote(&v, i) == -1)
				die("vote_id_new", NULL);
			produce(rk, argv[3], &v);
			memcpy(pend[npend].id, v.id, sizeof(v.id));
			pend[npend++].at = v.received_at_ms;
			i++;
			next = t0 + (int64_t)(i * 1000.0 / rate);
		}
		for (k = 0; k < npend; k++)
			redisAppendCommand(rc, "EXISTS %s:seen:%s", argv[5],
			    pend[k].id);
		now = 0;
		for (k = 0; k < npend; k++) {
			if (redisGetReply(rc, (void **)&r) != REDIS_OK)
				die("redis", rc->errstr);
			if (now == 0)
				now = marimba_now_ms();
			if (r->type == REDIS_REPLY_INTEGER && r->integer == 1) {
				lat[nlat++] = now - pend[k].at;
				pend[k].at = -1;
			}
			freeReplyObject(r);
		}
		for (k = 0; k < npend;) {
			if (pend[k].at == -1)
				pend[k] = pend[--npend];
			else
				k++;
		}
		nanosleep(&ts, NULL);
	}
	qsort(lat, nlat, sizeof(*lat), cmp_i64);
	if (nlat == 0)
		die("latency", "no vote became visible");
	printf("latency: %zu votes at %.0f/s: p50 %lld ms, p99 %lld ms, "
	    "max %lld ms%s\n", nlat, rate, (long long)lat[nlat / 2],
	    (long long)lat[(nlat * 99) / 100], (long long)lat[nlat - 1],
	    npend ? " (some never seen!)" : "");
	redisFree(rc);
	rd_kafka_flush(rk, 5000);
	rd_kafka_destroy(rk);
	free(pend);
	free(lat);
	return (npend ? 1 : 0);
}

/* Deletes the bench's topics and drops its Mongo database. */
static int
cleanup(int argc, char **argv)
{
	rd_kafka_t		*rk;
	rd_kafka_DeleteTopic_t	*dt[8];
	rd_kafka_queue_t	*q;
	rd_kafka_event_t	*ev;
	mongoc_client_t		*client;
	mongoc_database_t	*db;
	int			 i, n;

	if (argc < 5)
		die("usage: cleanup <brokers> <mongo_uri> <db> <topic>...",
		    NULL);
	rk = producer(argv[2]);
	n = 0;
	for (i = 5; i < argc && n < 8; i++)
		dt[n++] = rd_kafka_DeleteTopic_new(argv[i]);
	if (n > 0) {
		q = rd_kafka_queue_new(rk);
		rd_kafka_DeleteTopics(rk, dt, n, NULL, q);
		rd_kafka_DeleteTopic_destroy_array(dt, n);
		if ((ev = rd_kafka_queue_poll(q, 30000)) != NULL)
			rd_kafka_event_destroy(ev);
		rd_kafka_queue_destroy(q);
	}
	rd_kafka_destroy(rk);

	mongoc_init();
	if ((client = mongoc_client_new(argv[3])) != NULL) {
		db = mongoc_client_get_database(client, argv[4]);
		(void)mongoc_database_drop(db, NULL);
		mongoc_database_destroy(db);
		mongoc_client_destroy(client);
	}
	mongoc_cleanup();
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "cleanup") == 0)
		return (cleanup(argc, argv));
	if (argc >= 2 && strcmp(argv[1], "fill") == 0)
		return (fill(argc, argv));
	if (argc >= 2 && strcmp(argv[1], "committed") == 0)
		return (committed(argc, argv));
	if (argc >= 2 && strcmp(argv[1], "latency") == 0)
		return (latency(argc, argv));
	die("usage: consumer_bench_tool fill|committed|latency ...", NULL);
	return (1);
}
