/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the JSON vote contract of one vote (lib/vote_json.c with
 * the checks of lib/vote.c): accepted forms, boundaries, and every class
 * of refused body with the field and status it must report.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vote.h"

#define SEED	"{\"name\":\"Malacates Trebol Shop\"," \
		"\"album\":\"A Quien Corresponda\",\"year\":\"2015\"," \
		"\"rank\":\"1\"}"

static const struct vote_limits	limits = { 524288, 1000 };

static enum vote_status
parse(const char *json, struct vote *v, struct vote_error *err)
{
	return (vote_parse_json((const uint8_t *)json, strlen(json), &limits,
	    v, err));
}

/* Parses json, which must be refused with st, naming field. */
static void
expect_reject(const char *json, enum vote_status st, const char *field)
{
	struct vote		v;
	struct vote_error	err;
	enum vote_status	got;

	got = parse(json, &v, &err);
	if (got != st || strcmp(err.field, field) != 0) {
		fail_msg("body %s: status %d field \"%s\" (%s), expected "
		    "status %d field \"%s\"", json, got, err.field,
		    err.message, st, field);
	}
	assert_true(strlen(err.message) > 0);
	assert_int_equal(err.index, -1);
	/* Nothing half-parsed leaks out. */
	assert_string_equal(v.name, "");
	assert_int_equal(v.year, 0);
}

/* A vote with the given raw JSON values for name and year. */
static char *
vote_with(const char *name, const char *year)
{
	char	*s;

	if (asprintf(&s, "{\"name\":%s,\"album\":\"X\",\"year\":%s,"
	    "\"rank\":1}", name, year) == -1)
		fail_msg("asprintf");
	return (s);
}

static void
expect_reject_name(const char *name, const char *field)
{
	char	*s;

	s = vote_with(name, "2015");
	expect_reject(s, VOTE_EINVAL, field);
	free(s);
}

static void
expect_reject_year(const char *year, const char *field)
{
	char	*s;

	s = vote_with("\"X\"", year);
	expect_reject(s, VOTE_EINVAL, field);
	free(s);
}

static void
expect_accept(const char *json, struct vote *v)
{
	struct vote_error	err;
	enum vote_status	got;

	got = parse(json, v, &err);
	if (got != VOTE_OK)
		fail_msg("body %s refused: %s: %s", json, err.field,
		    err.message);
}

static void
test_seed(void **state)
{
	struct vote		v;
	struct vote_error	err;

	(void)state;
	memset(&v, 0xff, sizeof(v));
	assert_int_equal(parse(SEED, &v, &err), VOTE_OK);
	assert_string_equal(v.name, "Malacates Trebol Shop");
	assert_string_equal(v.album, "A Quien Corresponda");
	assert_int_equal(v.year, 2015);
	assert_int_equal(v.rank, 1);
	assert_string_equal(v.id, "");
	assert_string_equal(v.source, "");
	assert_int_equal(v.received_at_ms, 0);
}

static void
test_integer_and_string_forms(void **state)
{
	struct vote	v;

	(void)state;
	expect_accept("{\"name\":\"a\",\"album\":\"b\",\"year\":1999,"
	    "\"rank\":42}", &v);
	assert_int_equal(v.year, 1999);
	assert_int_equal(v.rank, 42);
	expect_accept("{\"rank\":\"7\",\"year\":2001,\"album\":\"b\","
	    "\"name\":\"a\"}", &v);
	assert_int_equal(v.year, 2001);
	assert_int_equal(v.rank, 7);
	/* Whitespace between tokens is JSON's, not the value's. */
	expect_accept(" \n{ \"name\" : \"a\" ,\t\"album\":\"b\",\"year\":"
	    "\"2000\",\"rank\": 1000 }\r\n", &v);
	assert_int_equal(v.rank, 1000);
}

static void
test_number_boundaries(void **state)
{
	struct vote	v;
	char		*s;

	(void)state;
	s = vote_with("\"X\"", "1900");
	expect_accept(s, &v);
	assert_int_equal(v.year, 1900);
	free(s);
	s = vote_with("\"X\"", "\"2100\"");
	expect_accept(s, &v);
	assert_int_equal(v.year, 2100);
	free(s);
	expect_reject_year("1899", "year");
	expect_reject_year("\"2101\"", "year");
	expect_reject_year("0", "year");

	expect_accept("{\"name\":\"a\",\"album\":\"b\",\"year\":2000,"
	    "\"rank\":1}", &v);
	assert_int_equal(v.rank, 1);
	expect_accept("{\"name\":\"a\",\"album\":\"b\",\"year\":2000,"
	    "\"rank\":\"1000\"}", &v);
	assert_int_equal(v.rank, 1000);
	expect_reject("{\"name\":\"a\",\"album\":\"b\",\"year\":2000,"
	    "\"rank\":0}", VOTE_EINVAL, "rank");
	expect_reject("{\"name\":\"a\",\"album\":\"b\",\"year\":2000,"
	    "\"rank\":\"1001\"}", VOTE_EINVAL, "rank");
}

static void
test_integer_overflow(void **state)
{
	(void)state;
	expect_reject_year("99999999999999999999", "year");
	expect_reject_year("\"99999999999999999999\"", "year");
	/* 2^32 + 2015 would be 2015 in a wrapping uint32_t. */
	expect_reject_year("4294969311", "year");
	expect_reject_year("\"4294969311\"", "year");
	/* 2^64 + 1 would be 1 in a wrapping uint64_t. */
	expect_reject("{\"name\":\"a\",\"album\":\"b\",\"year\":2000,"
	    "\"rank\":18446744073709551617}", VOTE_EINVAL, "rank");
}

static void
test_escaped_digits(void **state)
{
	struct vote	v;
	char		*s;

	(void)state;
	/* The check is on the unescaped string: "\u0032015" is "2015". */
	s = vote_with("\"X\"", "\"\\u0032015\"");
	expect_accept(s, &v);
	assert_int_equal(v.year, 2015);
	free(s);
}

/* A JSON number counts by its value, as JSON Schema's "integer" does. */
static void
test_number_forms_accepted(void **state)
{
	const struct {
		const char	*json;
		uint32_t	 year;
	} good[] = {
		{ "2015", 2015 }, { "2015.0", 2015 }, { "2015.000", 2015 },
		{ "2.015e3", 2015 }, { "2015e0", 2015 }, { "20150e-1", 2015 },
		{ "0.2015E4", 2015 }, { "201.5e+1", 2015 },
		{ "2100.00", 2100 }, { "19e2", 1900 },
	};
	struct vote	v;
	char		*s;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		s = vote_with("\"X\"", good[i].json);
		expect_accept(s, &v);
		assert_int_equal(v.year, good[i].year);
		free(s);
	}
}

static void
test_number_forms_refused(void **state)
{
	const char	*bad[] = {
		"2015.5", "2.0155e3", "20155e-1", "-2015", "-2015.0", "-0",
		"0.0", "1e-400", "2e999999", "\"2015.0\"",
		"\"-2015\"", "\"+2015\"", "\" 2015\"", "\"2015 \"", "\"\"",
		"\"02015\"", "\"0x7df\"", "\"2e3\"", "\"00\"",
		"\"\xef\xbc\x92\xef\xbc\x90\xef\xbc\x91\xef\xbc\x95\"",
	};
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_reject_year(bad[i], "year");
	/* A leading zero in a JSON number is a syntax error. */
	expect_reject_year("02015", "body");
}

static void
test_wrong_types(void **state)
{
	const char	*name_bad[] = { "5", "null", "true", "false",
			    "{}", "[]", "{\"a\":\"b\"}", "[\"a\"]", "1.5" };
	const char	*year_bad[] = { "null", "true", "false", "{}", "[]",
			    "{\"y\":2015}", "[2015]" };
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(name_bad) / sizeof(name_bad[0]); i++)
		expect_reject_name(name_bad[i], "name");
	for (i = 0; i < sizeof(year_bad) / sizeof(year_bad[0]); i++)
		expect_reject_year(year_bad[i], "year");
	expect_reject("{\"name\":\"a\",\"album\":[\"b\"],\"year\":2000,"
	    "\"rank\":1}", VOTE_EINVAL, "album");
	expect_reject("{\"name\":\"a\",\"album\":\"b\",\"year\":2000,"
	    "\"rank\":false}", VOTE_EINVAL, "rank");
}

static void
test_text_lengths(void **state)
{
	struct vote	v;
	char		name[1024], *s;
	int		i;

	(void)state;
	/* 128 ASCII bytes. */
	name[0] = '"';
	memset(name + 1, 'a', 128);
	name[129] = '"';
	name[130] = '\0';
	s = vote_with(name, "2015");
	expect_accept(s, &v);
	assert_int_equal(strlen(v.name), 128);
	free(s);

	/* 129 bytes. */
	name[129] = 'a';
	name[130] = '"';
	name[131] = '\0';
	expect_reject_name(name, "name");

	/* 32 four-byte characters: 128 bytes. */
	name[0] = '"';
	for (i = 0; i < 32; i++)
		memcpy(name + 1 + 4 * i, "\xf0\x9f\x8e\xb6", 4);
	name[129] = '"';
	name[130] = '\0';
	s = vote_with(name, "2015");
	expect_accept(s, &v);
	assert_int_equal(strlen(v.name), 128);
	assert_memory_equal(v.name + 124, "\xf0\x9f\x8e\xb6", 4);
	free(s);

	/* 43 three-byte characters: 129 bytes. */
	for (i = 0; i < 43; i++)
		memcpy(name + 1 + 3 * i, "\xe2\x82\xac", 3);
	name[130] = '"';
	name[131] = '\0';
	expect_reject_name(name, "name");

	/* 64 escapes of U+00E9: 384 bytes of JSON, 128 bytes of text. */
	name[0] = '"';
	for (i = 0; i < 64; i++)
		memcpy(name + 1 + 6 * i, "\\u00e9", 6);
	name[385] = '"';
	name[386] = '\0';
	s = vote_with(name, "2015");
	expect_accept(s, &v);
	assert_int_equal(strlen(v.name), 128);
	free(s);

	/* Album has the same limit. */
	memset(name, 'b', 129);
	name[129] = '\0';
	if (asprintf(&s, "{\"name\":\"a\",\"album\":\"%s\",\"year\":2000,"
	    "\"rank\":1}", name) == -1)
		fail();
	expect_reject(s, VOTE_EINVAL, "album");
	free(s);
}

static void
test_empty_and_blank_text(void **state)
{
	(void)state;
	expect_reject_name("\"\"", "name");
	expect_reject_name("\" \"", "name");
	expect_reject_name("\"     \"", "name");
	expect_reject_name("\"\\u3000\"", "name"); /* ideographic */
	expect_reject_name("\"\xc2\xa0 \xe2\x80\x83\"", "name");
	expect_reject("{\"name\":\"a\",\"album\":\"\",\"year\":2000,"
	    "\"rank\":1}", VOTE_EINVAL, "album");
}

static void
test_control_characters(void **state)
{
	(void)state;
	expect_reject_name("\"a\\u0000b\"", "name");
	expect_reject_name("\"\\u0000\"", "name");
	expect_reject_name("\"a\\nb\"", "name");
	expect_reject_name("\"a\\tb\"", "name");
	expect_reject_name("\"a\\u001fb\"", "name");
	expect_reject_name("\"a\\u007fb\"", "name");		/* DEL */
	expect_reject_name("\"a\\u0085b\"", "name");		/* C1 */
	expect_reject_name("\"a\tb\"", "name");			/* raw tab */
	/* Invisible only, or a bidirectional override/isolate. */
	expect_reject_name("\"\\u200b\"", "name");
	expect_reject_name("\"\\ufeff\\u00ad\"", "name");
	expect_reject_name("\"abc\\u202edcba\"", "name");
	expect_reject_name("\"a\\u2067b\"", "name");
}

static void
test_invalid_utf8(void **state)
{
	struct vote	v;
	char		*s;

	(void)state;
	expect_reject_name("\"ab\xff\"", "name");
	expect_reject_name("\"\xc3\"", "name");		/* truncated */
	expect_reject_name("\"\xc0\xaf\"", "name");		/* overlong */
	expect_reject_name("\"\xe0\x80\xaf\"", "name");	/* overlong */
	expect_reject_name("\"\xed\xa0\x80\"", "name");	/* surrogate */
	expect_reject_name("\"\xf4\x90\x80\x80\"", "name");	/* > U+10FFFF */
	expect_reject_name("\"\\ud800\"", "name");		/* lone high */
	expect_reject_name("\"a\\ud800b\"", "name");
	expect_reject_name("\"\\udc00\"", "name");		/* lone low */
	expect_reject_name("\"\\ud800\\u0041\"", "name");
	expect_reject("{\"name\":\"a\",\"album\":\"\xfe\",\"year\":2000,"
	    "\"rank\":1}", VOTE_EINVAL, "album");
	/* In a key, outside a field. */
	expect_reject("{\"na\xffme\":\"a\",\"album\":\"b\",\"year\":2000,"
	    "\"rank\":1}", VOTE_EINVAL, "body");

	/* A proper pair is fine, and an escaped backslash is no escape. */
	s = vote_with("\"\\ud83c\\udfb6 \\\\ud800\"", "2015");
	expect_accept(s, &v);
	assert_string_equal(v.name, "\xf0\x9f\x8e\xb6 \\ud800");
	free(s);
}

static void
test_unknown_missing_duplicate(void **state)
{
	struct vote		v;
	struct vote_error	err;

	(void)state;
	assert_int_equal(parse("{\"name\":\"a\",\"album\":\"b\",\"year\":2000,"
	    "\"rank\":1,\"genre\":\"rock\"}", &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "genre");
	assert_non_null(strstr(err.message, "unknown"));

	expect_reject("{\"Name\":\"a\",\"album\":\"b\",\"year\":2000,"
	    "\"rank\":1}", VOTE_EINVAL, "Name");
	expect_reject("{\"id\":\"x\",\"name\":\"a\",\"album\":\"b\","
	    "\"year\":2000,\"rank\":1}", VOTE_EINVAL, "id");

	expect_reject("{\"album\":\"b\",\"year\":2000,\"rank\":1}",
	    VOTE_EINVAL, "name");
	expect_reject("{\"name\":\"a\",\"year\":2000,\"rank\":1}",
	    VOTE_EINVAL, "album");
	expect_reject("{\"name\":\"a\",\"album\":\"b\",\"rank\":1}",
	    VOTE_EINVAL, "year");
	assert_int_equal(parse("{\"name\":\"a\",\"album\":\"b\","
	    "\"year\":2000}", &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "rank");
	assert_non_null(strstr(err.message, "missing"));
	expect_reject("{}", VOTE_EINVAL, "name");

	assert_int_equal(parse("{\"name\":\"a\",\"album\":\"b\",\"year\":2000,"
	    "\"rank\":1,\"name\":\"c\"}", &v, &err), VOTE_EINVAL);
	assert_string_equal(err.field, "name");
	assert_non_null(strstr(err.message, "duplicate"));
	expect_reject("{\"name\":\"a\",\"album\":\"b\",\"year\":2000,"
	    "\"rank\":1,\"rank\":1}", VOTE_EINVAL, "rank");
}

static void
test_body_shape(void **state)
{
	struct vote		v;
	struct vote_error	err;

	(void)state;
	assert_int_equal(parse(SEED " x", &v, &err), VOTE_EINVAL);
	assert_non_null(strstr(err.message, "after the JSON value"));
	assert_int_equal(parse("{\"name\":\"a\"", &v, &err), VOTE_EINVAL);
	assert_non_null(strstr(err.message, "before the JSON value is "
	    "complete"));
	expect_reject(SEED " x", VOTE_EINVAL, "body");
	expect_reject(SEED SEED, VOTE_EINVAL, "body");
	expect_reject(SEED " " SEED, VOTE_EINVAL, "body");
	expect_reject(SEED "\xff", VOTE_EINVAL, "body");
	expect_reject("[" SEED "]", VOTE_EINVAL, "body");
	expect_reject("\"vote\"", VOTE_EINVAL, "body");
	expect_reject("5", VOTE_EINVAL, "body");
	expect_reject("null", VOTE_EINVAL, "body");
	expect_reject("true", VOTE_EINVAL, "body");
	expect_reject("{\"name\":\"a\"", VOTE_EINVAL, "body");
	expect_reject("{\"name\":\"a\",}", VOTE_EINVAL, "body");
	expect_reject("{name:\"a\"}", VOTE_EINVAL, "body");
	expect_reject("{\"name\":'a'}", VOTE_EINVAL, "name");
	expect_reject("/* c */" SEED, VOTE_EINVAL, "body");
	expect_reject("{\"name\":\"a\" // c\n}", VOTE_EINVAL, "body");
	expect_reject("\xef\xbb\xbf" SEED, VOTE_EINVAL, "body"); /* BOM */
	/* yajl skips \f and \v between tokens; RFC 8259 does not. */
	expect_reject("\f" SEED, VOTE_EINVAL, "body");
	expect_reject(SEED "\v", VOTE_EINVAL, "body");
	assert_int_equal(parse("{\"name\":\v\"a\"}", &v, &err), VOTE_EINVAL);
	assert_non_null(strstr(err.message, "control character 0x0b"));
	expect_accept(" \t\r\n" SEED " \t\r\n", &v);
}

static void
test_empty_body(void **state)
{
	struct vote		v;
	struct vote_error	err;

	(void)state;
	assert_int_equal(vote_parse_json((const uint8_t *)"", 0, &limits, &v,
	    &err), VOTE_EINVAL);
	assert_string_equal(err.field, "body");
	assert_int_equal(vote_parse_json(NULL, 0, &limits, &v, &err),
	    VOTE_EINVAL);
	expect_reject(" \r\n\t ", VOTE_EINVAL, "body");
}

static void
test_max_body(void **state)
{
	struct vote		v;
	struct vote_error	err;
	struct vote_limits	small;
	size_t			len;

	(void)state;
	len = strlen(SEED);
	small.max_batch = 10;
	small.max_body = len;
	assert_int_equal(vote_parse_json((const uint8_t *)SEED, len, &small,
	    &v, &err), VOTE_OK);
	small.max_body = len - 1;
	assert_int_equal(vote_parse_json((const uint8_t *)SEED, len, &small,
	    &v, &err), VOTE_ETOOBIG);
	assert_string_equal(err.field, "body");
	assert_int_equal(err.index, -1);
	/* Checked before parsing: even garbage is "too big" first. */
	assert_int_equal(vote_parse_json((const uint8_t *)"xxxxxxxx", 8,
	    &(struct vote_limits){ 4, 1 }, &v, &err), VOTE_ETOOBIG);
}

static void
test_error_without_struct(void **state)
{
	struct vote	v;

	(void)state;
	assert_int_equal(vote_parse_json((const uint8_t *)"{}", 2, &limits,
	    &v, NULL), VOTE_EINVAL);
	assert_int_equal(vote_parse_json((const uint8_t *)SEED, strlen(SEED),
	    NULL, &v, NULL), VOTE_OK);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_integer_and_string_forms),
		cmocka_unit_test(test_number_boundaries),
		cmocka_unit_test(test_integer_overflow),
		cmocka_unit_test(test_escaped_digits),
		cmocka_unit_test(test_number_forms_accepted),
		cmocka_unit_test(test_number_forms_refused),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_text_lengths),
		cmocka_unit_test(test_empty_and_blank_text),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_unknown_missing_duplicate),
		cmocka_unit_test(test_body_shape),
		cmocka_unit_test(test_empty_body),
		cmocka_unit_test(test_max_body),
		cmocka_unit_test(test_error_without_struct),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
