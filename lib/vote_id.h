/* SPDX-License-Identifier: ISC */
/*
 * Vote ids: ULIDs (48-bit millisecond time, 80 random bits, Crockford
 * base32), so ids sort by acceptance time and need no coordination.
 */
#ifndef MARIMBA_VOTE_ID_H
#define MARIMBA_VOTE_ID_H

#include <stdint.h>

#include "clock.h"	/* marimba_now_ms(): the time in an id */
#include "vote.h"

#define VOTE_ID_RANDOM_BYTES	10	/* the 80 bits after the time */

/* Writes a new ULID for time ms plus a NUL into out. -1 if no entropy. */
int		vote_id_new(char out[VOTE_ID_LEN + 1], int64_t ms);

/*
 * Writes the ULID of time ms and the given 80 bits plus a NUL into out
 * (ids derived from an idempotency key, idem_key.h). -1 if ms does not
 * fit in 48 bits.
 */
int		vote_id_make(char out[VOTE_ID_LEN + 1], int64_t ms,
		    const uint8_t rnd[VOTE_ID_RANDOM_BYTES]);

/* 1 if s is a well-formed ULID of VOTE_ID_LEN characters, 0 otherwise. */
int		vote_id_is_valid(const char *s);

#endif
