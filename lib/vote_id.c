/* SPDX-License-Identifier: ISC */
/*
 * Vote ids as ULIDs: 48 bits of milliseconds since the epoch (big-endian)
 * followed by 80 random bits from getrandom(2), written as 26 characters
 * of Crockford base32 (uppercase). Ids of different milliseconds sort by
 * time as plain strings; ids of the same millisecond are unique because
 * of their 80 random bits (no shared state, no coordination).
 */
#include <sys/random.h>

#include <errno.h>
#include <string.h>

#include "vote_id.h"

#define ULID_BYTES	16
#define ULID_TIME_MAX	((INT64_C(1) << 48) - 1)

static const char	crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Fills buf with len random bytes; -1 if the kernel gave none. */
static int
random_bytes(uint8_t *buf, size_t len)
{
	ssize_t		n;
	size_t		off;

	off = 0;
	while (off < len) {
		n = getrandom(buf + off, len - off, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		off += (size_t)n;
	}

	return (0);
}

int
vote_id_new(char out[VOTE_ID_LEN + 1], int64_t ms)
{
	uint8_t		rnd[VOTE_ID_RANDOM_BYTES];

	if (random_bytes(rnd, sizeof(rnd)) == -1)
		return (-1);
	return (vote_id_make(out, ms, rnd));
}

int
vote_id_make(char out[VOTE_ID_LEN + 1], int64_t ms,
    const uint8_t rnd[VOTE_ID_RANDOM_BYTES])
{
	uint8_t		b[ULID_BYTES];
	int		i, bit, k, v;

	if (ms < 0 || ms > ULID_TIME_MAX)
		return (-1);

	for (i = 0; i < 6; i++)
		b[i] = (uint8_t)(ms >> (8 * (5 - i)));
	memcpy(b + 6, rnd, VOTE_ID_RANDOM_BYTES);

	/*
	 * 128 bits into 26 groups of 5: the first character holds only the
	 * top 3 bits (two zero bits of padding in front), so it is '0'..'7'.
	 */
	for (i = 0; i < VOTE_ID_LEN; i++) {
		v = 0;
		for (k = 0; k < 5; k++) {
			bit = i * 5 + k - 2;	/* bit index from the top */
			v <<= 1;
			if (bit >= 0)
				v |= (b[bit / 8] >> (7 - bit % 8)) & 1;
		}
		out[i] = crockford[v];
	}
	out[VOTE_ID_LEN] = '\0';

	return (0);
}

int
vote_id_is_valid(const char *s)
{
	size_t		i;

	if (s == NULL || strnlen(s, VOTE_ID_LEN + 1) != VOTE_ID_LEN)
		return (0);
	if (s[0] < '0' || s[0] > '7')
		return (0);

	for (i = 0; i < VOTE_ID_LEN; i++) {
		if (s[i] == '\0' || strchr(crockford, s[i]) == NULL)
			return (0);
	}

	return (1);
}
