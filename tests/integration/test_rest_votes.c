/* SPDX-License-Identifier: ISC */
/*
 * The votes API against the real Kafka: valid votes (single and batches,
 * up to the largest batch) get 202 with ids, and exactly those votes are
 * on the test's own topic, keyed by id, decoding to what was sent; a
 * batch lands in one partition (two if the producer's sticky window ends
 * in it). Also /healthz and /readyz.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <yajl/yajl_gen.h>

#include "config.h"
#include "kafka_admin.h"
#include "test_rest_support.h"

#define BATCH_MAX	1000
#define SINGLES		5
#define TOTAL_MAX	(SINGLES + 3 + 20 + BATCH_MAX)
#define PARTS		3	/* of the fixture's topic */

struct sent {
	char		id[VOTE_ID_LEN + 1];
	char		name[VOTE_NAME_MAX + 1];
	char		album[VOTE_ALBUM_MAX + 1];
	uint32_t	year;
	uint32_t	rank;
};

struct fixture {
	struct rest_fixture	rf;	/* first: see rest_fixture_new() */
	struct sent		sent[TOTAL_MAX];
	size_t			nsent;
};

/* Guatemalan bands; a quote and a backslash to check escaping. */
static const char *const bands[][2] = {
	{ "Malacates Trébol Shop", "Niño Rata" },
	{ "Bohemia Suburbana", "Mi Vida" },
	{ "Alux Nahual", "Alux Nahual" },
	{ "Viernes Verde", "Los \"Cuatro\" \\ Vientos" },
	{ "Easy Easy", "Tierra Firme" },
};

static int
setup(void **state)
{
	const char	*env[] = { "MARIMBA_MAX_BATCH=1000", NULL };

	*state = rest_fixture_new(sizeof(struct fixture),
	    "test-rest-votes", 3, env, 30000);
	return (*state == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	return (rest_fixture_free(*state));
}

/* Appends one vote object to g and records it as sent at f->sent[i]. */
static void
gen_vote(yajl_gen g, struct fixture *f, size_t i, size_t n)
{
	struct sent	*s = &f->sent[i];
	const char	*name = bands[n % 5][0], *album = bands[n % 5][1];

	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->album, sizeof(s->album), "%s", album);
	s->year = 1980 + (uint32_t)(n % 40);
	s->rank = 1 + (uint32_t)(n % 1000);

	assert_int_equal(yajl_gen_map_open(g), yajl_gen_status_ok);
	yajl_gen_string(g, (const unsigned char *)"name", 4);
	yajl_gen_string(g, (const unsigned char *)name, strlen(name));
	yajl_gen_string(g, (const unsigned char *)"album", 5);
	yajl_gen_string(g, (const unsigned char *)album, strlen(album));
	yajl_gen_string(g, (const unsigned char *)"year", 4);
	yajl_gen_integer(g, s->year);
	yajl_gen_string(g, (const unsigned char *)"rank", 4);
	yajl_gen_integer(g, s->rank);
	assert_int_equal(yajl_gen_map_close(g), yajl_gen_status_ok);
}

/* POSTs count votes (an array if batch) and records the returned ids. */
static void
post_votes(struct fixture *f, size_t count, int batch)
{
	struct rest_resp	 resp;
	yajl_gen		 g;
	const unsigned char	*buf;
	size_t			 len, i, n, first;
	char			 (*ids)[VOTE_ID_LEN + 1];

	first = f->nsent;
	assert_true(first + count <= TOTAL_MAX);
	g = yajl_gen_alloc(NULL);
	assert_non_null(g);
	if (batch)
		yajl_gen_array_open(g);
	for (i = 0; i < count; i++)
		gen_vote(g, f, first + i, first + i);
	if (batch)
		yajl_gen_array_close(g);
	assert_int_equal(yajl_gen_get_buf(g, &buf, &len), yajl_gen_status_ok);

	assert_int_equal(rest_request(&f->rf.kore, "POST", "/api/votes",
	    "application/json; charset=utf-8", buf, len, &resp), 0);
	yajl_gen_free(g);
	if (resp.status != 202)
		fprintf(stderr, "status %ld: %s\n", resp.status, resp.body);
	assert_int_equal(resp.status, 202);
	assert_string_equal(resp.content_type, "application/json");
	assert_non_null(strstr(resp.body, batch ? "\"ids\"" : "\"id\""));

	ids = calloc(count, sizeof(*ids));
	assert_non_null(ids);
	n = rest_parse_ids(resp.body[0] == '\0' ? "{}" : resp.body, ids,
	    count);
	assert_int_equal(n, count);
	for (i = 0; i < count; i++) {
		assert_int_equal(strlen(ids[i]), VOTE_ID_LEN);
		memcpy(f->sent[first + i].id, ids[i], VOTE_ID_LEN + 1);
	}
	free(ids);
	f->nsent += count;
}

/* The high watermark of each partition of the topic into hw[PARTS]. */
static void
marks(struct fixture *f, int64_t *hw)
{
	int64_t	*got;
	int	 n;

	assert_int_equal(kafka_topic_marks_at(f->rf.cfg.kafka_brokers,
	    f->rf.topic, 10000, &got, &n), 0);
	assert_int_equal(n, PARTS);
	memcpy(hw, got, PARTS * sizeof(*hw));
	free(got);
}

static void
test_healthz(void **state)
{
	struct fixture		*f = *state;
	struct rest_resp	 resp;

	assert_int_equal(rest_request(&f->rf.kore, "GET", "/healthz", NULL,
	    NULL, 0, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body, "{\"status\":\"ok\"}");
	assert_string_equal(resp.content_type, "application/json");

	assert_int_equal(rest_request(&f->rf.kore, "POST", "/healthz",
	    "application/json", "{}", 2, &resp), 0);
	assert_int_equal(resp.status, 405);
	assert_string_equal(resp.allow, "GET, HEAD");
	assert_string_equal(resp.content_type, "application/json");
}

static void
test_readyz(void **state)
{
	struct fixture		*f = *state;
	struct rest_resp	 resp;
	char			 v[32];

	assert_int_equal(rest_request(&f->rf.kore, "GET", "/readyz", NULL, NULL,
	    0, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "application/json");
	assert_int_equal(rest_json_string(resp.body, "status", v, sizeof(v)),
	    0);
	assert_string_equal(v, "ok");
	assert_int_equal(rest_json_string(resp.body, "kafka", v, sizeof(v)),
	    0);
	assert_string_equal(v, "up");
}

static void
test_votes_reach_kafka(void **state)
{
	struct fixture	*f = *state;
	struct vote	*got;
	struct sent	*s;
	int64_t		 before[PARTS], after[PARTS];
	long		 n;
	size_t		 i, j, found, used;

	for (i = 0; i < SINGLES; i++)
		post_votes(f, 1, 0);
	post_votes(f, 3, 1);
	/* By the vote id's hash, 20 votes would almost surely hit all 3. */
	marks(f, before);
	post_votes(f, 20, 1);
	marks(f, after);
	for (used = 0, i = 0; i < PARTS; i++)
		if (after[i] > before[i])
			used++;
	assert_true(used >= 1 && used <= 2);
	post_votes(f, BATCH_MAX, 1);

	/* Exactly one message per 202'd vote: nothing more, nothing less. */
	assert_int_equal(rest_topic_count(f->rf.cfg.kafka_brokers, f->rf.topic),
	    (long)f->nsent);

	got = calloc(f->nsent, sizeof(*got));
	assert_non_null(got);
	n = rest_topic_votes(f->rf.cfg.kafka_brokers, f->rf.topic, got,
	    f->nsent);
	assert_int_equal(n, (long)f->nsent);

	found = 0;
	for (i = 0; i < f->nsent; i++) {
		s = &f->sent[i];
		for (j = 0; j < (size_t)n; j++) {
			if (strcmp(got[j].id, s->id) != 0)
				continue;
			assert_string_equal(got[j].name, s->name);
			assert_string_equal(got[j].album, s->album);
			assert_int_equal(got[j].year, s->year);
			assert_int_equal(got[j].rank, s->rank);
			assert_string_equal(got[j].source, "rest");
			assert_true(got[j].received_at_ms > 0);
			found++;
			break;
		}
	}
	assert_int_equal(found, f->nsent);
	free(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_healthz),
		cmocka_unit_test(test_readyz),
		cmocka_unit_test(test_votes_reach_kafka),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
