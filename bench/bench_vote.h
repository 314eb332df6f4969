/* SPDX-License-Identifier: ISC */
/*
 * The votes consumer-bench works with: the topic's fill and the bare
 * MongoDB loop make the same ones, so the store's own bulk rate is
 * measured on the documents the mongo sink writes (six bands, seven
 * albums, both sources), not on friendlier ones.
 */
#ifndef MARIMBA_BENCH_VOTE_H
#define MARIMBA_BENCH_VOTE_H

#include <stdint.h>

#include "vote.h"

/* The i-th vote, accepted now, with a fresh id. -1 if no id was made. */
int	bench_vote(struct vote *, uint64_t);

#endif
