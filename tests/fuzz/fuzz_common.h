/* SPDX-License-Identifier: ISC */
/*
 * Checks more than one fuzz target makes: that a struct vote_error is one
 * the contract allows (docs/vote-contract.md), that two votes are equal,
 * and that an accepted vote survives the Kafka codec unchanged.
 */
#ifndef MARIMBA_FUZZ_COMMON_H
#define MARIMBA_FUZZ_COMMON_H

#include "vote.h"

/* The stamp fuzz_codec_round_trip() gives a vote before encoding it. */
#define FUZZ_VOTE_ID		"01ARYZ6S41TSV4RRFFQ69G5FAV"
#define FUZZ_VOTE_SOURCE	"rest"
#define FUZZ_VOTE_TIME		INT64_C(1700000000000)

/*
 * Aborts unless err is terminated inside its members, its field and
 * message are UTF-8 without a quote, backslash or control character, the
 * message is a sentence if st is not VOTE_OK and index is -1..max_index.
 */
void	fuzz_check_error(const struct vote_error *, enum vote_status,
	    long max_index);

/* 1 if the len bytes at p are all zero. */
int	fuzz_all_zero(const void *, size_t);

/* 1 if a and b hold the same vote, member by member. */
int	fuzz_votes_equal(const struct vote *, const struct vote *);

/* Aborts unless v (valid, unstamped) encodes and decodes back equal. */
void	fuzz_codec_round_trip(const struct vote *);

#endif
