/* SPDX-License-Identifier: ISC */
/*
 * vote_tally_key(): the one place the album counter's key is spelled.
 */
#include <stdio.h>

#include "vote_tally.h"

int
vote_tally_key(char *buf, size_t len, const char *band, const char *album)
{
	int	n;

	n = snprintf(buf, len, "%s%s%s", band, VOTE_TALLY_SEP, album);
	if (n < 0 || (size_t)n >= len)
		return (-1);

	return (0);
}
