/* SPDX-License-Identifier: ISC */
/*
 * The last good logs table per filter (limit, band, source), for the
 * page's "stale" answer when MongoDB fails: a few slots, each holding
 * the rendered HTML of one filter's table and the time it was read. Used
 * on the worker's event loop only, so no lock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs_cache.h"

struct logs_slot {
	int	 limit;
	char	 band[VOTE_NAME_MAX + 1];
	char	 source[VOTE_SOURCE_MAX + 1];
	char	*html;		/* NULL: the slot is free */
	size_t	 len;
	time_t	 at;		/* when it was read */
	unsigned long	 used;	/* the cache's clock when last put or got */
};

struct logs_cache {
	struct logs_slot	slot[LOGS_CACHE_SLOTS];
	unsigned long		clock;
};

static struct logs_slot	*logs_cache_find(struct logs_cache *,
			    const struct logs_query *);

struct logs_cache *
logs_cache_new(void)
{
	return (calloc(1, sizeof(struct logs_cache)));
}

void
logs_cache_free(struct logs_cache *c)
{
	size_t	i;

	if (c == NULL)
		return;
	for (i = 0; i < LOGS_CACHE_SLOTS; i++)
		free(c->slot[i].html);
	free(c);
}

int
logs_cache_put(struct logs_cache *c, const struct logs_query *q,
    const void *html, size_t len, time_t at)
{
	struct logs_slot	*s, *old;
	char			*copy;
	size_t			 i;

	if (c == NULL || (copy = malloc(len + 1)) == NULL)
		return (-1);
	memcpy(copy, html, len);
	copy[len] = '\0';
	if ((s = logs_cache_find(c, q)) == NULL) {
		/* A free slot, else the least recently used one. */
		old = &c->slot[0];
		for (i = 0; i < LOGS_CACHE_SLOTS; i++) {
			if (c->slot[i].html == NULL) {
				old = &c->slot[i];
				break;
			}
			if (c->slot[i].used < old->used)
				old = &c->slot[i];
		}
		s = old;
		s->limit = q->limit;
		(void)snprintf(s->band, sizeof(s->band), "%s", q->band);
		(void)snprintf(s->source, sizeof(s->source), "%s",
		    q->source);
	}
	free(s->html);
	s->html = copy;
	s->len = len;
	s->at = at;
	s->used = ++c->clock;
	return (0);
}

const char *
logs_cache_get(struct logs_cache *c, const struct logs_query *q,
    size_t *len, time_t *at)
{
	struct logs_slot	*s;

	if ((s = logs_cache_find(c, q)) == NULL)
		return (NULL);
	s->used = ++c->clock;
	*len = s->len;
	*at = s->at;
	return (s->html);
}

static struct logs_slot *
logs_cache_find(struct logs_cache *c, const struct logs_query *q)
{
	size_t	i;

	if (c == NULL)
		return (NULL);
	for (i = 0; i < LOGS_CACHE_SLOTS; i++) {
		if (c->slot[i].html != NULL && c->slot[i].limit == q->limit &&
		    strcmp(c->slot[i].band, q->band) == 0 &&
		    strcmp(c->slot[i].source, q->source) == 0)
			return (&c->slot[i]);
	}
	return (NULL);
}
