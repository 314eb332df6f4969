/* SPDX-License-Identifier: ISC */
/*
 * The vote contract itself: what makes a vote's fields valid, one strict
 * UTF-8 validator, error reporting, and stamping an accepted vote. Every
 * ingest path (JSON in vote_json.c, protobuf in vote_codec.c and the gRPC
 * producer) fills a struct vote and checks it here, so the rules live in
 * one place.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vote.h"
#include "vote_id.h"

static int	utf8_next(const uint8_t *, size_t, size_t *, uint32_t *);
static int	is_control(uint32_t);
static int	is_space(uint32_t);
static int	is_ignorable(uint32_t);
static int	is_bidi_control(uint32_t);
static enum vote_status	validate_range(const char *, uint32_t, uint32_t,
			    uint32_t, struct vote_error *);
static enum vote_status	validate_field(const char *, const char *, size_t,
			    struct vote_error *);

void
vote_error_set(struct vote_error *err, const char *field, const char *fmt,
    ...)
{
	va_list		ap;

	if (err == NULL)
		return;

	err->index = -1;
	(void)snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

/*
 * Decodes the code point at s[*i] and advances *i past it. Returns -1,
 * leaving *i on the first byte of the sequence, if the sequence is not
 * well-formed (RFC 3629; table 3-7 of the Unicode standard).
 */
static int
utf8_next(const uint8_t *s, size_t len, size_t *i, uint32_t *cp)
{
	uint8_t		c, lo, hi;
	size_t		n, k;
	uint32_t	v;

	c = s[*i];
	lo = 0x80;
	hi = 0xbf;

	if (c < 0x80) {
		*cp = c;
		(*i)++;
		return (0);
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	} else
		return (-1);

	for (k = 1; k <= n; k++) {
		if (*i + k >= len)
			return (-1);
		c = s[*i + k];
		if (c < lo || c > hi)
			return (-1);
		lo = 0x80;
		hi = 0xbf;
		v = (v << 6) | (c & 0x3f);
	}

	*cp = v;
	*i += n + 1;
	return (0);
}

int
vote_utf8_is_valid(const uint8_t *s, size_t len, size_t *bad)
{
	size_t		i;
	uint32_t	cp;

	i = 0;
	while (i < len) {
		if (utf8_next(s, len, &i, &cp) == -1) {
			if (bad != NULL)
				*bad = i;
			return (0);
		}
	}

	return (1);
}

/* Unicode general category Cc: C0 controls, DEL and C1 controls. */
static int
is_control(uint32_t cp)
{
	return (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f));
}

/* Unicode White_Space code points that are not controls. */
static int
is_space(uint32_t cp)
{
	switch (cp) {
	case 0x0020:
	case 0x00a0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return (1);
	default:
		return (cp >= 0x2000 && cp <= 0x200a);
	}
}

/*
 * Unicode Default_Ignorable_Code_Point (DerivedCoreProperties.txt,
 * Unicode 15): code points a renderer shows as nothing, such as U+00AD
 * SOFT HYPHEN, U+200B ZERO WIDTH SPACE and U+FEFF.
 */
static int
is_ignorable(uint32_t cp)
{
	static const uint32_t	ranges[][2] = {
		{ 0x00ad, 0x00ad }, { 0x034f, 0x034f }, { 0x061c, 0x061c },
		{ 0x115f, 0x1160 }, { 0x17b4, 0x17b5 }, { 0x180b, 0x180f },
		{ 0x200b, 0x200f }, { 0x202a, 0x202e }, { 0x2060, 0x206f },
		{ 0x3164, 0x3164 }, { 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff },
		{ 0xffa0, 0xffa0 }, { 0xfff0, 0xfff8 }, { 0x1bca0, 0x1bca3 },
		{ 0x1d173, 0x1d17a }, { 0xe0000, 0xe0fff },
	};
	size_t			i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (cp >= ranges[i][0] && cp <= ranges[i][1])
			return (1);
	}
	return (0);
}

/*
 * Bidirectional embeddings, overrides and isolates (U+202A..U+202E,
 * U+2066..U+2069): they reorder the text around them when shown, so a
 * name could display as something else than it is.
 */
static int
is_bidi_control(uint32_t cp)
{
	return ((cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069));
}

enum vote_status
vote_validate_text(const char *field, const char *s, size_t len, size_t max,
    struct vote_error *err)
{
	const uint8_t	*p;
	size_t		i, at;
	uint32_t	cp;
	int		visible;

	p = (const uint8_t *)s;

	if (len == 0) {
		vote_error_set(err, field, "%s must not be empty", field);
		return (VOTE_EINVAL);
	}
	if (len > max) {
		vote_error_set(err, field,
		    "%s must be at most %zu bytes of UTF-8, got %zu bytes",
		    field, max, len);
		return (VOTE_EINVAL);
	}

	visible = 0;
	i = 0;
	while (i < len) {
		/*
		 * Printable ASCII but the space: none of the checks below
		 * can refuse it, and it is visible. Most text is all of it
		 * (the consumer decodes every vote: the tables below were a
		 * fifth of its time).
		 */
		if (p[i] > 0x20 && p[i] < 0x7f) {
			visible = 1;
			i++;
			continue;
		}
		at = i;
		if (utf8_next(p, len, &i, &cp) == -1) {
			vote_error_set(err, field,
			    "%s is not valid UTF-8 (bad byte at offset %zu)",
			    field, i);
			return (VOTE_EINVAL);
		}
		if (is_control(cp)) {
			vote_error_set(err, field,
			    "%s must not contain control characters "
			    "(U+%04X at offset %zu)", field, (unsigned int)cp,
			    at);
			return (VOTE_EINVAL);
		}
		if (is_bidi_control(cp)) {
			vote_error_set(err, field,
			    "%s must not contain bidirectional controls "
			    "(U+%04X at offset %zu)", field, (unsigned int)cp,
			    at);
			return (VOTE_EINVAL);
		}
		if (!visible && !is_space(cp) && !is_ignorable(cp))
			visible = 1;
	}

	if (!visible) {
		vote_error_set(err, field, "%s must not be only whitespace or "
		    "invisible characters", field);
		return (VOTE_EINVAL);
	}

	return (VOTE_OK);
}

static enum vote_status
validate_range(const char *field, uint32_t v, uint32_t min, uint32_t max,
    struct vote_error *err)
{
	if (v < min || v > max) {
		vote_error_set(err, field, "%s must be between %u and %u",
		    field, (unsigned int)min, (unsigned int)max);
		return (VOTE_EINVAL);
	}

	return (VOTE_OK);
}

/* A NUL-terminated text member of struct vote, of size sz. */
static enum vote_status
validate_field(const char *field, const char *s, size_t sz,
    struct vote_error *err)
{
	/* An unterminated member counts as one byte too long. */
	return (vote_validate_text(field, s, strnlen(s, sz), sz - 1, err));
}

enum vote_status
vote_validate(const struct vote *v, struct vote_error *err)
{
	enum vote_status	st;

	if ((st = validate_field("name", v->name, sizeof(v->name),
	    err)) != VOTE_OK)
		return (st);
	if ((st = validate_field("album", v->album, sizeof(v->album),
	    err)) != VOTE_OK)
		return (st);
	if ((st = validate_range("year", v->year, VOTE_YEAR_MIN,
	    VOTE_YEAR_MAX, err)) != VOTE_OK)
		return (st);
	return (validate_range("rank", v->rank, VOTE_RANK_MIN, VOTE_RANK_MAX,
	    err));
}

enum vote_status
vote_set_fields(struct vote *v, const char *name, size_t namelen,
    const char *album, size_t albumlen, uint32_t year, uint32_t rank,
    struct vote_error *err)
{
	enum vote_status	st;

	memset(v, 0, sizeof(*v));

	if ((st = vote_validate_text("name", name, namelen, VOTE_NAME_MAX,
	    err)) != VOTE_OK)
		return (st);
	if ((st = vote_validate_text("album", album, albumlen,
	    VOTE_ALBUM_MAX, err)) != VOTE_OK)
		return (st);

	memcpy(v->name, name, namelen);
	memcpy(v->album, album, albumlen);
	v->year = year;
	v->rank = rank;

	if ((st = vote_validate(v, err)) != VOTE_OK) {
		memset(v, 0, sizeof(*v));
		return (st);
	}

	return (VOTE_OK);
}

int
vote_accept(struct vote *v, const char *source)
{
	int64_t		now;

	if (source == NULL ||
	    (strcmp(source, "rest") != 0 && strcmp(source, "grpc") != 0))
		return (-1);

	now = marimba_now_ms();
	if (vote_id_new(v->id, now) == -1)
		return (-1);

	(void)snprintf(v->source, sizeof(v->source), "%s", source);
	v->received_at_ms = now;

	return (0);
}
