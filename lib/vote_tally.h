/* SPDX-License-Identifier: ISC */
/*
 * The keys votes are counted under: a band's albums are counted in one
 * hash under "<band> — <album>" (an em dash between spaces), the key the
 * consumer writes and the page, the API and the tests read.
 */
#ifndef MARIMBA_VOTE_TALLY_H
#define MARIMBA_VOTE_TALLY_H

#include <stddef.h>

#include "vote.h"

#define VOTE_TALLY_SEP		" \xe2\x80\x94 "	/* " — " */

/* Bytes of the longest key, NUL included. */
#define VOTE_TALLY_KEY_MAX	(VOTE_NAME_MAX + sizeof(VOTE_TALLY_SEP) - 1 + \
				    VOTE_ALBUM_MAX + 1)

/*
 * Writes "<band> — <album>" and a NUL into buf of len bytes. 0 on
 * success, -1 if it does not fit (buf then holds a cut, NUL-ended key).
 */
int	vote_tally_key(char *buf, size_t len, const char *band,
	    const char *album);

#endif
