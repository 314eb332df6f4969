/* SPDX-License-Identifier: ISC */
/*
 * The page and its fragments as HTML (page_render.c).
 */
#ifndef MARIMBA_KORE_VIEWER_PAGE_RENDER_H
#define MARIMBA_KORE_VIEWER_PAGE_RENDER_H

#include <kore/kore.h>

#include "logs_query.h"

struct web_job;

void	render_page(struct kore_buf *, const struct logs_query *,
	    const struct web_job *);
void	render_logs(struct kore_buf *, const struct logs_query *,
	    const struct web_job *);
void	render_stats(struct kore_buf *, const struct web_job *);

#endif
