/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/grow.c: the first size, doubling, the cap, refusal at
 * the cap and on a size that overflows, and that a refusal leaves the
 * array and its capacity as they were.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "grow.h"

static void
test_grows_by_doubling_up_to_max(void **state)
{
	int	*a, *g;
	size_t	 cap, n;

	(void)state;
	a = NULL;
	cap = 0;
	for (n = 0; n < 40; n++) {
		g = grow_array(a, &cap, n, sizeof(*a), 4, 40);
		assert_non_null(g);
		a = g;
		a[n] = (int)n;		/* ASan checks the room is there */
		if (n < 4)
			assert_int_equal(cap, 4);
		else if (n < 8)
			assert_int_equal(cap, 8);
		else if (n < 16)
			assert_int_equal(cap, 16);
		else if (n < 32)
			assert_int_equal(cap, 32);
		else
			assert_int_equal(cap, 40);
	}
	for (n = 0; n < 40; n++)
		assert_int_equal(a[n], (int)n);

	errno = 0;
	assert_null(grow_array(a, &cap, 40, sizeof(*a), 4, 40));
	assert_int_equal(errno, EOVERFLOW);
	assert_int_equal(cap, 40);
	free(a);
}

static void
test_room_left_returns_same_array(void **state)
{
	char	buf[8];
	size_t	cap;

	(void)state;
	cap = sizeof(buf);
	assert_ptr_equal(grow_array(buf, &cap, 7, 1, 1, 100), buf);
	assert_int_equal(cap, sizeof(buf));
}

static void
test_overflowing_size_refused(void **state)
{
	char	*a;
	size_t	 cap;

	(void)state;
	a = grow_array(NULL, &(size_t){ 0 }, 0, 1, 1, 1);
	assert_non_null(a);
	cap = 1;
	errno = 0;
	assert_null(grow_array(a, &cap, 1, SIZE_MAX / 2 + 1, 1, SIZE_MAX));
	assert_int_equal(errno, EOVERFLOW);
	assert_int_equal(cap, 1);
	free(a);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_grows_by_doubling_up_to_max),
		cmocka_unit_test(test_room_left_returns_same_array),
		cmocka_unit_test(test_overflowing_size_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
