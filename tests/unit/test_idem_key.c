/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/idem_key.c: ULID and UUIDv7 keys (the specs'
 * examples, case, refused shapes), the time window, and the vote ids
 * derived from a key: the same for a retry, different for another
 * position, vote or key, time-ordered by the key, and equal to a value
 * computed independently (so a change of the derivation, which would
 * make retries across a deploy count twice, cannot pass unnoticed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "idem_key.h"
#include "vote_id.h"

#define ULID_EXAMPLE	"01ARYZ6S41TSV4RRFFQ69G5FAV"	/* the ULID spec's */
#define ULID_MS		INT64_C(1469918176385)
#define UUID7_EXAMPLE	"017F22E2-79B0-7CC3-98C4-DC0C0C07398F"	/* RFC 9562 */
#define UUID7_MS	INT64_C(0x017F22E279B0)
#define WINDOW_MS	(INT64_C(604800) * 1000)
#define MANY		1000

static enum idem_status
parse(const char *s, int64_t now, struct idem_key *k)
{
	char	err[256];

	err[0] = '\0';
	return (idem_key_parse(s, strlen(s), now, WINDOW_MS, k, err,
	    sizeof(err)));
}

static void
vote_fill(struct vote *v, const char *name, uint32_t year, uint32_t rank)
{
	memset(v, 0, sizeof(*v));
	(void)strcpy(v->name, name);
	(void)strcpy(v->album, "Kind of Blue");
	v->year = year;
	v->rank = rank;
}

static void
test_ulid_keys(void **state)
{
	struct idem_key	k;
	const char	*bad[] = {
		"01ARYZ6S41TSV4RRFFQ69G5FA",	/* 25 characters */
		"01ARYZ6S41TSV4RRFFQ69G5FAVV",	/* 27 */
		"01ARYZ6S41TSV4RRFFQ69G5FAU",	/* U is not Crockford */
		"01ARYZ6S41TSV4RRFFQ69G5FAI",
		"01ARYZ6S41TSV4RRFFQ69G5FAL",
		"01ARYZ6S41TSV4RRFFQ69G5FAO",
		"81ARYZ6S41TSV4RRFFQ69G5FAV",	/* over 128 bits */
		"01ARYZ6S41TSV4RRFFQ69G5FA-",
		"01ARYZ6S41 SV4RRFFQ69G5FAV",
		"",
	};
	size_t		i;

	(void)state;
	assert_int_equal(parse(ULID_EXAMPLE, ULID_MS, &k), IDEM_OK);
	assert_true(k.ms == ULID_MS);
	assert_int_equal(k.bytes[0], 0x01);
	assert_int_equal(k.bytes[15], 0x5B);	/* ...FAV: last 8 bits */

	assert_int_equal(parse("01aryz6s41tsv4rrffq69g5fav", ULID_MS, &k),
	    IDEM_OK);
	assert_true(k.ms == ULID_MS);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], ULID_MS, &k), IDEM_EFORMAT);
}

static void
test_uuid7_keys(void **state)
{
	struct idem_key	k;
	const char	*bad[] = {
		/* version 4 */
		"017F22E2-79B0-4CC3-98C4-DC0C0C07398F",
		/* variant 110 (Microsoft), 0xx (NCS) */
		"017F22E2-79B0-7CC3-C8C4-DC0C0C07398F",
		"017F22E2-79B0-7CC3-78C4-DC0C0C07398F",
		/* hyphens misplaced, missing, or no hyphens at all */
		"017F22E279-B0-7CC3-98C4-DC0C0C07398F",
		"017F22E2+79B0-7CC3-98C4-DC0C0C07398F",
		"017F22E279B07CC398C4DC0C0C07398F",
		/* not hex; braces */
		"017F22E2-79B0-7CC3-98C4-DC0C0C07398G",
		"{17F22E2-79B0-7CC3-98C4-DC0C0C07398}",
	};
	size_t		i;

	(void)state;
	assert_int_equal(parse(UUID7_EXAMPLE, UUID7_MS, &k), IDEM_OK);
	assert_true(k.ms == UUID7_MS);
	assert_int_equal(k.bytes[6], 0x7C);
	assert_int_equal(k.bytes[15], 0x8F);

	assert_int_equal(parse("017f22e2-79b0-7cc3-98c4-dc0c0c07398f",
	    UUID7_MS, &k), IDEM_OK);
	assert_true(k.ms == UUID7_MS);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], UUID7_MS, &k), IDEM_EFORMAT);
}

/* An embedded NUL is a character like any other: refused, no overread. */
static void
test_nul_inside(void **state)
{
	struct idem_key	k;
	char		s[IDEM_KEY_ULID_LEN], err[256];

	(void)state;
	memcpy(s, ULID_EXAMPLE, sizeof(s));
	s[5] = '\0';
	assert_int_equal(idem_key_parse(s, sizeof(s), ULID_MS, WINDOW_MS, &k,
	    err, sizeof(err)), IDEM_EFORMAT);
	assert_non_null(strstr(err, "ULID"));
}

static void
test_time_window(void **state)
{
	struct idem_key	k;
	char		err[256];
	const char	*s = ULID_EXAMPLE;
	size_t		n = strlen(ULID_EXAMPLE);

	(void)state;
	/* Ahead of our clock by the skew at most. */
	assert_int_equal(idem_key_parse(s, n, ULID_MS - IDEM_KEY_SKEW_MS,
	    WINDOW_MS, &k, err, sizeof(err)), IDEM_OK);
	assert_int_equal(idem_key_parse(s, n, ULID_MS - IDEM_KEY_SKEW_MS - 1,
	    WINDOW_MS, &k, err, sizeof(err)), IDEM_EFUTURE);
	assert_non_null(strstr(err, "future"));

	/* Behind it by the dedupe window at most. */
	assert_int_equal(idem_key_parse(s, n, ULID_MS + WINDOW_MS,
	    WINDOW_MS, &k, err, sizeof(err)), IDEM_OK);
	assert_int_equal(idem_key_parse(s, n, ULID_MS + WINDOW_MS + 1,
	    WINDOW_MS, &k, err, sizeof(err)), IDEM_EEXPIRED);
	assert_non_null(strstr(err, "older than 604800 s"));
	assert_int_equal(idem_key_parse(s, n, ULID_MS + 61000, 60000, &k,
	    err, sizeof(err)), IDEM_EEXPIRED);
}

static void
test_ids_repeat(void **state)
{
	struct idem_key	k;
	struct vote	a, b;
	int64_t		now = ULID_MS + 5000;

	(void)state;
	assert_int_equal(parse(ULID_EXAMPLE, now, &k), IDEM_OK);
	vote_fill(&a, "Miles Davis", 1959, 1);
	vote_fill(&b, "Miles Davis", 1959, 1);
	assert_int_equal(idem_vote_accept(&a, "rest", &k, 0, now), 0);
	/* A retry, later and through the other front door. */
	assert_int_equal(idem_vote_accept(&b, "grpc", &k, 0, now + 900), 0);
	assert_string_equal(a.id, b.id);
	assert_true(vote_id_is_valid(a.id));
	assert_string_equal(a.source, "rest");
	assert_string_equal(b.source, "grpc");
	assert_true(a.received_at_ms == now);
	assert_true(b.received_at_ms == now + 900);

	/* The id's time is the key's: its first 10 characters. */
	assert_memory_equal(a.id, ULID_EXAMPLE, 10);

	/* Computed independently (SHA-256 in Python) for this input. */
	assert_string_equal(a.id, "01ARYZ6S418T0GR2X2XZVEQ3MW");

	assert_int_equal(idem_vote_accept(&b, "soap", &k, 0, now), -1);
}

static void
test_ids_differ(void **state)
{
	struct idem_key	k, k2;
	struct vote	base, v;
	char		(*ids)[VOTE_ID_LEN + 1];
	uint32_t	i;
	int64_t		now = UUID7_MS;

	(void)state;
	assert_int_equal(parse(UUID7_EXAMPLE, now, &k), IDEM_OK);
	vote_fill(&base, "Miles Davis", 1959, 1);
	assert_int_equal(idem_vote_accept(&base, "rest", &k, 0, now), 0);

	/* Another position, name, album, year, rank or key: another id. */
	v = base;
	assert_int_equal(idem_vote_accept(&v, "rest", &k, 1, now), 0);
	assert_string_not_equal(v.id, base.id);
	vote_fill(&v, "Miles Davi", 1959, 1);
	assert_int_equal(idem_vote_accept(&v, "rest", &k, 0, now), 0);
	assert_string_not_equal(v.id, base.id);
	vote_fill(&v, "Miles Davis", 1959, 1);
	(void)strcpy(v.album, "Kind of Blu");
	assert_int_equal(idem_vote_accept(&v, "rest", &k, 0, now), 0);
	assert_string_not_equal(v.id, base.id);
	vote_fill(&v, "Miles Davis", 1960, 1);
	assert_int_equal(idem_vote_accept(&v, "rest", &k, 0, now), 0);
	assert_string_not_equal(v.id, base.id);
	vote_fill(&v, "Miles Davis", 1959, 2);
	assert_int_equal(idem_vote_accept(&v, "rest", &k, 0, now), 0);
	assert_string_not_equal(v.id, base.id);
	k2 = k;
	k2.bytes[15] ^= 1;
	vote_fill(&v, "Miles Davis", 1959, 1);
	assert_int_equal(idem_vote_accept(&v, "rest", &k2, 0, now), 0);
	assert_string_not_equal(v.id, base.id);
	assert_memory_equal(v.id, base.id, 10);	/* same time */

	/* A whole batch: all distinct, all of the key's millisecond. */
	ids = calloc(MANY, sizeof(*ids));
	assert_non_null(ids);
	for (i = 0; i < MANY; i++) {
		assert_int_equal(idem_vote_accept(&v, "rest", &k, i, now), 0);
		memcpy(ids[i], v.id, sizeof(ids[i]));
		assert_memory_equal(ids[i], base.id, 10);
	}
	qsort(ids, MANY, sizeof(*ids),
	    (int (*)(const void *, const void *))strcmp);
	for (i = 1; i < MANY; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	free(ids);
}

/* A later key gives later ids, whatever their hashes. */
static void
test_ids_ordered(void **state)
{
	struct idem_key	early, late;
	struct vote	a, b;
	int64_t		now = ULID_MS + 10000;

	(void)state;
	assert_int_equal(parse("01ARYZ6S41ZZZZZZZZZZZZZZZZ", now, &early),
	    IDEM_OK);
	assert_int_equal(parse("01ARYZ6S420000000000000000", now, &late),
	    IDEM_OK);
	assert_true(late.ms == early.ms + 1);
	vote_fill(&a, "Miles Davis", 1959, 1);
	vote_fill(&b, "Miles Davis", 1959, 1);
	assert_int_equal(idem_vote_accept(&a, "rest", &early, 0, now), 0);
	assert_int_equal(idem_vote_accept(&b, "rest", &late, 0, now), 0);
	assert_true(strcmp(a.id, b.id) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulid_keys),
		cmocka_unit_test(test_uuid7_keys),
		cmocka_unit_test(test_nul_inside),
		cmocka_unit_test(test_time_window),
		cmocka_unit_test(test_ids_repeat),
		cmocka_unit_test(test_ids_differ),
		cmocka_unit_test(test_ids_ordered),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
