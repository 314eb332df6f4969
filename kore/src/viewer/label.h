/* SPDX-License-Identifier: ISC */
/*
 * Fitting a chart label into its room (label.c): a pure function, no
 * Kore, unit-tested in tests/unit/test_svg_label.c. Widths are estimated
 * per code point in hundredths of an em, on the wide side.
 */
#ifndef MARIMBA_KORE_VIEWER_LABEL_H
#define MARIMBA_KORE_VIEWER_LABEL_H

#include <stddef.h>

/* Hundredths of an em in one em. */
#define LABEL_EM		100
/* The width of the "…" added to a cut label. */
#define LABEL_ELLIPSIS_W	100

/* Estimated width of the first len bytes of s. */
unsigned int	label_width(const char *, size_t);
/*
 * How many bytes of s to show in budget (hundredths of an em): all of
 * s (*cut = 0), or the longest prefix that leaves room for "…" (*cut =
 * 1; 0 bytes when not even "…" fits). Never ends inside a UTF-8
 * sequence.
 */
size_t		label_fit(const char *, unsigned int, int *);
/* 1 if s would look blank (only spaces, zero-width and filler marks). */
int		label_blank(const char *);

#endif
