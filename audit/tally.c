/* SPDX-License-Identifier: ISC */
/*
 * The tallies of tally.h: a small hash map from byte strings to counts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

#define ALBUM_SEP	" \xe2\x80\x94 "	/* " — ", as the consumer */

static uint64_t	count_hash(const char *, size_t);
static int	count_grow(struct count_map *);
static int	count_cmp(const void *, const void *);
static int	count_map_equal(const struct count_map *,
		    const struct count_map *);

static uint64_t
count_hash(const char *s, size_t len)
{
	uint64_t	h = 1469598103934665603ULL;	/* FNV-1a */
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return (h);
}

static struct count_ent *
count_slot(struct count_ent *ents, size_t cap, const char *key, size_t len)
{
	size_t	i;

	i = (size_t)count_hash(key, len) & (cap - 1);
	while (ents[i].key != NULL && (ents[i].klen != len ||
	    memcmp(ents[i].key, key, len) != 0))
		i = (i + 1) & (cap - 1);
	return (&ents[i]);
}

static int
count_grow(struct count_map *m)
{
	struct count_ent	*ents, *slot;
	size_t			 cap, i;

	cap = m->cap == 0 ? 64 : m->cap * 2;
	if ((ents = calloc(cap, sizeof(*ents))) == NULL)
		return (-1);
	for (i = 0; i < m->cap; i++) {
		if (m->ents[i].key == NULL)
			continue;
		slot = count_slot(ents, cap, m->ents[i].key, m->ents[i].klen);
		*slot = m->ents[i];
	}
	free(m->ents);
	m->ents = ents;
	m->cap = cap;
	return (0);
}

void
count_map_free(struct count_map *m)
{
	size_t	i;

	for (i = 0; i < m->cap; i++)
		free(m->ents[i].key);
	free(m->ents);
	memset(m, 0, sizeof(*m));
}

int
count_map_add(struct count_map *m, const char *key, size_t len, long long n)
{
	struct count_ent	*slot;

	if ((m->len + 1) * 2 > m->cap && count_grow(m) == -1)
		return (-1);
	slot = count_slot(m->ents, m->cap, key, len);
	if (slot->key == NULL) {
		if ((slot->key = malloc(len + 1)) == NULL)
			return (-1);
		memcpy(slot->key, key, len);
		slot->key[len] = '\0';
		slot->klen = len;
		slot->n = 0;
		m->len++;
	}
	slot->n += n;
	return (0);
}

const struct count_ent *
count_map_get(const struct count_map *m, const char *key, size_t len)
{
	struct count_ent	*slot;

	if (m->cap == 0)
		return (NULL);
	slot = count_slot(m->ents, m->cap, key, len);
	return (slot->key != NULL ? slot : NULL);
}

static int
count_cmp(const void *a, const void *b)
{
	const struct count_ent	*x = *(const struct count_ent *const *)a;
	const struct count_ent	*y = *(const struct count_ent *const *)b;
	size_t			 len;
	int			 c;

	len = x->klen < y->klen ? x->klen : y->klen;
	if ((c = memcmp(x->key, y->key, len)) != 0)
		return (c);
	return (x->klen < y->klen ? -1 : x->klen > y->klen);
}

const struct count_ent **
count_map_sorted(const struct count_map *m)
{
	const struct count_ent	**v;
	size_t			  i, k;

	if ((v = calloc(m->len + 1, sizeof(*v))) == NULL)
		return (NULL);
	for (i = 0, k = 0; i < m->cap; i++) {
		if (m->ents[i].key != NULL)
			v[k++] = &m->ents[i];
	}
	qsort(v, k, sizeof(*v), count_cmp);
	return (v);
}

void
tally_init(struct tally *t)
{
	memset(t, 0, sizeof(*t));
}

void
tally_free(struct tally *t)
{
	count_map_free(&t->bands);
	count_map_free(&t->albums);
	count_map_free(&t->sources);
	t->total = 0;
}

int
tally_add(struct tally *t, const char *band, size_t blen, const char *album,
    size_t alen, const char *source, size_t slen, long long n)
{
	char	*key;
	size_t	 klen;
	int	 rv;

	klen = blen + sizeof(ALBUM_SEP) - 1 + alen;
	if ((key = malloc(klen + 1)) == NULL)
		return (-1);
	memcpy(key, band, blen);
	memcpy(key + blen, ALBUM_SEP, sizeof(ALBUM_SEP) - 1);
	memcpy(key + blen + sizeof(ALBUM_SEP) - 1, album, alen);
	key[klen] = '\0';
	rv = 0;
	if (count_map_add(&t->bands, band, blen, n) == -1 ||
	    count_map_add(&t->albums, key, klen, n) == -1 ||
	    count_map_add(&t->sources, source, slen, n) == -1)
		rv = -1;
	free(key);
	if (rv == 0)
		t->total += n;
	return (rv);
}

static int
count_map_equal(const struct count_map *a, const struct count_map *b)
{
	const struct count_ent	*o;
	size_t			 i;

	for (i = 0; i < a->cap; i++) {
		if (a->ents[i].key == NULL)
			continue;
		o = count_map_get(b, a->ents[i].key, a->ents[i].klen);
		if ((o == NULL ? 0 : o->n) != a->ents[i].n)
			return (0);
	}
	for (i = 0; i < b->cap; i++) {
		if (b->ents[i].key == NULL)
			continue;
		o = count_map_get(a, b->ents[i].key, b->ents[i].klen);
		if ((o == NULL ? 0 : o->n) != b->ents[i].n)
			return (0);
	}
	return (1);
}

int
tally_equal(const struct tally *a, const struct tally *b)
{
	return (a->total == b->total &&
	    count_map_equal(&a->bands, &b->bands) &&
	    count_map_equal(&a->albums, &b->albums) &&
	    count_map_equal(&a->sources, &b->sources));
}
