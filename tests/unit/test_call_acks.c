/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for producers/call_acks.c: a call's delivery reports are
 * counted down to the last one, the first failure is kept, and a report
 * nobody waited for is refused instead of wrapping the count (issue 17:
 * the wrapped count kept the call alive for ever).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "call_acks.h"

static void
test_counts_down(void **state)
{
	struct call_acks	a;

	(void)state;
	memset(&a, 0, sizeof(a));
	call_acks_sent(&a);
	call_acks_sent(&a);
	call_acks_sent(&a);
	assert_int_equal(a.enqueued, 3);
	assert_int_equal(call_acks_report(&a, 0, NULL), 0);
	assert_int_equal(call_acks_report(&a, 7, "first"), 0);
	assert_int_equal(call_acks_report(&a, 9, "second"), 1);
	assert_int_equal(a.pending, 0);
	assert_int_equal(a.err, 7);
	assert_string_equal(a.reason, "first");
}

static void
test_extra_report_refused(void **state)
{
	struct call_acks	a;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(call_acks_report(&a, 0, NULL), -1);
	assert_int_equal(a.pending, 0);

	call_acks_sent(&a);
	assert_int_equal(call_acks_report(&a, 0, NULL), 1);
	/* One report too many: the count stays at zero, the call can go. */
	assert_int_equal(call_acks_report(&a, 5, "late"), -1);
	assert_int_equal(a.pending, 0);
	assert_int_equal(a.err, 0);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_counts_down),
		cmocka_unit_test(test_extra_report_refused),
	};

	return (cmocka_run_group_tests_name("call_acks", tests, NULL, NULL));
}
