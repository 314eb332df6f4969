/* SPDX-License-Identifier: ISC */
/*
 * Latency samples and percentiles (see latency.h).
 */
#include <stdlib.h>
#include <string.h>

#include "latency.h"

static int	latency_cmp(const void *, const void *);
static int	latency_grow(struct latency *, size_t);

int
latency_add(struct latency *l, int64_t us)
{
	if (latency_grow(l, 1) == -1)
		return (-1);
	l->us[l->n++] = us;
	return (0);
}

int
latency_merge(struct latency *to, struct latency *from)
{
	if (from->n == 0)
		return (0);
	if (latency_grow(to, from->n) == -1)
		return (-1);
	memcpy(to->us + to->n, from->us, from->n * sizeof(*from->us));
	to->n += from->n;
	latency_free(from);
	return (0);
}

int64_t
latency_percentile(struct latency *l, double p)
{
	size_t	i;

	if (l->n == 0)
		return (0);
	qsort(l->us, l->n, sizeof(*l->us), latency_cmp);
	i = (size_t)(p / 100.0 * (double)(l->n - 1) + 0.5);
	if (i >= l->n)
		i = l->n - 1;
	return (l->us[i]);
}

void
latency_free(struct latency *l)
{
	free(l->us);
	memset(l, 0, sizeof(*l));
}

static int
latency_grow(struct latency *l, size_t more)
{
	int64_t	*p;
	size_t	 cap;

	if (l->n + more <= l->cap)
		return (0);
	cap = l->cap == 0 ? 1024 : l->cap;
	while (cap < l->n + more)
		cap *= 2;
	if ((p = reallocarray(l->us, cap, sizeof(*p))) == NULL)
		return (-1);
	l->us = p;
	l->cap = cap;
	return (0);
}

static int
latency_cmp(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}
