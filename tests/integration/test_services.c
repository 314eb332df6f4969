/* SPDX-License-Identifier: ISC */
/*
 * Checks that the local services of scripts/stack really do what marimba
 * needs: a Kafka produce (acks=all) / consume round trip through a consumer
 * group, the MongoDB operations of the consumer and the API (unordered
 * insert_many with duplicate keys, indexes, find with sort and limit,
 * count, drop), and Redis INCR/DEL/EVAL. Addresses come from the
 * MARIMBA_* environment (lib/config.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <librdkafka/rdkafka.h>
#include <mongoc/mongoc.h>

#include "config.h"

#define KAFKA_TIMEOUT_MS	30000
#define TEST_DB			"marimba_test"

struct delivery {
	int			done;
	rd_kafka_resp_err_t	err;
	int32_t			partition;
	int64_t			offset;
};

static void	unique_name(char *, size_t, const char *);
static void	load_config(struct marimba_config *);
static void	dr_cb(rd_kafka_t *, const rd_kafka_message_t *, void *);
static void	kafka_set(rd_kafka_conf_t *, const char *, const char *);
static void	test_kafka_roundtrip(void **);
static void	test_mongo_documents(void **);
static void	test_redis_commands(void **);

static void
unique_name(char *buf, size_t len, const char *prefix)
{
	struct timespec	ts;
	int		n;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		fail_msg("clock_gettime failed");
	n = snprintf(buf, len, "%s-%ld-%lld-%ld", prefix, (long)getpid(),
	    (long long)ts.tv_sec, ts.tv_nsec);
	if (n < 0 || (size_t)n >= len)
		fail_msg("name buffer too small for %s", prefix);
}

static void
load_config(struct marimba_config *cfg)
{
	char	err[256];

	if (marimba_config_load(cfg, err, sizeof(err)) == -1)
		fail_msg("marimba_config_load: %s", err);
}

static void
dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct delivery	*d = m->_private;

	(void)rk;
	(void)opaque;
	d->done = 1;
	d->err = m->err;
	d->partition = m->partition;
	d->offset = m->offset;
}

static void
kafka_set(rd_kafka_conf_t *conf, const char *key, const char *value)
{
	char	err[512];

	if (rd_kafka_conf_set(conf, key, value, err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK)
		fail_msg("kafka config %s=%s: %s", key, value, err);
}

static void
test_kafka_roundtrip(void **state)
{
	struct marimba_config	 cfg;
	struct delivery		 d;
	rd_kafka_conf_t		*conf;
	rd_kafka_t		*prod, *cons;
	rd_kafka_topic_partition_list_t *topics;
	rd_kafka_message_t	*m;
	rd_kafka_resp_err_t	 rerr;
	char			 topic[128], group[128], key[128], payload[256];
	char			 err[512];
	struct timespec		 start, now;
	int			 found;
	long			 waited;

	(void)state;
	load_config(&cfg);
	unique_name(topic, sizeof(topic), "test-services");
	unique_name(group, sizeof(group), "test-services-group");
	unique_name(key, sizeof(key), "key");
	unique_name(payload, sizeof(payload), "payload \x01\x02 marimba");

	conf = rd_kafka_conf_new();
	kafka_set(conf, "bootstrap.servers", cfg.kafka_brokers);
	kafka_set(conf, "acks", "all");
	kafka_set(conf, "message.timeout.ms", "20000");
	rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
	if ((prod = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err,
	    sizeof(err))) == NULL)
		fail_msg("rd_kafka_new producer: %s", err);

	memset(&d, 0, sizeof(d));
	rerr = rd_kafka_producev(prod, RD_KAFKA_V_TOPIC(topic),
	    RD_KAFKA_V_KEY(key, strlen(key)),
	    RD_KAFKA_V_VALUE(payload, strlen(payload)),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_OPAQUE(&d), RD_KAFKA_V_END);
	if (rerr != RD_KAFKA_RESP_ERR_NO_ERROR)
		fail_msg("producev to %s: %s", topic, rd_kafka_err2str(rerr));
	rd_kafka_flush(prod, KAFKA_TIMEOUT_MS);
	if (!d.done)
		fail_msg("no delivery report from %s within %d ms",
		    cfg.kafka_brokers, KAFKA_TIMEOUT_MS);
	if (d.err != RD_KAFKA_RESP_ERR_NO_ERROR)
		fail_msg("delivery to %s failed: %s", topic,
		    rd_kafka_err2str(d.err));
	assert_true(d.partition >= 0);
	assert_true(d.offset >= 0);
	rd_kafka_destroy(prod);

	conf = rd_kafka_conf_new();
	kafka_set(conf, "bootstrap.servers", cfg.kafka_brokers);
	kafka_set(conf, "group.id", group);
	kafka_set(conf, "auto.offset.reset", "earliest");
	kafka_set(conf, "enable.auto.commit", "false");
	if ((cons = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err,
	    sizeof(err))) == NULL)
		fail_msg("rd_kafka_new consumer: %s", err);
	rd_kafka_poll_set_consumer(cons);
	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
	if ((rerr = rd_kafka_subscribe(cons, topics)) !=
	    RD_KAFKA_RESP_ERR_NO_ERROR)
		fail_msg("subscribe %s: %s", topic, rd_kafka_err2str(rerr));
	rd_kafka_topic_partition_list_destroy(topics);

	found = 0;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		if ((m = rd_kafka_consumer_poll(cons, 500)) != NULL) {
			if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
				assert_int_equal(m->partition, d.partition);
				assert_int_equal(m->offset, d.offset);
				assert_int_equal(m->key_len, strlen(key));
				assert_memory_equal(m->key, key, m->key_len);
				assert_int_equal(m->len, strlen(payload));
				assert_memory_equal(m->payload, payload,
				    m->len);
				found = 1;
			} else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
				print_message("consumer: %s\n",
				    rd_kafka_message_errstr(m));
			rd_kafka_message_destroy(m);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
	} while (!found && waited < KAFKA_TIMEOUT_MS);

	rd_kafka_consumer_close(cons);
	rd_kafka_destroy(cons);
	if (!found)
		fail_msg("message produced to %s was not consumed within "
		    "%d ms", topic, KAFKA_TIMEOUT_MS);
}

static void
test_mongo_documents(void **state)
{
	struct marimba_config	 cfg;
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	bson_t			*doc, *dup, *fresh, *filter, *opts, *cmd;
	bson_t			 reply;
	const bson_t		*docs[2], *found;
	bson_iter_t		 it;
	bson_error_t		 error;
	char			 name[128], id1[128], id2[128];
	int64_t			 n;
	int			 seen;

	(void)state;
	load_config(&cfg);
	unique_name(name, sizeof(name), "test_services");
	unique_name(id1, sizeof(id1), "vote-1");
	unique_name(id2, sizeof(id2), "vote-2");

	mongoc_init();
	if ((client = mongoc_client_new(cfg.mongo_uri)) == NULL)
		fail_msg("bad MARIMBA_MONGO_URI %s", cfg.mongo_uri);
	mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
	coll = mongoc_client_get_collection(client, TEST_DB, name);

	doc = BCON_NEW("_id", BCON_UTF8(id1), "name", BCON_UTF8("Alux Nahual"),
	    "album", BCON_UTF8("Alux Nahual"), "year", BCON_INT32(1983),
	    "rank", BCON_INT32(1), "ts", BCON_DATE_TIME(1000));
	if (!mongoc_collection_insert_one(coll, doc, NULL, NULL, &error))
		fail_msg("insert_one into %s.%s at %s: %s", TEST_DB, name,
		    cfg.mongo_uri, error.message);

	/* Read it back by _id. */
	filter = BCON_NEW("_id", BCON_UTF8(id1));
	cur = mongoc_collection_find_with_opts(coll, filter, NULL, NULL);
	assert_true(mongoc_cursor_next(cur, &found));
	assert_true(bson_iter_init_find(&it, found, "name"));
	assert_string_equal(bson_iter_utf8(&it, NULL), "Alux Nahual");
	assert_true(bson_iter_init_find(&it, found, "year"));
	assert_int_equal(bson_iter_as_int64(&it), 1983);
	assert_true(bson_iter_init_find(&it, found, "rank"));
	assert_int_equal(bson_iter_as_int64(&it), 1);
	assert_false(mongoc_cursor_next(cur, &found));
	if (mongoc_cursor_error(cur, &error))
		fail_msg("find by _id: %s", error.message);
	mongoc_cursor_destroy(cur);
	bson_destroy(filter);

	/* The indexes the API's log queries use. */
	cmd = BCON_NEW("createIndexes", BCON_UTF8(name), "indexes", "[",
	    "{", "key", "{", "ts", BCON_INT32(-1), "}",
	    "name", BCON_UTF8("ts_-1"), "}",
	    "{", "key", "{", "name", BCON_INT32(1), "ts", BCON_INT32(-1), "}",
	    "name", BCON_UTF8("name_1_ts_-1"), "}", "]");
	if (!mongoc_collection_write_command_with_opts(coll, cmd, NULL, NULL,
	    &error))
		fail_msg("createIndexes: %s", error.message);
	bson_destroy(cmd);

	/* A redelivered vote next to a new one: unordered insert. */
	dup = BCON_NEW("_id", BCON_UTF8(id1), "name", BCON_UTF8("dup"),
	    "ts", BCON_DATE_TIME(1500));
	fresh = BCON_NEW("_id", BCON_UTF8(id2), "name", BCON_UTF8("Bohemia "
	    "Suburbana"), "album", BCON_UTF8("Club Atlético Chivas"),
	    "year", BCON_INT32(1997), "rank", BCON_INT32(2),
	    "ts", BCON_DATE_TIME(2000));
	docs[0] = dup;
	docs[1] = fresh;
	opts = BCON_NEW("ordered", BCON_BOOL(false));
	if (mongoc_collection_insert_many(coll, docs, 2, opts, &reply,
	    &error))
		fail_msg("insert_many with a duplicate _id succeeded");
	if (error.code != 11000)
		fail_msg("insert_many duplicate: want code 11000, got %u: %s",
		    error.code, error.message);
	assert_true(bson_iter_init_find(&it, &reply, "insertedCount"));
	assert_int_equal(bson_iter_as_int64(&it), 1);
	bson_destroy(&reply);
	bson_destroy(opts);

	filter = bson_new();
	n = mongoc_collection_count_documents(coll, filter, NULL, NULL, NULL,
	    &error);
	if (n < 0)
		fail_msg("count_documents: %s", error.message);
	assert_int_equal(n, 2);
	bson_destroy(filter);

	/* Newest first, limited: the duplicate must not have replaced id1. */
	filter = BCON_NEW("year", "{", "$gte", BCON_INT32(1900), "}");
	opts = BCON_NEW("sort", "{", "ts", BCON_INT32(-1), "}",
	    "limit", BCON_INT64(1));
	cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
	seen = 0;
	while (mongoc_cursor_next(cur, &found)) {
		assert_true(bson_iter_init_find(&it, found, "_id"));
		assert_string_equal(bson_iter_utf8(&it, NULL), id2);
		seen++;
	}
	if (mongoc_cursor_error(cur, &error))
		fail_msg("find with sort/limit: %s", error.message);
	assert_int_equal(seen, 1);
	mongoc_cursor_destroy(cur);
	bson_destroy(opts);
	bson_destroy(filter);

	filter = BCON_NEW("name", BCON_UTF8("dup"));
	n = mongoc_collection_count_documents(coll, filter, NULL, NULL, NULL,
	    &error);
	assert_int_equal(n, 0);
	bson_destroy(filter);

	if (!mongoc_collection_drop(coll, &error))
		fail_msg("drop %s: %s", name, error.message);
	filter = bson_new();
	n = mongoc_collection_count_documents(coll, filter, NULL, NULL, NULL,
	    &error);
	assert_int_equal(n, 0);
	bson_destroy(filter);

	bson_destroy(doc);
	bson_destroy(dup);
	bson_destroy(fresh);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(client);
	mongoc_cleanup();
}

static void
test_redis_commands(void **state)
{
	struct marimba_config	 cfg;
	struct timeval		 tv = { 5, 0 };
	redisContext		*c;
	redisReply		*r;
	char			 key[128];

	(void)state;
	load_config(&cfg);
	unique_name(key, sizeof(key), "test-services");

	c = redisConnectWithTimeout(cfg.redis_host, cfg.redis_port, tv);
	if (c == NULL || c->err)
		fail_msg("redis %s:%d: %s", cfg.redis_host, cfg.redis_port,
		    c ? c->errstr : "out of memory");
	if (redisSetTimeout(c, tv) != REDIS_OK)
		fail_msg("redisSetTimeout: %s", c->errstr);

	r = redisCommand(c, "INCR %s", key);
	if (r == NULL)
		fail_msg("INCR: %s", c->errstr);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_int_equal(r->integer, 1);
	freeReplyObject(r);
	r = redisCommand(c, "INCR %s", key);
	if (r == NULL)
		fail_msg("INCR: %s", c->errstr);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_int_equal(r->integer, 2);
	freeReplyObject(r);

	/* The consumer's counters run as Lua scripts. */
	r = redisCommand(c, "EVAL %s 0", "return 1");
	if (r == NULL)
		fail_msg("EVAL: %s", c->errstr);
	if (r->type == REDIS_REPLY_ERROR)
		fail_msg("EVAL: %s", r->str);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_int_equal(r->integer, 1);
	freeReplyObject(r);
	r = redisCommand(c, "EVAL %s 1 %s %s",
	    "return redis.call('INCRBY', KEYS[1], ARGV[1])", key, "40");
	if (r == NULL)
		fail_msg("EVAL INCRBY: %s", c->errstr);
	if (r->type == REDIS_REPLY_ERROR)
		fail_msg("EVAL INCRBY: %s", r->str);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_int_equal(r->integer, 42);
	freeReplyObject(r);

	r = redisCommand(c, "DEL %s", key);
	if (r == NULL)
		fail_msg("DEL: %s", c->errstr);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_int_equal(r->integer, 1);
	freeReplyObject(r);
	r = redisCommand(c, "EXISTS %s", key);
	if (r == NULL)
		fail_msg("EXISTS: %s", c->errstr);
	assert_int_equal(r->integer, 0);
	freeReplyObject(r);

	redisFree(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kafka_roundtrip),
		cmocka_unit_test(test_mongo_documents),
		cmocka_unit_test(test_redis_commands),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
