/* SPDX-License-Identifier: ISC */
/*
 * The counters the harness' deterministic votes 0..n-1 must give in
 * Redis (total, per band, per album, per source), asserted with cmocka.
 * Kept out of test_consumer_harness.c, which the chaos tests link
 * without cmocka.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_consumer_tallies.h"
#include "vote_tally.h"

void
ct_assert_tallies(struct ct_env *e, size_t n)
{
	char		field[VOTE_TALLY_KEY_MAX];
	long long	band[CT_BANDS], album[CT_BANDS][2], rest, grpc;
	size_t		i, b, a;

	memset(band, 0, sizeof(band));
	memset(album, 0, sizeof(album));
	rest = grpc = 0;
	for (i = 0; i < n; i++) {
		b = i % CT_BANDS;
		a = (i / CT_BANDS) % 2;
		band[b]++;
		album[b][a]++;
		if (strcmp(ct_source(i), "rest") == 0)
			rest++;
		else
			grpc++;
	}
	assert_int_equal(ct_redis_get(e, "total"), (long long)n);
	for (b = 0; b < CT_BANDS; b++) {
		assert_int_equal(ct_redis_hget(e, "bands", ct_band(b)),
		    band[b]);
		for (a = 0; a < 2; a++) {
			assert_int_equal(vote_tally_key(field, sizeof(field),
			    ct_band(b), ct_album(a * CT_BANDS)), 0);
			assert_int_equal(ct_redis_hget(e, "albums", field),
			    album[b][a]);
		}
	}
	assert_int_equal(ct_redis_hget(e, "sources", "rest"), rest);
	assert_int_equal(ct_redis_hget(e, "sources", "grpc"), grpc);
}
