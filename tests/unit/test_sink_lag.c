/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/sink_lag.c: the sinks' reports in <prefix>:sinks are
 * parsed strictly, "logs behind the tallies" is the mongo sinks' lag
 * minus the redis sinks' while both report, the newest votes' difference
 * once no mongo sink reports any more, 0 when it cannot be told; and the
 * words the page shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sink_lag.h"

#define NOW	INT64_C(1764640000000)

static struct sink_lag_report
rep(const char *sink, int64_t age_ms, int64_t lag_ms, int64_t newest_ago_ms)
{
	struct sink_lag_report	r;

	memset(&r, 0, sizeof(r));
	(void)strncpy(r.sink, sink, sizeof(r.sink) - 1);
	r.at_ms = NOW - age_ms;
	r.lag_ms = lag_ms;
	r.newest_ms = NOW - newest_ago_ms;
	return (r);
}

static int
parse(const char *field, const char *value, struct sink_lag_report *r)
{
	return (sink_lag_parse(field, strlen(field), value, strlen(value), r));
}

static void
test_parse_a_report(void **state)
{
	struct sink_lag_report	r;

	(void)state;
	assert_int_equal(parse("mongo:pod-7f:1", "1764640000000 12000 "
	    "1764639987000", &r), 0);
	assert_string_equal(r.sink, "mongo");
	assert_true(r.at_ms == NOW);
	assert_true(r.lag_ms == 12000);
	assert_true(r.newest_ms == NOW - 13000);
	assert_int_equal(parse("redis:h:2", "5 0 0", &r), 0);
	assert_string_equal(r.sink, "redis");
}

static void
test_parse_refuses_what_no_sink_writes(void **state)
{
	struct sink_lag_report	r;

	(void)state;
	assert_int_equal(parse("mongo", "1 2 3", &r), -1);
	assert_int_equal(parse(":h:1", "1 2 3", &r), -1);
	assert_int_equal(parse("averyveryverylongsink:h:1", "1 2 3", &r), -1);
	assert_int_equal(parse("mongo:h:1", "", &r), -1);
	assert_int_equal(parse("mongo:h:1", "1 2", &r), -1);
	assert_int_equal(parse("mongo:h:1", "1 2 3 4", &r), -1);
	assert_int_equal(parse("mongo:h:1", "1 2 3 ", &r), -1);
	assert_int_equal(parse("mongo:h:1", "1  2 3", &r), -1);
	assert_int_equal(parse("mongo:h:1", "-1 2 3", &r), -1);
	assert_int_equal(parse("mongo:h:1", "1 2 3x", &r), -1);
	assert_int_equal(parse("mongo:h:1", "1 2 9999999999999999", &r), -1);
	/* Not NUL-terminated: only the given length is read. */
	assert_int_equal(sink_lag_parse("mongo:h:1", 9, "1 2 34", 5, &r), 0);
	assert_true(r.newest_ms == 3);
}

static void
test_behind_while_both_report(void **state)
{
	struct sink_lag_report	r[3];

	(void)state;
	r[0] = rep("redis", 500, 80, 100);
	r[1] = rep("mongo", 700, 12500, 12000);
	assert_true(sink_lag_logs_behind(r, 2, NOW) == 12420);
	/* The largest lag of a sink's replicas counts. */
	r[2] = rep("mongo", 100, 30000, 29000);
	assert_true(sink_lag_logs_behind(r, 3, NOW) == 29920);
	/* Caught up (and the sparse case: only the vote in flight). */
	r[1] = rep("mongo", 300, 60, 4000);
	assert_true(sink_lag_logs_behind(r, 2, NOW) == 0);
	/* Counting behind logging is not "logs behind". */
	r[0] = rep("redis", 500, 9000, 9000);
	assert_true(sink_lag_logs_behind(r, 2, NOW) == 0);
}

static void
test_behind_once_no_mongo_sink_reports(void **state)
{
	struct sink_lag_report	r[3];

	(void)state;
	/* The mongo sink's last word is 40 s old; votes were counted since. */
	r[0] = rep("redis", 200, 50, 100);
	r[1] = rep("mongo", 40000, 300, 39500);
	assert_true(sink_lag_logs_behind(r, 2, NOW) == 39400);
	/* No vote since it stopped: the logs have everything counted. */
	r[0] = rep("redis", 200, 0, 39500);
	assert_true(sink_lag_logs_behind(r, 2, NOW) == 0);
	/* A live mongo replica is what counts, not a dead one. */
	r[0] = rep("redis", 200, 50, 100);
	r[2] = rep("mongo", 900, 150, 300);
	assert_true(sink_lag_logs_behind(r, 3, NOW) == 100);
}

static void
test_nothing_when_it_cannot_be_told(void **state)
{
	struct sink_lag_report	r[2];

	(void)state;
	memset(r, 0, sizeof(r));
	assert_true(sink_lag_logs_behind(r, 0, NOW) == 0);
	/* No mongo sink ever. */
	r[0] = rep("redis", 200, 50, 100);
	assert_true(sink_lag_logs_behind(r, 1, NOW) == 0);
	/* The redis sink's report is old: the tallies are not moving. */
	r[0] = rep("redis", SINK_LAG_FRESH_MS + 1, 0, 60000);
	r[1] = rep("mongo", 100, 20000, 20000);
	assert_true(sink_lag_logs_behind(r, 2, NOW) == 0);
	/* Unknown sinks are ignored. */
	r[0] = rep("redis", 100, 0, 100);
	r[1] = rep("elastic", 100, 20000, 20000);
	assert_true(sink_lag_logs_behind(r, 2, NOW) == 0);
}

static void
test_words(void **state)
{
	char	buf[SINK_LAG_WORDS_MAX];

	(void)state;
	assert_int_equal(sink_lag_words(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(sink_lag_words(SINK_LAG_SHOW_MS - 1, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(sink_lag_words(12999, buf, sizeof(buf)),
	    strlen("logs 12 s behind the tallies"));
	assert_string_equal(buf, "logs 12 s behind the tallies");
	(void)sink_lag_words(119999, buf, sizeof(buf));
	assert_string_equal(buf, "logs 119 s behind the tallies");
	(void)sink_lag_words(185000, buf, sizeof(buf));
	assert_string_equal(buf, "logs 3 min behind the tallies");
	(void)sink_lag_words(INT64_C(3) * 3600 * 1000, buf, sizeof(buf));
	assert_string_equal(buf, "logs 3 h behind the tallies");
	/* Too small a buffer: nothing rather than half the words. */
	assert_int_equal(sink_lag_words(12000, buf, 10), 0);
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_parse_a_report),
		cmocka_unit_test(test_parse_refuses_what_no_sink_writes),
		cmocka_unit_test(test_behind_while_both_report),
		cmocka_unit_test(test_behind_once_no_mongo_sink_reports),
		cmocka_unit_test(test_nothing_when_it_cannot_be_told),
		cmocka_unit_test(test_words),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
