/* SPDX-License-Identifier: ISC */
/*
 * The page and its fragments as HTML (page_render.c).
 */
#ifndef MARIMBA_KORE_VIEWER_PAGE_RENDER_H
#define MARIMBA_KORE_VIEWER_PAGE_RENDER_H

#include <stddef.h>
#include <time.h>

#include <kore/kore.h>

#include "logs_query.h"

struct web_job;

/* The last good logs table of a filter (logs_cache.h) and the time. */
struct logs_cached {
	const char	*html;		/* NULL: none */
	size_t		 len;
	time_t		 at;		/* when it was read */
	time_t		 now;
};

void	render_page(struct kore_buf *, const struct logs_query *,
	    const struct web_job *, const struct logs_cached *);
void	render_logs_doc(struct kore_buf *, const struct logs_query *,
	    const struct web_job *, const struct logs_cached *);
void	render_title(struct kore_buf *, const struct logs_query *);
void	render_logs(struct kore_buf *, const struct logs_query *,
	    const struct web_job *);
void	render_logs_stale(struct kore_buf *, int,
	    const struct logs_cached *);
void	render_stats(struct kore_buf *, const struct web_job *);

#endif
