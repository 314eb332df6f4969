/* SPDX-License-Identifier: ISC */
/*
 * The last good logs table of each recent filter (logs_cache.c), kept
 * by a worker so a slow or dead MongoDB shows the table it last gave,
 * marked with its age, instead of no table at all.
 */
#ifndef MARIMBA_KORE_VIEWER_LOGS_CACHE_H
#define MARIMBA_KORE_VIEWER_LOGS_CACHE_H

#include <stddef.h>
#include <time.h>

#include "logs_query.h"

/* Filters remembered per worker (the least recently used goes). */
#define LOGS_CACHE_SLOTS	16

struct logs_cache;

struct logs_cache	*logs_cache_new(void);
void			 logs_cache_free(struct logs_cache *);
/* Keeps a copy of html as q's table, made at time at. -1: no memory. */
int			 logs_cache_put(struct logs_cache *,
			    const struct logs_query *, const void *, size_t,
			    time_t);
/*
 * q's last table (NULL when there is none; valid until the next put)
 * and when it was made.
 */
const char		*logs_cache_get(struct logs_cache *,
			    const struct logs_query *, size_t *, time_t *);

#endif
