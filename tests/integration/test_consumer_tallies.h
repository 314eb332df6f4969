/* SPDX-License-Identifier: ISC */
/*
 * cmocka assertions on what the consumer harness' votes should have left
 * in Redis: the tests of marimba-consumer and marimba-audit share them.
 */
#ifndef TEST_CONSUMER_TALLIES_H
#define TEST_CONSUMER_TALLIES_H

#include <stddef.h>

#include "test_consumer_harness.h"

/* Every counter of the env's prefix against the votes 0..n-1. */
void	ct_assert_tallies(struct ct_env *, size_t);

#endif
