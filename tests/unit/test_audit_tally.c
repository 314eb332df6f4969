/* SPDX-License-Identifier: ISC */
/*
 * audit/tally.c: counts per byte-string key (NUL bytes included) survive
 * the map's growth, equality looks at every key of both sides, the
 * sorted view is in byte order, and album keys are built as the
 * consumer builds its Redis fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tally.h"

static void
test_growth(void **state)
{
	struct count_map	 m;
	const struct count_ent	*e;
	char			 key[32];
	int			 i;

	(void)state;
	memset(&m, 0, sizeof(m));
	for (i = 0; i < 5000; i++) {
		(void)snprintf(key, sizeof(key), "band %d", i % 1000);
		assert_int_equal(count_map_add(&m, key, strlen(key), i), 0);
	}
	assert_int_equal(m.len, 1000);
	e = count_map_get(&m, "band 7", 6);
	assert_non_null(e);
	assert_int_equal(e->n, 7 + 1007 + 2007 + 3007 + 4007);
	assert_null(count_map_get(&m, "band 1000", 9));
	/* A key with a NUL byte is its own key, not "a". */
	assert_int_equal(count_map_add(&m, "a\0b", 3, 1), 0);
	assert_int_equal(count_map_add(&m, "a", 1, 2), 0);
	assert_int_equal(count_map_get(&m, "a\0b", 3)->n, 1);
	assert_int_equal(count_map_get(&m, "a", 1)->n, 2);
	count_map_free(&m);
}

static void
test_sorted(void **state)
{
	struct count_map	  m;
	const struct count_ent	**v;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(count_map_add(&m, "rest", 4, 1), 0);
	assert_int_equal(count_map_add(&m, "grpc", 4, 1), 0);
	assert_int_equal(count_map_add(&m, "gr", 2, 1), 0);
	v = count_map_sorted(&m);
	assert_non_null(v);
	assert_string_equal(v[0]->key, "gr");
	assert_string_equal(v[1]->key, "grpc");
	assert_string_equal(v[2]->key, "rest");
	assert_null(v[3]);
	free(v);
	count_map_free(&m);
}

static void
test_tally(void **state)
{
	struct tally	a, b;

	(void)state;
	tally_init(&a);
	tally_init(&b);
	assert_int_equal(tally_add(&a, "Alux Nahual", 11, "En Vivo", 7,
	    "rest", 4, 2), 0);
	assert_int_equal(a.total, 2);
	assert_non_null(count_map_get(&a.albums,
	    "Alux Nahual \xe2\x80\x94 En Vivo", 23));
	assert_int_equal(tally_add(&b, "Alux Nahual", 11, "En Vivo", 7,
	    "rest", 4, 1), 0);
	assert_false(tally_equal(&a, &b));
	assert_int_equal(tally_add(&b, "Alux Nahual", 11, "En Vivo", 7,
	    "rest", 4, 1), 0);
	assert_true(tally_equal(&a, &b));
	/* A key only one side has, even at 0, against a missing key. */
	assert_int_equal(count_map_add(&b.bands, "Radio Viejo", 11, 0), 0);
	assert_true(tally_equal(&a, &b));
	assert_int_equal(count_map_add(&b.bands, "Radio Viejo", 11, 1), 0);
	assert_false(tally_equal(&a, &b));
	tally_free(&a);
	tally_free(&b);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_sorted),
		cmocka_unit_test(test_tally),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
