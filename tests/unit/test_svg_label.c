/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for kore/src/viewer/label.c, which fits the chart's bar
 * labels into their room: short labels whole, long ones cut with room
 * for "…", by estimated width (wide letters are cut sooner than narrow
 * ones), never inside a UTF-8 sequence, and safe on broken UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "label.h"

/* The room the chart gives a label (as svg_chart.c computes it). */
#define BUDGET	((200 - 10 - 4) * LABEL_EM / 13)

static int
is_cont(unsigned char c)
{
	return ((c & 0xc0) == 0x80);
}

/* Every cut of s at every budget: a prefix that fits, whole sequences. */
static void
check_all_budgets(const char *s)
{
	unsigned int	b;
	size_t		n;
	int		cut;

	for (b = 0; b <= 3000; b += 7) {
		n = label_fit(s, b, &cut);
		assert_true(n <= strlen(s));
		if (!cut) {
			assert_int_equal(n, strlen(s));
			assert_true(label_width(s, n) <= b);
			continue;
		}
		assert_true(n < strlen(s));
		/* Below the ellipsis' own width nothing is left but "…". */
		if (b < LABEL_ELLIPSIS_W)
			assert_int_equal(n, 0);
		else
			assert_true(label_width(s, n) + LABEL_ELLIPSIS_W <= b);
		assert_false(is_cont((unsigned char)s[n]));
	}
}

static void
test_short_whole(void **state)
{
	size_t	n;
	int	cut;

	(void)state;
	n = label_fit("Malacates Trébol Shop", BUDGET, &cut);
	assert_int_equal(cut, 0);
	assert_int_equal(n, strlen("Malacates Trébol Shop"));
	n = label_fit("", BUDGET, &cut);
	assert_int_equal(cut, 0);
	assert_int_equal(n, 0);
}

static void
test_long_cut(void **state)
{
	const char	*s = "Los Miseria Cumbia Band — El Ritmo de la "
			    "Calle y Otras Historias de Guatemala";
	size_t		 n;
	int		 cut;

	(void)state;
	n = label_fit(s, BUDGET, &cut);
	assert_int_equal(cut, 1);
	assert_true(n > 10);
	assert_true(label_width(s, n) + LABEL_ELLIPSIS_W <= BUDGET);
	check_all_budgets(s);
}

/* Width, not a count of characters: 30 "W" do not fit, 30 "i" do. */
static void
test_by_width(void **state)
{
	char	wide[31], thin[31];
	size_t	nw, nt;
	int	cw, ct;

	(void)state;
	memset(wide, 'W', 30);
	wide[30] = '\0';
	memset(thin, 'i', 30);
	thin[30] = '\0';
	nw = label_fit(wide, BUDGET, &cw);
	nt = label_fit(thin, BUDGET, &ct);
	assert_int_equal(cw, 1);
	assert_int_equal(ct, 0);
	assert_true(nw < nt);
}

/* Two-, three- and four-byte sequences are kept or dropped whole. */
static void
test_utf8_whole(void **state)
{
	char	s[512];
	size_t	i;

	(void)state;
	s[0] = '\0';
	for (i = 0; i < 60; i++)
		strcat(s, "é");
	check_all_budgets(s);
	s[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(s, "音");
	check_all_budgets(s);
	s[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(s, "🎵a");
	check_all_budgets(s);
	check_all_budgets("Trébol — 音楽 🎵 Marimba de Guatemala, "
	    "Chiquimulilla y más");
}

/* Broken UTF-8 counts byte by byte and never reads past the end. */
static void
test_broken_utf8(void **state)
{
	static const char	*bad[] = {
		"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80"
		    "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80",
		"abc\xe2\x82",		/* cut three-byte sequence */
		"abc\xf0\x9f\x8e",	/* cut four-byte sequence */
		"\xc3",
		"\xff\xfe\xc0\xaf long enough to be cut at some budget",
	};
	size_t			 i;
	int			 cut;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(label_fit(bad[i], BUDGET, &cut) <= strlen(bad[i]));
		assert_true(label_fit(bad[i], 0, &cut) <= strlen(bad[i]));
		(void)label_width(bad[i], strlen(bad[i]));
	}
}

/* Names that would look empty in a list or a cell. */
static void
test_blank(void **state)
{
	(void)state;
	assert_true(label_blank(""));
	assert_true(label_blank(" "));
	assert_true(label_blank("   \t "));
	assert_true(label_blank("\xc2\xa0"));			/* NBSP */
	assert_true(label_blank("\xe2\x80\x8b"));		/* ZWSP */
	assert_true(label_blank(" \xe3\x85\xa4 "));		/* U+3164 */
	assert_true(label_blank("\xef\xbb\xbf\xe2\x80\x83"));	/* BOM, em sp */
	assert_true(label_blank("\xf3\xa0\x80\xa0"));	/* tag space */
	assert_true(label_blank("\xe2\xa0\x80"));		/* U+2800 */
	assert_false(label_blank("a"));
	assert_false(label_blank(" .\xc2\xa0"));
	assert_false(label_blank("\xc3\xb1"));			/* ñ */
	assert_false(label_blank("\xe2\x80\x8b\xe2\x80\x94"));	/* ZWSP — */
	assert_false(label_blank("\x80")); /* broken: U+FFFD */
	assert_false(label_blank(" \xe2\x80")); /* cut sequence */
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_short_whole),
		cmocka_unit_test(test_long_cut),
		cmocka_unit_test(test_by_width),
		cmocka_unit_test(test_utf8_whole),
		cmocka_unit_test(test_broken_utf8),
		cmocka_unit_test(test_blank),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
