/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target for the Kafka message decoder (lib/vote_codec.c): any bytes
 * go through vote_decode(). Besides memory errors (ASan, UBSan) it checks
 * that a refused message leaves a zeroed vote and a well-formed error,
 * and that an accepted one is valid, encodes to no more bytes than it
 * came in (unknown fields are dropped) and decodes back equal.
 */
#include <string.h>

#include "vote.h"
#include "vote_codec.h"
#include "vote_id.h"

#include "fuzz_check.h"
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vote		v, back;
	struct vote_error	err;
	enum vote_status	st;
	uint8_t			buf[1024];
	size_t			len;

	memset(&v, 0xa5, sizeof(v));
	st = vote_decode(data, size, &v, &err);
	fuzz_check_error(&err, st, -1);
	if (st != VOTE_OK) {
		FUZZ_CHECK(st == VOTE_EINVAL);
		FUZZ_CHECK(fuzz_all_zero(&v, sizeof(v)));
		return (0);
	}

	FUZZ_CHECK(vote_validate(&v, &err) == VOTE_OK);
	FUZZ_CHECK(vote_id_is_valid(v.id));
	FUZZ_CHECK(strcmp(v.source, "rest") == 0 ||
	    strcmp(v.source, "grpc") == 0);
	FUZZ_CHECK(v.received_at_ms > 0);

	len = vote_encoded_size(&v);
	FUZZ_CHECK(len > 0 && len <= size && len <= sizeof(buf));
	FUZZ_CHECK(vote_encode(&v, buf, sizeof(buf), &len) == VOTE_OK);
	FUZZ_CHECK(len == vote_encoded_size(&v));
	memset(&back, 0x5a, sizeof(back));
	FUZZ_CHECK(vote_decode(buf, len, &back, &err) == VOTE_OK);
	FUZZ_CHECK(fuzz_votes_equal(&v, &back));

	return (0);
}
