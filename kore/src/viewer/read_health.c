/* SPDX-License-Identifier: ISC */
/*
 * Log-read health shared by every worker (see read_health.h): two
 * timestamps in one anonymous shared mapping made before the fork,
 * written with atomics from the reads' threads.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "read_health.h"

struct read_health {
	atomic_llong	failed_ms;	/* CLOCK_MONOTONIC, 0: never */
	atomic_llong	worked_ms;
};

static long long
read_health_now(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1: 0 means "never". */
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1);
}

struct read_health *
read_health_new(char *err, size_t errlen)
{
	struct read_health	*rh;
	void			*p;

	p = mmap(NULL, sizeof(*rh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		(void)snprintf(err, errlen, "mmap: %s", strerror(errno));
		return (NULL);
	}
	rh = p;
	atomic_init(&rh->failed_ms, 0);
	atomic_init(&rh->worked_ms, 0);
	return (rh);
}

void
read_health_note(struct read_health *rh, int worked)
{
	if (rh == NULL)
		return;
	atomic_store(worked ? &rh->worked_ms : &rh->failed_ms,
	    read_health_now());
}

int
read_health_degraded(struct read_health *rh)
{
	long long	failed;

	if (rh == NULL || (failed = atomic_load(&rh->failed_ms)) == 0)
		return (0);
	return (failed > atomic_load(&rh->worked_ms) &&
	    read_health_now() - failed < READ_HEALTH_WINDOW_MS);
}
