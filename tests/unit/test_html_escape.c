/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/html_escape.c: each special character, a script tag
 * and an attribute breaker, UTF-8 passed through, and truncation that
 * never splits an entity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "html_escape.h"

static void
check(const char *in, const char *want)
{
	char	out[512];
	size_t	n;

	n = html_escape(out, sizeof(out), in, strlen(in));
	assert_int_equal(n, strlen(want));
	assert_string_equal(out, want);
}

static void
test_specials(void **state)
{
	(void)state;
	check("", "");
	check("Malacates Trébol Shop", "Malacates Trébol Shop");
	check("&", "&amp;");
	check("<", "&lt;");
	check(">", "&gt;");
	check("\"", "&quot;");
	check("'", "&#39;");
	check("a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e&#39;f");
}

static void
test_script(void **state)
{
	(void)state;
	check("<script>alert(1)</script>",
	    "&lt;script&gt;alert(1)&lt;/script&gt;");
	check("\" onmouseover=\"alert(1)",
	    "&quot; onmouseover=&quot;alert(1)");
	check("' autofocus onfocus='x", "&#39; autofocus onfocus=&#39;x");
	/* Already escaped text is escaped again, never trusted. */
	check("&lt;", "&amp;lt;");
}

static void
test_truncation(void **state)
{
	char	out[8];
	size_t	n;

	(void)state;
	/* "ab&lt;" is 6 bytes; "&gt;" would not fit in the 7 left. */
	n = html_escape(out, sizeof(out), "ab<>", 4);
	assert_int_equal(n, 10);
	assert_string_equal(out, "ab&lt;");

	n = html_escape(out, 1, "<", 1);
	assert_int_equal(n, 4);
	assert_string_equal(out, "");

	assert_int_equal(html_escape(NULL, 0, "<&>", 3), 13);

	/* Nothing is written after the first misfit, even if it is short. */
	n = html_escape(out, 6, "abc<d", 5);
	assert_int_equal(n, 8);
	assert_string_equal(out, "abc");
}

static void
test_embedded_nul(void **state)
{
	char	out[16];
	size_t	n;

	(void)state;
	n = html_escape(out, sizeof(out), "a\0<", 3);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "a\0&lt;", 7);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_specials),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_embedded_nul),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
