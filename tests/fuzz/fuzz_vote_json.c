/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target for the JSON vote parser (lib/vote_json.c): every input goes
 * through vote_parse_json() and vote_parse_json_batch() with small limits
 * and through the batch parser with the default limits. Besides memory
 * errors (ASan, UBSan) it checks the contract's invariants: an accepted
 * vote is valid and survives the Kafka codec, a batch holds 1..max_batch
 * votes, nothing is returned on error, the error is well-formed, the
 * single and batch parsers agree on an object, and a limit changes the
 * result only where the limit is.
 */
#include <stdlib.h>
#include <string.h>

#include "vote.h"

#include "fuzz_check.h"
#include "fuzz_common.h"

#define FUZZ_MAX_BODY	4096
#define FUZZ_MAX_BATCH	8
#define DEFAULT_MAX_BATCH	1000	/* vote_json.c's, for limits NULL */

static const struct vote_limits	fuzz_limits = {
	.max_body = FUZZ_MAX_BODY,
	.max_batch = FUZZ_MAX_BATCH,
};

/*
 * The first byte that is not JSON whitespace (RFC 8259), or 0. The parser
 * refuses \v and \f, which yajl alone would skip.
 */
static uint8_t
first_token(const uint8_t *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
		    s[i] != '\n')
			return (s[i]);
	}

	return (0);
}

static int
errors_equal(const struct vote_error *a, const struct vote_error *b)
{
	return (a->index == b->index &&
	    strcmp(a->field, b->field) == 0 &&
	    strcmp(a->message, b->message) == 0);
}

/* What vote_parse_json_batch() gave, checked on its own. */
static void
check_batch(enum vote_status st, const struct vote *votes, size_t count,
    const struct vote_error *err, size_t max_batch)
{
	struct vote_error	verr;
	size_t			i;

	fuzz_check_error(err, st, (long)max_batch);
	if (st != VOTE_OK) {
		FUZZ_CHECK(votes == NULL && count == 0);
		return;
	}

	FUZZ_CHECK(votes != NULL);
	FUZZ_CHECK(count >= 1 && count <= max_batch);
	for (i = 0; i < count; i++) {
		FUZZ_CHECK(vote_validate(&votes[i], &verr) == VOTE_OK);
		FUZZ_CHECK(votes[i].id[0] == '\0');
		FUZZ_CHECK(votes[i].source[0] == '\0');
		FUZZ_CHECK(votes[i].received_at_ms == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vote		 one;
	struct vote		*votes, *dvotes;
	struct vote_error	 e1, e2, e3;
	enum vote_status	 s1, s2, s3;
	size_t			 n, dn, i;
	uint8_t			 first;

	first = first_token(data, size);

	s1 = vote_parse_json(data, size, &fuzz_limits, &one, &e1);
	fuzz_check_error(&e1, s1, -1);
	if (s1 == VOTE_OK) {
		FUZZ_CHECK(vote_validate(&one, &e3) == VOTE_OK);
		FUZZ_CHECK(first == '{');
		fuzz_codec_round_trip(&one);
	} else
		FUZZ_CHECK(fuzz_all_zero(&one, sizeof(one)));

	s2 = vote_parse_json_batch(data, size, &fuzz_limits, &votes, &n, &e2);
	check_batch(s2, votes, n, &e2, FUZZ_MAX_BATCH);
	if (size > FUZZ_MAX_BODY)
		FUZZ_CHECK(s1 == VOTE_ETOOBIG && s2 == VOTE_ETOOBIG);
	if (s2 == VOTE_ETOOBIG && size <= FUZZ_MAX_BODY)
		FUZZ_CHECK(e2.index == FUZZ_MAX_BATCH);

	/* On an object the two parsers are one parser. */
	if (first == '{') {
		FUZZ_CHECK(s1 == s2);
		if (s1 == VOTE_OK) {
			FUZZ_CHECK(n == 1);
			FUZZ_CHECK(fuzz_votes_equal(&one, &votes[0]));
		} else
			FUZZ_CHECK(errors_equal(&e1, &e2));
	}
	for (i = 0; i < n; i++)
		fuzz_codec_round_trip(&votes[i]);

	/* The default limits differ only in the batch size here. */
	if (size <= FUZZ_MAX_BODY) {
		s3 = vote_parse_json_batch(data, size, NULL, &dvotes, &dn,
		    &e3);
		check_batch(s3, dvotes, dn, &e3, DEFAULT_MAX_BATCH);
		if (s2 == VOTE_OK) {
			FUZZ_CHECK(s3 == VOTE_OK && dn == n);
			for (i = 0; i < n; i++)
				FUZZ_CHECK(fuzz_votes_equal(&votes[i],
				    &dvotes[i]));
		} else if (s2 == VOTE_ETOOBIG) {
			FUZZ_CHECK(s3 != VOTE_OK || dn > FUZZ_MAX_BATCH);
		} else {
			FUZZ_CHECK(s3 == s2);
			FUZZ_CHECK(errors_equal(&e2, &e3));
		}
		free(dvotes);
	}

	free(votes);
	return (0);
}
