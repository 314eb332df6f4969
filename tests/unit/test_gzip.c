/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/gzip.c: which Accept-Encoding values allow gzip
 * (q=0 refuses, a named coding wins over "*", junk is no), and that
 * gzip_compress() gives a gzip stream zlib inflates back to the input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "gzip.h"

static void
test_accepted(void **state)
{
	(void)state;
	assert_true(gzip_accepted("gzip"));
	assert_true(gzip_accepted("gzip, deflate, br"));
	assert_true(gzip_accepted("br, GZIP"));
	assert_true(gzip_accepted("deflate,gzip;q=0.5"));
	assert_true(gzip_accepted("gzip ; q=1.0"));
	assert_true(gzip_accepted("x-gzip"));
	assert_true(gzip_accepted("*"));
	assert_true(gzip_accepted("br, *;q=0.1"));
	assert_true(gzip_accepted("gzip;q=0.001"));
}

static void
test_refused(void **state)
{
	(void)state;
	assert_false(gzip_accepted(NULL));
	assert_false(gzip_accepted(""));
	assert_false(gzip_accepted("identity"));
	assert_false(gzip_accepted("br, deflate"));
	assert_false(gzip_accepted("gzip;q=0"));
	assert_false(gzip_accepted("gzip; q=0.000"));
	assert_false(gzip_accepted("gzip;q=0, *"));
	assert_false(gzip_accepted("*;q=0"));
	assert_false(gzip_accepted("gzipped"));
	assert_false(gzip_accepted("xgzip, gzi"));
	assert_false(gzip_accepted(",,;;==q"));
	assert_false(gzip_accepted("identity;q="));
}

static void
round_trip(const uint8_t *in, size_t len)
{
	z_stream	 z;
	uint8_t		*gz, *back;
	size_t		 gzlen;

	assert_int_equal(gzip_compress(in, len, &gz, &gzlen), 0);
	assert_non_null(gz);
	/* The gzip magic. */
	assert_true(gzlen >= 18);
	assert_int_equal(gz[0], 0x1f);
	assert_int_equal(gz[1], 0x8b);
	back = malloc(len + 1);
	assert_non_null(back);
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = gz;
	z.avail_in = (uInt)gzlen;
	z.next_out = back;
	z.avail_out = (uInt)len + 1;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, len);
	assert_memory_equal(back, in, len);
	(void)inflateEnd(&z);
	free(back);
	free(gz);
}

static void
test_compress(void **state)
{
	uint8_t		*noise;
	size_t		 i;
	uint32_t	 x = 2463534242u;
	const char	*html = "<table><tr><td>Alux Nahual</td></tr>"
			    "<tr><td>Alux Nahual</td></tr></table>";

	(void)state;
	round_trip((const uint8_t *)"", 0);
	round_trip((const uint8_t *)html, strlen(html));
	/* Incompressible input still fits deflateBound's room. */
	noise = malloc(200000);
	assert_non_null(noise);
	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		noise[i] = (uint8_t)x;
	}
	round_trip(noise, 200000);
	free(noise);
}

static void
test_compresses(void **state)
{
	char	 buf[20000];
	uint8_t	*gz;
	size_t	 gzlen, i;

	(void)state;
	for (i = 0; i + 20 < sizeof(buf); i += 20)
		memcpy(buf + i, "<tr><td>band</td>\n  ", 20);
	assert_int_equal(gzip_compress(buf, i, &gz, &gzlen), 0);
	assert_true(gzlen < i / 10);
	free(gz);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_compress),
		cmocka_unit_test(test_compresses),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
