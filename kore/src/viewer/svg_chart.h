/* SPDX-License-Identifier: ISC */
/*
 * Server-rendered charts (svg_chart.c): inline SVG, no script, no style,
 * each with its text equivalent.
 */
#ifndef MARIMBA_KORE_VIEWER_SVG_CHART_H
#define MARIMBA_KORE_VIEWER_SVG_CHART_H

#include <stddef.h>

#include <kore/kore.h>

#include "store_redis.h"

void	svg_bars(struct kore_buf *, const char *, const char *,
	    const struct tally *, size_t, size_t);
void	svg_sparkline(struct kore_buf *, const struct series *);

#endif
