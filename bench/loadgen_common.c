/* SPDX-License-Identifier: ISC */
/*
 * What both load generators share (see loadgen.h): the votes file, the
 * sink of acknowledged ids, stopping and reading the counts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen.h"

#define LG_VOTE_FILE_MAX	(16L * 1024 * 1024)

int
lg_votes_load(const char *path, struct vote **votes, size_t *n)
{
	struct vote_limits	 limits;
	struct vote_error	 verr;
	FILE			*f;
	uint8_t			*buf;
	long			 size;
	int			 rc;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "loadgen: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	buf = NULL;
	rc = -1;
	if (fseek(f, 0, SEEK_END) == -1 || (size = ftell(f)) <= 0 ||
	    size > LG_VOTE_FILE_MAX || fseek(f, 0, SEEK_SET) == -1) {
		fprintf(stderr, "loadgen: %s: bad size\n", path);
		goto out;
	}
	if ((buf = malloc((size_t)size)) == NULL ||
	    fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "loadgen: %s: cannot read it\n", path);
		goto out;
	}
	limits.max_body = (size_t)size + 1;
	limits.max_batch = 1000000;
	if (vote_parse_json_batch(buf, (size_t)size, &limits, votes, n,
	    &verr) != VOTE_OK) {
		fprintf(stderr, "loadgen: %s: vote %ld: %s\n", path,
		    verr.index, verr.message);
		goto out;
	}
	rc = 0;
out:
	free(buf);
	fclose(f);
	return (rc);
}

int
lg_sink_init(struct lg_sink *s, FILE *ids, struct lg_e2e *e2e)
{
	memset(s, 0, sizeof(*s));
	s->ids = ids;
	s->e2e = e2e;
	return (pthread_mutex_init(&s->lock, NULL) == 0 ? 0 : -1);
}

void
lg_sink_ack(struct lg_sink *s, const char *id, int64_t sent_us)
{
	if (s == NULL)
		return;
	if (s->ids != NULL) {
		pthread_mutex_lock(&s->lock);
		fprintf(s->ids, "%s\n", id);
		pthread_mutex_unlock(&s->lock);
	}
	if (s->times != NULL) {
		pthread_mutex_lock(&s->lock);
		fprintf(s->times, "%lld %lld\n", (long long)sent_us,
		    (long long)marimba_mono_us());
		pthread_mutex_unlock(&s->lock);
	}
	if (s->e2e != NULL)
		lg_e2e_offer(s->e2e, id, sent_us);
}

int64_t
lg_backoff_us(int attempt)
{
	int64_t	us;

	us = LG_BACKOFF_US;
	while (attempt-- > 0 && us < LG_BACKOFF_MAX_US)
		us *= 2;
	return (us < LG_BACKOFF_MAX_US ? us : LG_BACKOFF_MAX_US);
}

void
lg_sink_free(struct lg_sink *s)
{
	pthread_mutex_destroy(&s->lock);
}

void
lg_stop(struct lg_gen *g)
{
	int	i;

	atomic_store(&g->stop, 1);
	for (i = 0; i < g->nthreads; i++)
		pthread_join(g->threads[i], NULL);
	g->nthreads = 0;
}

void
lg_counts(struct lg_gen *g, struct lg_counts *out)
{
	pthread_mutex_lock(&g->lock);
	*out = g->counts;
	pthread_mutex_unlock(&g->lock);
}

void
lg_free(struct lg_gen *g)
{
	if (g->impl_free != NULL)
		g->impl_free(g);
	g->impl_free = NULL;
	free(g->threads);
	g->threads = NULL;
	latency_free(&g->lat);
	pthread_mutex_destroy(&g->lock);
}
