/* SPDX-License-Identifier: ISC */
/*
 * What marimba-audit prints: the one-line summary, the table of the
 * per-source, per-band and per-album differences, and names made safe
 * for a terminal.
 */
#ifndef MARIMBA_AUDIT_REPORT_H
#define MARIMBA_AUDIT_REPORT_H

#include <stdio.h>

#include "tally.h"

/* "kafka N redis N mongo N" (kafka -1: not comparable, printed as "-"). */
void	report_summary(FILE *, long long, long long, long long);

/*
 * One row per source, band and album whose Redis and MongoDB counts
 * differ (every source and band row with all). Returns the number of
 * differing rows.
 */
long	report_diff(FILE *, const struct tally *, const struct tally *, int);

/* Prints len bytes of s with control bytes as '?'. */
void	report_name(FILE *, const char *, size_t);

#endif
