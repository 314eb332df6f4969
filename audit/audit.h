/* SPDX-License-Identifier: ISC */
/*
 * marimba-audit's three commands (check.c, rebuild.c, missing.c) and
 * their options, as main.c parses them.
 */
#ifndef MARIMBA_AUDIT_H
#define MARIMBA_AUDIT_H

#include "config.h"

#define AUDIT_AGREE	0	/* exit status: everything agrees */
#define AUDIT_DIFFER	1	/* a difference was found */
#define AUDIT_ERROR	2	/* could not measure */

struct audit_opts {
	int	all;		/* check: every band, not only differences */
	int	mongo_scan;	/* check: 1 cursor, 0 $group, -1 by server */
	int	wait_s;		/* rebuild: wait for the consumers, seconds */
	int	keep_series;	/* rebuild: leave the series stream alone */
	long	max_lines;	/* missing: ids printed at most (0: all) */
};

int	audit_check(const struct marimba_config *, const struct audit_opts *);
int	audit_rebuild(const struct marimba_config *,
	    const struct audit_opts *);
int	audit_missing(const struct marimba_config *,
	    const struct audit_opts *);

#endif
