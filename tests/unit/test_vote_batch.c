/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for vote_parse_json_batch(): one object or an array of
 * 1..max_batch objects, all-or-nothing, the index of the bad element, and
 * no leak on any error path (run under the ASan build).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vote.h"

static const struct vote_limits	limits = { 524288, 1000 };

/* An array of n votes; element bad (if < n) has year 1800. */
static char *
batch_json(size_t n, size_t bad)
{
	char	*s, *p;
	size_t	 i, cap;

	cap = 2 + n * 96;
	if ((s = malloc(cap)) == NULL)
		fail();
	p = s;
	*p++ = '[';
	for (i = 0; i < n; i++) {
		p += snprintf(p, cap - (size_t)(p - s),
		    "%s{\"name\":\"band %zu\","
		    "\"album\":\"album\",\"year\":%d,\"rank\":\"%zu\"}",
		    i > 0 ? "," : "", i, i == bad ? 1800 : 2000, i % 1000 + 1);
	}
	*p++ = ']';
	*p = '\0';
	return (s);
}

static enum vote_status
parse(const char *json, const struct vote_limits *l, struct vote **votes,
    size_t *count, struct vote_error *err)
{
	return (vote_parse_json_batch((const uint8_t *)json, strlen(json), l,
	    votes, count, err));
}

static void
test_single_object(void **state)
{
	struct vote		*votes;
	struct vote_error	 err;
	size_t			 count;

	(void)state;
	assert_int_equal(parse("{\"name\":\"Malacates Trebol Shop\","
	    "\"album\":\"A Quien Corresponda\",\"year\":\"2015\","
	    "\"rank\":\"1\"}", &limits, &votes, &count, &err), VOTE_OK);
	assert_int_equal(count, 1);
	assert_non_null(votes);
	assert_string_equal(votes[0].name, "Malacates Trebol Shop");
	assert_int_equal(votes[0].year, 2015);
	free(votes);
}

static void
test_array_in_order(void **state)
{
	struct vote		*votes;
	struct vote_error	 err;
	size_t			 count, i;
	char			*s, want[32];

	(void)state;
	s = batch_json(40, SIZE_MAX);
	assert_int_equal(parse(s, &limits, &votes, &count, &err), VOTE_OK);
	assert_int_equal(count, 40);
	for (i = 0; i < count; i++) {
		(void)snprintf(want, sizeof(want), "band %zu", i);
		assert_string_equal(votes[i].name, want);
		assert_int_equal(votes[i].rank, i + 1);
		assert_string_equal(votes[i].id, "");
	}
	free(votes);
	free(s);
}

static void
test_max_batch(void **state)
{
	struct vote		*votes;
	struct vote_error	 err;
	size_t			 count;
	char			*s;

	(void)state;
	s = batch_json(1000, SIZE_MAX);
	assert_int_equal(parse(s, &limits, &votes, &count, &err), VOTE_OK);
	assert_int_equal(count, 1000);
	assert_string_equal(votes[999].name, "band 999");
	free(votes);
	free(s);

	s = batch_json(1001, SIZE_MAX);
	assert_int_equal(parse(s, &limits, &votes, &count, &err),
	    VOTE_ETOOBIG);
	assert_null(votes);
	assert_int_equal(count, 0);
	assert_string_equal(err.field, "body");
	assert_int_equal(err.index, 1000);
	free(s);
}

static void
test_small_limit(void **state)
{
	struct vote_limits	 l = { 524288, 5 };
	struct vote		*votes;
	struct vote_error	 err;
	size_t			 count;
	char			*s;

	(void)state;
	s = batch_json(5, SIZE_MAX);
	assert_int_equal(parse(s, &l, &votes, &count, &err), VOTE_OK);
	assert_int_equal(count, 5);
	free(votes);
	free(s);
	s = batch_json(6, SIZE_MAX);
	assert_int_equal(parse(s, &l, &votes, &count, &err), VOTE_ETOOBIG);
	assert_int_equal(err.index, 5);
	free(s);
}

static void
test_bad_element_index(void **state)
{
	struct vote		*votes;
	struct vote_error	 err;
	size_t			 count, bad[] = { 0, 7, 16, 17, 500, 999 };
	size_t			 i;
	char			*s;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = batch_json(1000, bad[i]);
		assert_int_equal(parse(s, &limits, &votes, &count, &err),
		    VOTE_EINVAL);
		assert_null(votes);
		assert_int_equal(count, 0);
		assert_int_equal(err.index, (long)bad[i]);
		assert_string_equal(err.field, "year");
		free(s);
	}
}

static void
test_element_not_object(void **state)
{
	const char		*bodies[] = {
		"[{\"name\":\"a\",\"album\":\"b\",\"year\":2000,\"rank\":1},5]",
		"[{\"name\":\"a\",\"album\":\"b\",\"year\":2000,\"rank\":1},"
		    "\"x\"]",
		"[{\"name\":\"a\",\"album\":\"b\",\"year\":2000,\"rank\":1},"
		    "null]",
		"[{\"name\":\"a\",\"album\":\"b\",\"year\":2000,\"rank\":1},"
		    "[{\"name\":\"a\",\"album\":\"b\",\"year\":2000,"
		    "\"rank\":1}]]",
	};
	struct vote		*votes;
	struct vote_error	 err;
	size_t			 count, i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		assert_int_equal(parse(bodies[i], &limits, &votes, &count,
		    &err), VOTE_EINVAL);
		assert_null(votes);
		assert_int_equal(err.index, 1);
		assert_string_equal(err.field, "");
	}
	assert_int_equal(parse("[[]]", &limits, &votes, &count, &err),
	    VOTE_EINVAL);
	assert_int_equal(err.index, 0);
}

static void
test_body_shape(void **state)
{
	const char		*bodies[] = {
		"[]", " [ ] ", "\"x\"", "5", "true", "null", "",
		"[{\"name\":\"a\",\"album\":\"b\",\"year\":2000,\"rank\":1}] x",
		"[{\"name\":\"a\",\"album\":\"b\",\"year\":2000,\"rank\":1}][]",
		"[{\"name\":\"a\",\"album\":\"b\",\"year\":2000,\"rank\":1}",
		"[{\"name\":\"a\",\"album\":\"b\",\"year\":2000,\"rank\":1},]",
	};
	struct vote		*votes;
	struct vote_error	 err;
	size_t			 count, i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		if (parse(bodies[i], &limits, &votes, &count, &err) !=
		    VOTE_EINVAL)
			fail_msg("accepted: %s", bodies[i]);
		assert_null(votes);
		assert_int_equal(count, 0);
		assert_string_equal(err.field, "body");
	}
	assert_int_equal(parse("[]", &limits, &votes, &count, &err),
	    VOTE_EINVAL);
	assert_non_null(strstr(err.message, "empty"));
	assert_int_equal(err.index, -1);
}

static void
test_max_body(void **state)
{
	struct vote_limits	 l;
	struct vote		*votes;
	struct vote_error	 err;
	size_t			 count;
	char			*s;

	(void)state;
	s = batch_json(10, SIZE_MAX);
	l.max_batch = 1000;
	l.max_body = strlen(s);
	assert_int_equal(parse(s, &l, &votes, &count, &err), VOTE_OK);
	free(votes);
	l.max_body = strlen(s) - 1;
	assert_int_equal(parse(s, &l, &votes, &count, &err), VOTE_ETOOBIG);
	assert_null(votes);
	assert_string_equal(err.field, "body");
	assert_int_equal(err.index, -1);
	free(s);
}

/* Every way to fail after votes were allocated: ASan reports any leak. */
static void
test_no_leak_on_late_errors(void **state)
{
	const char		*tails[] = {
		"5]", "{\"name\":\"a\"}]", "{\"name\":1}]", "{\"x\":1}]",
		"{\"name\":\"a\",\"name\":\"a\"}]", "{\"name\":\"\xff\"}]",
		"{\"name\":\"a\"", "", "{", "[]]",
	};
	struct vote		*votes;
	struct vote_error	 err;
	size_t			 count, i, len;
	char			*s, *body;

	(void)state;
	s = batch_json(100, SIZE_MAX);
	len = strlen(s);
	s[len - 1] = ',';		/* drop the closing bracket */
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		if (asprintf(&body, "%s%s", s, tails[i]) == -1)
			fail();
		assert_int_equal(parse(body, &limits, &votes, &count, &err),
		    VOTE_EINVAL);
		assert_null(votes);
		free(body);
	}
	free(s);
}

/* JSON's four whitespace bytes only, whatever the locale says. */
static void
test_is_array(void **state)
{
	(void)state;
	assert_true(vote_json_is_array((const uint8_t *)"[", 1));
	assert_true(vote_json_is_array((const uint8_t *)" \t\r\n[{", 6));
	assert_false(vote_json_is_array((const uint8_t *)"{}", 2));
	assert_false(vote_json_is_array((const uint8_t *)"", 0));
	assert_false(vote_json_is_array((const uint8_t *)"   ", 3));
	assert_false(vote_json_is_array((const uint8_t *)"\v[", 2));
	assert_false(vote_json_is_array((const uint8_t *)"\f[", 2));
	assert_false(vote_json_is_array((const uint8_t *)"\xa0[", 2));
	assert_false(vote_json_is_array((const uint8_t *)"x[", 2));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_single_object),
		cmocka_unit_test(test_array_in_order),
		cmocka_unit_test(test_max_batch),
		cmocka_unit_test(test_small_limit),
		cmocka_unit_test(test_bad_element_index),
		cmocka_unit_test(test_element_not_object),
		cmocka_unit_test(test_body_shape),
		cmocka_unit_test(test_max_body),
		cmocka_unit_test(test_no_leak_on_late_errors),
		cmocka_unit_test(test_is_array),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
