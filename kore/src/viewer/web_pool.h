/* SPDX-License-Identifier: ISC */
/*
 * Threads that run items from one queue (web_pool.c). An item is
 * embedded in what it runs; the pool knows nothing else of it.
 */
#ifndef MARIMBA_KORE_VIEWER_WEB_POOL_H
#define MARIMBA_KORE_VIEWER_WEB_POOL_H

#include <sys/queue.h>

#include <stddef.h>

struct web_pool_item {
	TAILQ_ENTRY(web_pool_item)	 entry;	/* in a pool's queue */
	void				(*run)(struct web_pool_item *);
};

struct web_pool;

struct web_pool	*web_pool_new(int, char *, size_t);
void		 web_pool_submit(struct web_pool *, struct web_pool_item *);
void		 web_pool_free(struct web_pool *);

#endif
