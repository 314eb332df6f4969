/* SPDX-License-Identifier: ISC */
/*
 * Implements report.h.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

static long	report_map(FILE *, const char *, const struct count_map *,
		    const struct count_map *, int, int *);

void
report_summary(FILE *out, long long kafka, long long redis, long long mongo)
{
	if (kafka < 0)
		fprintf(out, "kafka - redis %lld mongo %lld\n", redis, mongo);
	else
		fprintf(out, "kafka %lld redis %lld mongo %lld\n", kafka,
		    redis, mongo);
}

void
report_name(FILE *out, const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			fputc('?', out);
		else
			fputc(s[i], out);
	}
}

/* Rows of one map: keys of a, then keys only in b. */
static long
report_map(FILE *out, const char *what, const struct count_map *a,
    const struct count_map *b, int all, int *header)
{
	const struct count_map	*maps[2] = { a, b };
	const struct count_ent	**sorted, *o;
	long long		 ra, rb;
	long			 diff;
	size_t			 i, m;

	diff = 0;
	for (m = 0; m < 2; m++) {
		if ((sorted = count_map_sorted(maps[m])) == NULL)
			return (-1);
		for (i = 0; sorted[i] != NULL; i++) {
			o = count_map_get(maps[1 - m], sorted[i]->key,
			    sorted[i]->klen);
			if (m == 1 && o != NULL)
				continue;	/* printed with a */
			ra = m == 0 ? sorted[i]->n : (o ? o->n : 0);
			rb = m == 0 ? (o ? o->n : 0) : sorted[i]->n;
			if (ra != rb)
				diff++;
			if (ra == rb && !all)
				continue;
			if (!*header) {
				fprintf(out, "%-7s %12s %12s %9s  %s\n", "what",
				    "redis", "mongo", "diff", "name");
				*header = 1;
			}
			fprintf(out, "%-7s %12lld %12lld %+9lld  ", what, ra,
			    rb, ra - rb);
			report_name(out, sorted[i]->key, sorted[i]->klen);
			fputc('\n', out);
		}
		free(sorted);
	}
	return (diff);
}

long
report_diff(FILE *out, const struct tally *redis, const struct tally *mongo,
    int all)
{
	long	d, n;
	int	header;

	header = 0;
	n = 0;
	if ((d = report_map(out, "source", &redis->sources, &mongo->sources,
	    all, &header)) < 0)
		return (-1);
	n += d;
	if ((d = report_map(out, "band", &redis->bands, &mongo->bands, all,
	    &header)) < 0)
		return (-1);
	n += d;
	if ((d = report_map(out, "album", &redis->albums, &mongo->albums, 0,
	    &header)) < 0)
		return (-1);
	return (n + d);
}
