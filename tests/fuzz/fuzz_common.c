/* SPDX-License-Identifier: ISC */
/*
 * Checks the fuzz targets share; see fuzz_common.h.
 */
#include <string.h>

#include "vote_codec.h"

#include "fuzz_check.h"
#include "fuzz_common.h"

/* UTF-8, and no '"', '\\' or control character (C0, DEL or C1). */
static int
fuzz_text_clean(const char *s, size_t len)
{
	const uint8_t	*p;
	size_t		 i;

	p = (const uint8_t *)s;
	if (!vote_utf8_is_valid(p, len, NULL))
		return (0);
	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == '"' ||
		    p[i] == '\\')
			return (0);
		/* U+0080..U+009F are 0xc2 0x80..0x9f in UTF-8. */
		if (p[i] == 0xc2 && i + 1 < len && p[i + 1] <= 0x9f)
			return (0);
	}

	return (1);
}

void
fuzz_check_error(const struct vote_error *err, enum vote_status st,
    long max_index)
{
	size_t	flen, mlen;

	flen = strnlen(err->field, sizeof(err->field));
	mlen = strnlen(err->message, sizeof(err->message));
	FUZZ_CHECK(flen < sizeof(err->field));
	FUZZ_CHECK(mlen < sizeof(err->message));
	FUZZ_CHECK(fuzz_text_clean(err->field, flen));
	FUZZ_CHECK(fuzz_text_clean(err->message, mlen));
	FUZZ_CHECK(err->index >= -1 && err->index <= max_index);

	switch (st) {
	case VOTE_OK:
		break;
	case VOTE_EINVAL:
	case VOTE_ETOOBIG:
	case VOTE_ENOMEM:
		FUZZ_CHECK(mlen > 0);
		break;
	default:
		FUZZ_CHECK(!"a status outside enum vote_status");
	}
}

int
fuzz_all_zero(const void *p, size_t len)
{
	const uint8_t	*b;
	size_t		 i;

	b = p;
	for (i = 0; i < len; i++) {
		if (b[i] != 0)
			return (0);
	}

	return (1);
}

int
fuzz_votes_equal(const struct vote *a, const struct vote *b)
{
	return (strcmp(a->id, b->id) == 0 &&
	    strcmp(a->name, b->name) == 0 &&
	    strcmp(a->album, b->album) == 0 &&
	    a->year == b->year &&
	    a->rank == b->rank &&
	    strcmp(a->source, b->source) == 0 &&
	    a->received_at_ms == b->received_at_ms);
}

void
fuzz_codec_round_trip(const struct vote *v)
{
	struct vote		stamped, back;
	struct vote_error	err;
	uint8_t			buf[1024];
	size_t			len;

	stamped = *v;
	memcpy(stamped.id, FUZZ_VOTE_ID, sizeof(stamped.id));
	memcpy(stamped.source, FUZZ_VOTE_SOURCE, sizeof(FUZZ_VOTE_SOURCE));
	stamped.received_at_ms = FUZZ_VOTE_TIME;

	FUZZ_CHECK(vote_encoded_size(&stamped) <= sizeof(buf));
	FUZZ_CHECK(vote_encode(&stamped, buf, sizeof(buf), &len) == VOTE_OK);
	FUZZ_CHECK(len == vote_encoded_size(&stamped));
	FUZZ_CHECK(vote_decode(buf, len, &back, &err) == VOTE_OK);
	FUZZ_CHECK(fuzz_votes_equal(&stamped, &back));
}
