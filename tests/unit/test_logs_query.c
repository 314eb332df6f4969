/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/logs_query.c: defaults, each parameter's valid and
 * invalid values, percent-decoding, duplicates, unknown parameters and
 * inputs that are not NUL-terminated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logs_query.h"

static int
parse(const char *qs, struct logs_query *q, struct vote_error *err)
{
	return (logs_query_parse(qs, qs == NULL ? 0 : strlen(qs), q, err));
}

static void
bad(const char *qs, const char *field)
{
	struct logs_query	q;
	struct vote_error	err;

	assert_int_equal(parse(qs, &q, &err), -1);
	assert_string_equal(err.field, field);
	assert_true(strlen(err.message) > 0);
	assert_int_equal(err.index, -1);
}

static void
test_defaults(void **state)
{
	struct logs_query	q;
	struct vote_error	err;

	(void)state;
	assert_int_equal(parse(NULL, &q, &err), 0);
	assert_int_equal(q.limit, LOGS_LIMIT_DEFAULT);
	assert_string_equal(q.band, "");
	assert_string_equal(q.source, "");
	assert_string_equal(q.before, "");
	assert_int_equal(parse("", &q, &err), 0);
	assert_int_equal(parse("&&", &q, &err), 0);
	assert_int_equal(q.limit, 20);
}

static void
test_all(void **state)
{
	struct logs_query	q;
	struct vote_error	err;

	(void)state;
	assert_int_equal(parse("limit=50&band=Malacates%20Tr%C3%A9bol+Shop"
	    "&source=grpc&before=01ARYZ6S41TSV4RRFFQ69G5FAV", &q, &err), 0);
	assert_int_equal(q.limit, 50);
	assert_string_equal(q.band, "Malacates Trébol Shop");
	assert_string_equal(q.source, "grpc");
	assert_string_equal(q.before, "01ARYZ6S41TSV4RRFFQ69G5FAV");

	assert_int_equal(parse("band=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
	    &q, &err), 0);
	assert_string_equal(q.band, "<script>alert(1)</script>");

	/* A form's "all" choice sends empty values. */
	assert_int_equal(parse("band=&source=&limit=100", &q, &err), 0);
	assert_string_equal(q.band, "");
	assert_string_equal(q.source, "");
	assert_int_equal(q.limit, 100);
}

static void
test_limit(void **state)
{
	struct logs_query	q;
	struct vote_error	err;

	(void)state;
	assert_int_equal(parse("limit=1", &q, &err), 0);
	assert_int_equal(q.limit, 1);
	assert_int_equal(parse("limit=007", &q, &err), 0);
	assert_int_equal(q.limit, 7);
	bad("limit=0", "limit");
	bad("limit=101", "limit");
	bad("limit=", "limit");
	bad("limit", "limit");
	bad("limit=-1", "limit");
	bad("limit=1x", "limit");
	bad("limit=+5", "limit");
	bad("limit=99999999999999999999999", "limit");
	bad("limit=1e2", "limit");
}

static void
test_band(void **state)
{
	struct logs_query	q;
	struct vote_error	err;
	char			qs[600];

	(void)state;
	memset(qs, 0, sizeof(qs));
	memcpy(qs, "band=", 5);
	memset(qs + 5, 'a', 128);
	assert_int_equal(parse(qs, &q, &err), 0);
	assert_int_equal(strlen(q.band), 128);
	qs[5 + 128] = 'a';
	bad(qs, "band");
	memset(qs + 5, 'a', 500);
	bad(qs, "band");

	bad("band=%FF", "band");		/* not UTF-8 */
	bad("band=%C0%AF", "band");		/* overlong */
	bad("band=a%00b", "band");		/* control character */
	bad("band=%0A", "band");
	bad("band=+++", "band");		/* only spaces */
	bad("band=%E2%80%8B", "band");		/* only U+200B */
	bad("band=a%E2%80%AEb", "band");	/* U+202E override */
	bad("band=%", "band");
	bad("band=%4", "band");
	bad("band=%zz", "band");
}

static void
test_source_before(void **state)
{
	struct logs_query	q;
	struct vote_error	err;

	(void)state;
	assert_int_equal(parse("source=rest", &q, &err), 0);
	assert_string_equal(q.source, "rest");
	bad("source=REST", "source");
	bad("source=kafka", "source");
	bad("source=rest%00", "source");

	bad("before=", "before");
	bad("before=abc", "before");
	bad("before=01ARYZ6S41TSV4RRFFQ69G5FA", "before");
	bad("before=01ARYZ6S41TSV4RRFFQ69G5FAVV", "before");
	bad("before=01ARYZ6S41TSV4RRFFQ69G5FAU", "before");	/* no U */
	bad("before=81ARYZ6S41TSV4RRFFQ69G5FAV", "before");	/* > 48 bits */
}

static void
test_unknown_and_duplicates(void **state)
{
	(void)state;
	bad("limit=5&limit=6", "limit");
	bad("band=a&band=a", "band");
	bad("page=2", "page");
	bad("Limit=5", "Limit");
	bad("=5", "query");
	bad("%FF=1", "query");
	bad("a%22b=1", "query");
	bad("averyveryverylongparametername=1", "query");
	bad("%=1", "query");
	bad("limitx=1", "limitx");
	bad("lim=1", "lim");
}

static void
test_not_terminated(void **state)
{
	struct logs_query	q;
	struct vote_error	err;
	char			*buf;
	const char		*qs = "limit=42&source=rest";

	(void)state;
	/* An exact-size heap copy: ASan catches any read past len. */
	buf = malloc(strlen(qs));
	assert_non_null(buf);
	memcpy(buf, qs, strlen(qs));
	assert_int_equal(logs_query_parse(buf, strlen(qs), &q, &err), 0);
	assert_int_equal(q.limit, 42);
	assert_string_equal(q.source, "rest");
	/* Only the first 7 bytes: "limit=4". */
	assert_int_equal(logs_query_parse(buf, 7, &q, &err), 0);
	assert_int_equal(q.limit, 4);
	buf[7] = '%';
	assert_int_equal(logs_query_parse(buf, 8, &q, &err), -1);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_band),
		cmocka_unit_test(test_source_before),
		cmocka_unit_test(test_unknown_and_duplicates),
		cmocka_unit_test(test_not_terminated),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
