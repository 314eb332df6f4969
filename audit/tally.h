/* SPDX-License-Identifier: ISC */
/*
 * Vote tallies as marimba-audit compares them: the total and the votes
 * per band, per album ("<band> — <album>", the Redis field) and per
 * source, each a map from a byte string to a count.
 */
#ifndef MARIMBA_AUDIT_TALLY_H
#define MARIMBA_AUDIT_TALLY_H

#include <stddef.h>

struct count_ent {
	char		*key;		/* NUL-terminated copy */
	size_t		 klen;		/* may hold NUL bytes: compare by len */
	long long	 n;
};

/* Open addressing, linear probing; cap is a power of two or 0. */
struct count_map {
	struct count_ent	*ents;
	size_t			 cap;
	size_t			 len;
};

struct tally {
	long long		total;
	struct count_map	bands;
	struct count_map	albums;
	struct count_map	sources;
};

void	count_map_free(struct count_map *);
/* Adds n to key (created at 0). 0, or -1 out of memory. */
int	count_map_add(struct count_map *, const char *, size_t, long long);
/* The entry of key, or NULL. */
const struct count_ent	*count_map_get(const struct count_map *,
			    const char *, size_t);
/* The entries sorted by key (caller frees the array, not the keys). */
const struct count_ent	**count_map_sorted(const struct count_map *);

void	tally_init(struct tally *);
void	tally_free(struct tally *);
/*
 * Counts n votes of band/album/source into every map (and the total).
 * The album key is built as in consumer/redis_store.c. 0 or -1.
 */
int	tally_add(struct tally *, const char *, size_t, const char *, size_t,
	    const char *, size_t, long long);
/* 1 if the total and every map are equal. */
int	tally_equal(const struct tally *, const struct tally *);

#endif
