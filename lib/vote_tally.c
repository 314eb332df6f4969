/* SPDX-License-Identifier: ISC */
/*
 * vote_tally_key(): the one place the album counter's key is spelled.
 */
#include <stdio.h>
#include <string.h>

#include "vote_tally.h"

int
vote_tally_key(char *buf, size_t len, const char *band, const char *album)
{
	size_t	bl, sl, al;

	/* By length: the consumer spells one key per vote it counts. */
	bl = strlen(band);
	sl = sizeof(VOTE_TALLY_SEP) - 1;
	al = strlen(album);
	if (bl + sl + al < len) {
		memcpy(buf, band, bl);
		memcpy(buf + bl, VOTE_TALLY_SEP, sl);
		memcpy(buf + bl + sl, album, al + 1);
		return (0);
	}
	/* Too long: the cut, NUL-ended key the contract promises. */
	(void)snprintf(buf, len, "%s%s%s", band, VOTE_TALLY_SEP, album);
	return (-1);
}
