/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/vote.c: the UTF-8 validator, vote_validate() and
 * vote_set_fields() as the gRPC path uses them, and vote_accept().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vote.h"
#include "vote_id.h"

static void
good_vote(struct vote *v)
{
	memset(v, 0, sizeof(*v));
	(void)snprintf(v->name, sizeof(v->name), "Malacates Trebol Shop");
	(void)snprintf(v->album, sizeof(v->album), "A Quien Corresponda");
	v->year = 2015;
	v->rank = 1;
}

static void
test_utf8(void **state)
{
	const struct {
		const char	*s;
		int		 valid;
		size_t		 bad;
	} cases[] = {
		{ "", 1, 0 },
		{ "plain ascii", 1, 0 },
		{ "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xb6", 1, 0 },
		{ "\xef\xbf\xbf\xf4\x8f\xbf\xbf", 1, 0 }, /* U+FFFF, max */
		{ "ab\x80", 0, 2 },		/* lone continuation */
		{ "ab\xc3", 0, 2 },		/* truncated */
		{ "ab\xe2\x82", 0, 2 },
		{ "\xc0\x80", 0, 0 },		/* overlong NUL */
		{ "\xc1\xbf", 0, 0 },
		{ "x\xe0\x9f\xbf", 0, 1 },	/* overlong 3-byte */
		{ "xy\xf0\x8f\xbf\xbf", 0, 2 },	/* overlong 4-byte */
		{ "\xed\xa0\x80", 0, 0 },	/* U+D800 */
		{ "\xed\xbf\xbf", 0, 0 },	/* U+DFFF */
		{ "\xf4\x90\x80\x80", 0, 0 },	/* U+110000 */
		{ "\xf5\x80\x80\x80", 0, 0 },
		{ "\xff", 0, 0 },
		{ "a\xc3\x28", 0, 1 },		/* bad continuation */
	};
	size_t	i, bad;
	int	got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bad = 12345;
		got = vote_utf8_is_valid((const uint8_t *)cases[i].s,
		    strlen(cases[i].s), &bad);
		if (got != cases[i].valid)
			fail_msg("case %zu: valid=%d", i, got);
		if (!got)
			assert_int_equal(bad, cases[i].bad);
	}
	/* An embedded NUL is valid UTF-8 (the text check refuses it). */
	assert_int_equal(vote_utf8_is_valid((const uint8_t *)"a\0b", 3, NULL),
	    1);
}

static void
test_validate_good(void **state)
{
	struct vote		v;
	struct vote_error	err;

	(void)state;
	good_vote(&v);
	assert_int_equal(vote_validate(&v, &err), VOTE_OK);
	v.year = 1900;
	v.rank = 1000;
	assert_int_equal(vote_validate(&v, &err), VOTE_OK);
	v.year = 2100;
	assert_int_equal(vote_validate(&v, &err), VOTE_OK);
	assert_int_equal(vote_validate(&v, NULL), VOTE_OK);
}

static void
expect_invalid(const struct vote *v, const char *field)
{
	struct vote_error	err;

	assert_int_equal(vote_validate(v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, field);
	assert_int_equal(err.index, -1);
	assert_true(strlen(err.message) > 0);
}

static void
test_validate_bad(void **state)
{
	struct vote	v;

	(void)state;
	memset(&v, 0, sizeof(v));
	expect_invalid(&v, "name");

	good_vote(&v);
	memset(v.name, 'a', sizeof(v.name));	/* no terminating NUL */
	expect_invalid(&v, "name");

	good_vote(&v);
	memcpy(v.album, "ab\xff", 4);
	expect_invalid(&v, "album");

	good_vote(&v);
	memcpy(v.album, "\xe3\x80\x80 ", 5);	/* only whitespace */
	expect_invalid(&v, "album");

	good_vote(&v);
	memcpy(v.name, "a\x1b[31m", 7);		/* terminal escape */
	expect_invalid(&v, "name");

	good_vote(&v);
	v.year = 1899;
	expect_invalid(&v, "year");
	v.year = 2101;
	expect_invalid(&v, "year");
	v.year = UINT32_MAX;
	expect_invalid(&v, "year");

	good_vote(&v);
	v.rank = 0;
	expect_invalid(&v, "rank");
	v.rank = 1001;
	expect_invalid(&v, "rank");
}

/*
 * Names that would show as nothing, or display differently from what
 * they are, are refused; invisible code points inside a visible name are
 * kept (a soft hyphen, a joiner in an emoji sequence).
 */
static void
test_validate_invisible(void **state)
{
	const struct {
		const char	*s;
		const char	*why;	/* in the message; NULL: accepted */
	} cases[] = {
		{ "\xe2\x80\x8b", "invisible" },		/* U+200B */
		{ "\xef\xbb\xbf", "invisible" },		/* U+FEFF */
		{ "\xc2\xad", "invisible" },		/* U+00AD */
		{ "\xcd\x8f", "invisible" },		/* U+034F */
		{ "\xe1\xa0\x8e", "invisible" },		/* U+180E */
		{ "\xe2\x80\x8c\xe2\x80\x8d\xe2\x80\x8e\xe2\x80\x8f",
		    "invisible" },			/* U+200C..U+200F */
		{ "\xe2\x81\xa0\xe2\x81\xa4", "invisible" }, /* U+2060, 2064 */
		{ " \xe2\x80\x8b\xe3\x80\x80", "invisible" }, /* with spaces */
		{ "\xf3\xa0\x80\x81", "invisible" }, /* U+E0001 tag */
		{ "abc\xe2\x80\xae" "dcba", "bidirectional" },	/* U+202E RLO */
		{ "\xe2\x80\xaa" "a", "bidirectional" }, /* U+202A */
		{ "a\xe2\x80\xac", "bidirectional" },		/* U+202C PDF */
		{ "a\xe2\x81\xa6" "b", "bidirectional" },	/* U+2066 LRI */
		{ "a\xe2\x81\xa9", "bidirectional" },		/* U+2069 PDI */
		{ "Ma\xc2\xadlacates", NULL },		/* soft hyphen */
		{ "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9", NULL },
		/* RLM */
		{ "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d\xe2\x80\x8f", NULL },
		{ "\xe2\x80\x8b" "a", NULL },
	};
	struct vote		v;
	struct vote_error	err;
	enum vote_status	st;
	size_t			i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = strlen(cases[i].s);
		memset(&err, 0, sizeof(err));
		st = vote_validate_text("name", cases[i].s, n, VOTE_NAME_MAX,
		    &err);
		if (cases[i].why == NULL) {
			assert_int_equal(st, VOTE_OK);
		} else {
			assert_int_equal(st, VOTE_EINVAL);
			assert_string_equal(err.field, "name");
			assert_non_null(strstr(err.message, cases[i].why));
		}

		/* The same rule on the gRPC path, for the album too. */
		st = vote_set_fields(&v, "Band", 4, cases[i].s, n, 2015, 1,
		    &err);
		assert_int_equal(st, cases[i].why == NULL ? VOTE_OK :
		    VOTE_EINVAL);
		if (cases[i].why != NULL)
			assert_string_equal(err.field, "album");

		good_vote(&v);
		memcpy(v.name, cases[i].s, n + 1);
		assert_int_equal(vote_validate(&v, &err), cases[i].why ==
		    NULL ? VOTE_OK : VOTE_EINVAL);
	}
}

static void
test_set_fields(void **state)
{
	struct vote		v;
	struct vote_error	err;
	char			long_name[200];

	(void)state;
	assert_int_equal(vote_set_fields(&v, "Bohemia Suburbana", 17,
	    "Tercer Mundo", 12, 1996, 3, &err), VOTE_OK);
	assert_string_equal(v.name, "Bohemia Suburbana");
	assert_string_equal(v.album, "Tercer Mundo");
	assert_int_equal(v.year, 1996);
	assert_int_equal(v.rank, 3);

	/* 129 bytes: refused, not cut to 128. */
	memset(long_name, 'x', sizeof(long_name));
	assert_int_equal(vote_set_fields(&v, long_name, 129, "a", 1, 2000, 1,
	    &err), VOTE_EINVAL);
	assert_string_equal(err.field, "name");
	assert_string_equal(v.name, "");
	assert_int_equal(vote_set_fields(&v, long_name, 128, "a", 1, 2000, 1,
	    &err), VOTE_OK);
	assert_int_equal(strlen(v.name), 128);

	/* A NUL inside the given length is a control character. */
	assert_int_equal(vote_set_fields(&v, "ab\0c", 4, "a", 1, 2000, 1,
	    &err), VOTE_EINVAL);
	assert_string_equal(err.field, "name");

	assert_int_equal(vote_set_fields(&v, "a", 1, "b", 1, 2000, 0, &err),
	    VOTE_EINVAL);
	assert_string_equal(err.field, "rank");
	assert_int_equal(v.year, 0);
}

static void
test_accept(void **state)
{
	struct vote	v;
	int64_t		before, after;

	(void)state;
	good_vote(&v);
	before = marimba_now_ms();
	assert_int_equal(vote_accept(&v, "rest"), 0);
	after = marimba_now_ms();
	assert_true(vote_id_is_valid(v.id));
	assert_string_equal(v.source, "rest");
	assert_true(v.received_at_ms >= before && v.received_at_ms <= after);

	good_vote(&v);
	assert_int_equal(vote_accept(&v, "grpc"), 0);
	assert_string_equal(v.source, "grpc");

	good_vote(&v);
	assert_int_equal(vote_accept(&v, "kafka"), -1);
	assert_int_equal(vote_accept(&v, "REST"), -1);
	assert_int_equal(vote_accept(&v, ""), -1);
	assert_int_equal(vote_accept(&v, NULL), -1);
	assert_string_equal(v.id, "");
}

static void
test_error_set(void **state)
{
	struct vote_error	err;
	char			big[400];

	(void)state;
	err.index = 5;
	vote_error_set(&err, "year", "year must be %s", "a number");
	assert_string_equal(err.field, "year");
	assert_string_equal(err.message, "year must be a number");
	assert_int_equal(err.index, -1);

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	vote_error_set(&err, big, "%s", big);
	assert_int_equal(strlen(err.field), sizeof(err.field) - 1);
	assert_int_equal(strlen(err.message), sizeof(err.message) - 1);
	vote_error_set(NULL, "x", "y");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_validate_good),
		cmocka_unit_test(test_validate_bad),
		cmocka_unit_test(test_validate_invisible),
		cmocka_unit_test(test_set_fields),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_error_set),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
