/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kore/src/viewer/web_time.c: the page's time cell and
 * /api/logs' accepted_at. Before, the page printed "when + 11" of an ISO
 * string that could be only "?" (stack bytes after it reached the HTML)
 * or of another shape (a year past 9999, a negative millisecond); now
 * every output is a whole string: the expected text, or "?" and "".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "web_time.h"

static void
check_ok(int64_t ms, const char *iso, const char *date, const char *clock)
{
	char	i[WEB_TIME_ISO_LEN], d[WEB_TIME_DATE_LEN];
	char	c[WEB_TIME_CLOCK_LEN];

	assert_int_equal(web_time_iso(ms, i, sizeof(i)), 0);
	assert_string_equal(i, iso);
	assert_int_equal(web_time_split(ms, d, sizeof(d), c, sizeof(c)), 0);
	assert_string_equal(d, date);
	assert_string_equal(c, clock);
}

/* Out of range: "?" and "", whatever the buffers held before. */
static void
check_bad(int64_t ms)
{
	char	i[WEB_TIME_ISO_LEN], d[WEB_TIME_DATE_LEN];
	char	c[WEB_TIME_CLOCK_LEN];

	memset(i, 'x', sizeof(i));
	memset(d, 'x', sizeof(d));
	memset(c, 'x', sizeof(c));
	assert_int_equal(web_time_iso(ms, i, sizeof(i)), -1);
	assert_string_equal(i, "?");
	assert_int_equal(web_time_split(ms, d, sizeof(d), c, sizeof(c)), -1);
	assert_string_equal(d, "?");
	assert_string_equal(c, "");
}

static void
test_times(void **state)
{
	(void)state;
	check_ok(0, "1970-01-01T00:00:00.000Z", "1970-01-01", "00:00:00.000");
	check_ok(INT64_C(1795833433123), "2026-11-28T02:37:13.123Z",
	    "2026-11-28", "02:37:13.123");
	check_ok(WEB_TIME_MAX_MS, "9999-12-31T23:59:59.999Z", "9999-12-31",
	    "23:59:59.999");
}

static void
test_out_of_range(void **state)
{
	(void)state;
	check_bad(-1);
	check_bad(-999);
	check_bad(INT64_MIN);
	check_bad(WEB_TIME_MAX_MS + 1);
	check_bad(INT64_MAX);
}

/* A buffer too short gets "?" cut to fit, never a partial time. */
static void
test_short_buffers(void **state)
{
	char	buf[WEB_TIME_ISO_LEN], d[WEB_TIME_DATE_LEN];
	char	c[WEB_TIME_CLOCK_LEN];

	(void)state;
	assert_int_equal(web_time_iso(0, buf, WEB_TIME_ISO_LEN - 1), -1);
	assert_string_equal(buf, "?");
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(web_time_iso(0, buf, 1), -1);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'x');
	assert_int_equal(web_time_iso(0, buf, 0), -1);
	assert_int_equal(web_time_split(0, d, sizeof(d), c, sizeof(c) - 1), -1);
	assert_string_equal(d, "?");
	assert_string_equal(c, "");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_short_buffers),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
