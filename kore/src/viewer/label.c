/* SPDX-License-Identifier: ISC */
/*
 * Chart labels that fit: the bars' labels are right-aligned against the
 * bars, so a label wider than its room would run off the chart's left
 * edge. label_fit() keeps the longest prefix whose estimated width, with
 * an ellipsis, fits; it steps over whole UTF-8 sequences only (a broken
 * sequence counts as one byte), so a code point is never split.
 */
#include <string.h>

#include "label.h"

/*
 * Estimated widths in hundredths of an em, rounded up from DejaVu Sans
 * (Debian's default sans-serif and one of the widest), so a label fits
 * in narrower fonts too.
 */
#define W_THIN		30	/* i j l . , : ; ' ! | */
#define W_NARROW	42	/* f t r I space ( ) [ ] / " { } - */
#define W_LOWER		64	/* other lower case, digits */
#define W_UPPER		80
#define W_WIDE		100	/* m w M W @ % and < > = + ~ ^ * # & */
#define W_LATIN		80	/* two-byte sequences: accents, Greek, ... */
#define W_FULL		100	/* three bytes: CJK, dashes, symbols */
#define W_EMOJI		125	/* four bytes */

static size_t		utf8_len(const unsigned char *);
static int		blank_code_point(unsigned long);
static unsigned int	unit_width(const unsigned char *, size_t);

unsigned int
label_width(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned int		 w;
	size_t			 i, n;

	w = 0;
	for (i = 0; i < len && p[i] != '\0'; i += n) {
		n = utf8_len(p + i);
		if (n > len - i)
			n = len - i;
		w += unit_width(p + i, n);
	}
	return (w);
}

size_t
label_fit(const char *s, unsigned int budget, int *cut)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned int		 w, uw;
	size_t			 i, n, fit;

	w = 0;
	fit = 0;
	for (i = 0; p[i] != '\0'; i += n) {
		n = utf8_len(p + i);
		uw = unit_width(p + i, n);
		if (w + uw + LABEL_ELLIPSIS_W <= budget)
			fit = i + n;
		w += uw;
	}
	if (w <= budget) {
		*cut = 0;
		return (i);
	}
	*cut = 1;
	return (fit);
}

/*
 * 1 if s shows nothing: empty, or only spaces and code points that draw
 * no mark (no-break and other Unicode spaces, zero-width characters,
 * fillers). A broken sequence shows as U+FFFD, so it is not blank.
 */
int
label_blank(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	unsigned long		 cp;
	size_t			 i, j, n;

	for (i = 0; p[i] != '\0'; i += n) {
		n = utf8_len(p + i);
		if (n == 1 && p[i] >= 0x80)
			return (0);
		cp = n == 1 ? p[i] : (unsigned long)p[i] & (0x7fUL >> n);
		for (j = 1; j < n; j++)
			cp = (cp << 6) | (p[i + j] & 0x3f);
		if (!blank_code_point(cp))
			return (0);
	}
	return (1);
}

static int
blank_code_point(unsigned long cp)
{
	return (cp == ' ' || cp == '\t' || cp == 0xa0 || cp == 0xad ||
	    cp == 0x034f || cp == 0x115f || cp == 0x1160 || cp == 0x1680 ||
	    cp == 0x17b4 || cp == 0x17b5 || cp == 0x180e ||
	    (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
	    (cp >= 0x205f && cp <= 0x206f) || cp == 0x2800 || cp == 0x3000 ||
	    cp == 0x3164 || (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff ||
	    cp == 0xffa0 || (cp >= 0xe0000 && cp <= 0xe007f));
}

/* Bytes of the sequence at p: 1 for ASCII and for any broken sequence. */
static size_t
utf8_len(const unsigned char *p)
{
	size_t	n, i;

	if (p[0] < 0x80)
		return (1);
	if ((p[0] & 0xe0) == 0xc0 && p[0] >= 0xc2)
		n = 2;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3;
	else if ((p[0] & 0xf8) == 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return (1);
	/* A NUL is not a continuation byte: never read past the end. */
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (1);
	}
	return (n);
}

static unsigned int
unit_width(const unsigned char *p, size_t n)
{
	if (n == 2)
		return (W_LATIN);
	if (n == 3)
		return (W_FULL);
	if (n == 4)
		return (W_EMOJI);
	if (p[0] >= 0x80)
		return (W_FULL);	/* a broken byte shows as U+FFFD */
	if (strchr("ijl.,:;'!|", p[0]) != NULL)
		return (W_THIN);
	if (strchr("ftrI ()[]/\"{}-", p[0]) != NULL)
		return (W_NARROW);
	if (strchr("mwMW@%<>=+~^*#&", p[0]) != NULL)
		return (W_WIDE);
	if (p[0] >= 'A' && p[0] <= 'Z')
		return (W_UPPER);
	return (W_LOWER);
}
