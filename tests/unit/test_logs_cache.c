/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kore/src/viewer/logs_cache.c, the last good logs table
 * per filter: found only under the same limit, band and source, a put
 * replaces, the least recently used filter goes when all slots are
 * taken, and a NULL cache keeps nothing (leak-checked in the ASan tree).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "logs_cache.h"

static struct logs_query
query(int limit, const char *band, const char *source)
{
	struct logs_query	q;

	memset(&q, 0, sizeof(q));
	q.limit = limit;
	(void)snprintf(q.band, sizeof(q.band), "%s", band);
	(void)snprintf(q.source, sizeof(q.source), "%s", source);
	return (q);
}

static void
test_by_filter(void **state)
{
	struct logs_cache	*c;
	struct logs_query	 q = query(20, "Alux Nahual", "");
	struct logs_query	 other;
	const char		*h;
	size_t			 len;
	time_t			 at;

	(void)state;
	assert_non_null(c = logs_cache_new());
	assert_null(logs_cache_get(c, &q, &len, &at));
	assert_int_equal(logs_cache_put(c, &q, "<table>1</table>", 16, 100),
	    0);
	h = logs_cache_get(c, &q, &len, &at);
	assert_non_null(h);
	assert_int_equal(len, 16);
	assert_int_equal(at, 100);
	assert_memory_equal(h, "<table>1</table>", 16);
	assert_int_equal(h[16], '\0');
	other = query(50, "Alux Nahual", "");
	assert_null(logs_cache_get(c, &other, &len, &at));
	other = query(20, "Alux", "");
	assert_null(logs_cache_get(c, &other, &len, &at));
	other = query(20, "Alux Nahual", "rest");
	assert_null(logs_cache_get(c, &other, &len, &at));
	/* A put replaces the filter's table. */
	assert_int_equal(logs_cache_put(c, &q, "<t>2</t>", 8, 200), 0);
	h = logs_cache_get(c, &q, &len, &at);
	assert_int_equal(len, 8);
	assert_int_equal(at, 200);
	assert_memory_equal(h, "<t>2</t>", 8);
	logs_cache_free(c);
}

static void
test_least_recently_used_goes(void **state)
{
	struct logs_cache	*c;
	struct logs_query	 q[LOGS_CACHE_SLOTS + 1];
	char			 band[32];
	size_t			 i, len;
	time_t			 at;

	(void)state;
	assert_non_null(c = logs_cache_new());
	for (i = 0; i <= LOGS_CACHE_SLOTS; i++) {
		(void)snprintf(band, sizeof(band), "band %zu", i);
		q[i] = query(20, band, "");
	}
	for (i = 0; i < LOGS_CACHE_SLOTS; i++)
		assert_int_equal(logs_cache_put(c, &q[i], "x", 1,
		    (time_t)i), 0);
	/* Band 0 read again: band 1 is now the least recently used. */
	assert_non_null(logs_cache_get(c, &q[0], &len, &at));
	assert_int_equal(logs_cache_put(c, &q[LOGS_CACHE_SLOTS], "y", 1, 99),
	    0);
	assert_null(logs_cache_get(c, &q[1], &len, &at));
	assert_non_null(logs_cache_get(c, &q[0], &len, &at));
	for (i = 2; i <= LOGS_CACHE_SLOTS; i++)
		assert_non_null(logs_cache_get(c, &q[i], &len, &at));
	logs_cache_free(c);
}

static void
test_null_cache(void **state)
{
	struct logs_query	q = query(20, "", "");
	size_t			len;
	time_t			at;

	(void)state;
	assert_int_equal(logs_cache_put(NULL, &q, "x", 1, 1), -1);
	assert_null(logs_cache_get(NULL, &q, &len, &at));
	logs_cache_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_by_filter),
		cmocka_unit_test(test_least_recently_used_goes),
		cmocka_unit_test(test_null_cache),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
