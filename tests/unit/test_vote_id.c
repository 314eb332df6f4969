/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/vote_id.c: ULID layout against the spec's example,
 * validity, uniqueness of many ids and ordering by time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vote_id.h"

#define MANY	10000

static int
cmp_id(const void *a, const void *b)
{
	return (strcmp(a, b));
}

static void
test_time_part(void **state)
{
	char	id[VOTE_ID_LEN + 1];

	(void)state;
	/* The example of the ULID spec: 01ARYZ6S41TSV4RRFFQ69G5FAV. */
	assert_int_equal(vote_id_new(id, 1469918176385), 0);
	assert_memory_equal(id, "01ARYZ6S41", 10);
	assert_int_equal(strlen(id), VOTE_ID_LEN);

	assert_int_equal(vote_id_new(id, 0), 0);
	assert_memory_equal(id, "0000000000", 10);
	assert_int_equal(vote_id_new(id, (INT64_C(1) << 48) - 1), 0);
	assert_memory_equal(id, "7ZZZZZZZZZ", 10);
	assert_true(vote_id_is_valid(id));

	assert_int_equal(vote_id_new(id, INT64_C(1) << 48), -1);
	assert_int_equal(vote_id_new(id, -1), -1);
}

static void
test_valid(void **state)
{
	const char	*bad[] = {
		"", "01ARYZ6S41TSV4RRFFQ69G5FA", "01ARYZ6S41TSV4RRFFQ69G5FAVV",
		"01aryz6s41tsv4rrffq69g5fav", "01ARYZ6S41TSV4RRFFQ69G5FAI",
		"01ARYZ6S41TSV4RRFFQ69G5FAL", "01ARYZ6S41TSV4RRFFQ69G5FAO",
		"01ARYZ6S41TSV4RRFFQ69G5FAU", "81ARYZ6S41TSV4RRFFQ69G5FAV",
		"Z1ARYZ6S41TSV4RRFFQ69G5FAV", "01ARYZ6S41TSV4RRFFQ69G5FA-",
		"01ARYZ6S41 SV4RRFFQ69G5FAV",
	};
	size_t		i;

	(void)state;
	assert_true(vote_id_is_valid("01ARYZ6S41TSV4RRFFQ69G5FAV"));
	assert_true(vote_id_is_valid("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (vote_id_is_valid(bad[i]))
			fail_msg("accepted %s", bad[i]);
	}
	assert_false(vote_id_is_valid(NULL));
}

static void
test_unique(void **state)
{
	char	(*ids)[VOTE_ID_LEN + 1];
	int64_t	now;
	size_t	i;

	(void)state;
	ids = calloc(MANY, sizeof(*ids));
	assert_non_null(ids);
	/* All in the same millisecond: only the random part differs. */
	now = marimba_now_ms();
	for (i = 0; i < MANY; i++) {
		assert_int_equal(vote_id_new(ids[i], now), 0);
		assert_true(vote_id_is_valid(ids[i]));
	}
	qsort(ids, MANY, sizeof(*ids), cmp_id);
	for (i = 1; i < MANY; i++)
		assert_true(strcmp(ids[i - 1], ids[i]) < 0);
	free(ids);
}

static void
test_sorts_by_time(void **state)
{
	char	a[VOTE_ID_LEN + 1], b[VOTE_ID_LEN + 1];
	int64_t	t;
	int	i;

	(void)state;
	t = marimba_now_ms();
	for (i = 0; i < 1000; i++) {
		assert_int_equal(vote_id_new(a, t + i), 0);
		assert_int_equal(vote_id_new(b, t + i + 1), 0);
		assert_true(strcmp(a, b) < 0);
	}
	/* Across a carry into higher digits. */
	assert_int_equal(vote_id_new(a, 31), 0);
	assert_int_equal(vote_id_new(b, 32), 0);
	assert_true(strcmp(a, b) < 0);
}

static void
test_now(void **state)
{
	int64_t	a, b;

	(void)state;
	a = marimba_now_ms();
	b = marimba_now_ms();
	assert_true(a > INT64_C(1577836800000));	/* after 2020 */
	assert_true(b >= a);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_time_part),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_unique),
		cmocka_unit_test(test_sorts_by_time),
		cmocka_unit_test(test_now),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
