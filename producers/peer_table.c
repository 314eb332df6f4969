/* SPDX-License-Identifier: ISC */
/*
 * Open calls per connection (see peer_table.h): a fixed array of hash
 * buckets (FNV-1a) with chained entries, each a count and its key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "peer_table.h"

#define PEER_BUCKETS	4096	/* power of two; chains stay short */

struct peer {
	struct peer	*next;
	size_t		 calls;
	char		 key[];
};

struct peer_table {
	struct peer	*buckets[PEER_BUCKETS];
	size_t		 len;
};

static struct peer	**peer_slot(struct peer_table *, const char *);

struct peer_table *
peer_table_new(void)
{
	return (calloc(1, sizeof(struct peer_table)));
}

void
peer_table_free(struct peer_table *t)
{
	struct peer	*p, *next;
	size_t		 i;

	if (t == NULL)
		return;
	for (i = 0; i < PEER_BUCKETS; i++) {
		for (p = t->buckets[i]; p != NULL; p = next) {
			next = p->next;
			free(p);
		}
	}
	free(t);
}

size_t
peer_table_add(struct peer_table *t, const char *key)
{
	struct peer	**slot, *p;
	size_t		  len;

	slot = peer_slot(t, key);
	if (*slot != NULL)
		return (++(*slot)->calls);
	len = strlen(key);
	if ((p = malloc(sizeof(*p) + len + 1)) == NULL)
		return (0);
	p->next = NULL;
	p->calls = 1;
	memcpy(p->key, key, len + 1);
	*slot = p;
	t->len++;
	return (1);
}

void
peer_table_del(struct peer_table *t, const char *key)
{
	struct peer	**slot, *p;

	slot = peer_slot(t, key);
	if ((p = *slot) == NULL)
		return;
	if (--p->calls > 0)
		return;
	*slot = p->next;
	free(p);
	t->len--;
}

size_t
peer_table_len(const struct peer_table *t)
{
	return (t->len);
}

/* Where key's entry is, or where it would go (a NULL link). */
static struct peer **
peer_slot(struct peer_table *t, const char *key)
{
	struct peer	**slot;
	const char	 *c;
	uint32_t	  h;

	h = 2166136261u;
	for (c = key; *c != '\0'; c++) {
		h ^= (uint8_t)*c;
		h *= 16777619u;
	}
	slot = &t->buckets[h & (PEER_BUCKETS - 1)];
	while (*slot != NULL && strcmp((*slot)->key, key) != 0)
		slot = &(*slot)->next;
	return (slot);
}
