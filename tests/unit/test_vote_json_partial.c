/* SPDX-License-Identifier: ISC */
/*
 * Unit test for the last guard of lib/vote_json.c: a body whose JSON value
 * never ends must be refused even if yajl says the parse completed. Real
 * yajl does say so once yajl_allow_partial_values is on, so the link wraps
 * yajl_complete_parse() (-Wl,--wrap) to turn that option on first, as a
 * change of yajl's defaults or of our configuration would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <yajl/yajl_parse.h>

#include "vote.h"

yajl_status	__real_yajl_complete_parse(yajl_handle);
yajl_status	__wrap_yajl_complete_parse(yajl_handle);

static const struct vote_limits	limits = { 524288, 1000 };

yajl_status
__wrap_yajl_complete_parse(yajl_handle h)
{
	(void)yajl_config(h, yajl_allow_partial_values, 1);
	return (__real_yajl_complete_parse(h));
}

static void
test_one_vote_cut_short(void **state)
{
	static const char	body[] = "{\"name\":\"Cafe Tacvba\",\"album\":";
	struct vote		v;
	struct vote_error	err;
	enum vote_status	st;

	(void)state;
	st = vote_parse_json((const uint8_t *)body, strlen(body), &limits,
	    &v, &err);
	assert_int_equal(st, VOTE_EINVAL);
	assert_string_equal(err.field, "body");
	assert_string_equal(err.message, "body is incomplete");
	assert_string_equal(v.name, "");
}

static void
test_batch_cut_short(void **state)
{
	static const char	body[] = "[{\"name\":\"A\",\"album\":\"B\","
	    "\"year\":1990,\"rank\":1},";
	struct vote		*votes;
	struct vote_error	 err;
	size_t			 count;
	enum vote_status	 st;

	(void)state;
	st = vote_parse_json_batch((const uint8_t *)body, strlen(body),
	    &limits, &votes, &count, &err);
	assert_int_equal(st, VOTE_EINVAL);
	assert_string_equal(err.message, "body is incomplete");
	assert_null(votes);
	assert_int_equal(count, 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_one_vote_cut_short),
		cmocka_unit_test(test_batch_cut_short),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
