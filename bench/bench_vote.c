/* SPDX-License-Identifier: ISC */
/*
 * consumer-bench's votes (see bench_vote.h).
 */
#include <stdio.h>
#include <string.h>

#include "bench_vote.h"
#include "clock.h"
#include "vote_id.h"

static const char	*bench_bands[] = { "Alux Nahual", "Bohemia Suburbana",
			    "Malacates Trébol Shop", "Viernes Verde",
			    "Radio Viejo", "Ricardo Arjona" };

int
bench_vote(struct vote *v, uint64_t i)
{
	memset(v, 0, sizeof(*v));
	(void)snprintf(v->name, sizeof(v->name), "%s",
	    bench_bands[i % (sizeof(bench_bands) / sizeof(bench_bands[0]))]);
	(void)snprintf(v->album, sizeof(v->album), "Album %u",
	    (unsigned)(i % 7));
	(void)snprintf(v->source, sizeof(v->source), "%s",
	    i % 3 ? "rest" : "grpc");
	v->year = 1980 + (uint32_t)(i % 40);
	v->rank = 1 + (uint32_t)(i % 100);
	v->received_at_ms = marimba_now_ms();
	return (vote_id_new(v->id, v->received_at_ms));
}
