/* SPDX-License-Identifier: ISC */
/*
 * The cap on MongoDB log reads of all workers (see read_slots.h): an
 * array of leases in one anonymous shared mapping, taken and given back
 * with compare-and-swap from the reads' threads of any worker. A lease
 * is one 64-bit word, (taken at, ms) << 22 | pid, 0 when free: a give
 * or a reclaim swaps only the lease it saw, so a slot taken again
 * meanwhile is never freed by mistake.
 */
#include <sys/mman.h>

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "read_slots.h"

#define LEASE_PID_BITS	22	/* Linux's pid_max is at most 2^22 */
#define LEASE_PID_MASK	((1ULL << LEASE_PID_BITS) - 1)

struct read_slots {
	int			cap;
	atomic_llong		refused;
	atomic_int		owner[READ_SLOTS_OWNERS];	/* pid by id */
	atomic_ullong		lease[READ_SLOTS_MAX];
};

static long long
read_slots_now(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	/* +1: a lease is never 0 (free). */
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 1);
}

static int
lease_is_stale(unsigned long long lease, long long now)
{
	return (lease != 0 &&
	    now - (long long)(lease >> LEASE_PID_BITS) > READ_SLOTS_LEASE_MS);
}

struct read_slots *
read_slots_new(int cap, char *err, size_t errlen)
{
	struct read_slots	*rs;
	void			*p;
	int			 i;

	if (cap < 1 || cap > READ_SLOTS_MAX) {
		(void)snprintf(err, errlen, "log read slots: %d not in 1..%d",
		    cap, READ_SLOTS_MAX);
		return (NULL);
	}
	p = mmap(NULL, sizeof(*rs), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		(void)snprintf(err, errlen, "mmap: %s", strerror(errno));
		return (NULL);
	}
	rs = p;
	rs->cap = cap;
	atomic_init(&rs->refused, 0);
	for (i = 0; i < READ_SLOTS_OWNERS; i++)
		atomic_init(&rs->owner[i], 0);
	for (i = 0; i < READ_SLOTS_MAX; i++)
		atomic_init(&rs->lease[i], 0);
	return (rs);
}

int
read_slots_take(struct read_slots *rs, struct read_slot *slot)
{
	return (read_slots_take_at(rs, getpid(), read_slots_now(), slot));
}

/* A free slot, else the first whose lease is stale; 0 if none. */
int
read_slots_take_at(struct read_slots *rs, pid_t pid, long long now,
    struct read_slot *slot)
{
	unsigned long long	lease, cur;
	int			i, pass;

	lease = ((unsigned long long)now << LEASE_PID_BITS) |
	    ((unsigned long long)pid & LEASE_PID_MASK);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < rs->cap; i++) {
			cur = atomic_load(&rs->lease[i]);
			if (pass == 0 ? cur != 0 : !lease_is_stale(cur, now))
				continue;
			if (atomic_compare_exchange_strong(&rs->lease[i], &cur,
			    lease)) {
				slot->index = i;
				slot->lease = lease;
				return (1);
			}
		}
	}
	atomic_fetch_add(&rs->refused, 1);
	return (0);
}

void
read_slots_give(struct read_slots *rs, const struct read_slot *slot)
{
	unsigned long long	cur;

	if (rs == NULL || slot->index < 0 || slot->index >= rs->cap)
		return;
	cur = slot->lease;
	(void)atomic_compare_exchange_strong(&rs->lease[slot->index], &cur,
	    0);
}

int
read_slots_are_full(struct read_slots *rs)
{
	return (read_slots_are_full_at(rs, read_slots_now()));
}

int
read_slots_are_full_at(struct read_slots *rs, long long now)
{
	unsigned long long	cur;
	int			i;

	for (i = 0; i < rs->cap; i++) {
		cur = atomic_load(&rs->lease[i]);
		if (cur == 0 || lease_is_stale(cur, now))
			return (0);
	}
	return (1);
}

int
read_slots_held(struct read_slots *rs)
{
	int	i, n;

	for (i = n = 0; i < rs->cap; i++)
		if (atomic_load(&rs->lease[i]) != 0)
			n++;
	return (n);
}

long long
read_slots_refused(struct read_slots *rs)
{
	return (atomic_load(&rs->refused));
}

void
read_slots_note_refusal(struct read_slots *rs)
{
	atomic_fetch_add(&rs->refused, 1);
}

void
read_slots_claim(struct read_slots *rs, int id, pid_t pid)
{
	unsigned long long	cur;
	int			old, i;

	if (rs == NULL || id < 0 || id >= READ_SLOTS_OWNERS)
		return;
	old = atomic_exchange(&rs->owner[id], (int)pid);
	if (old == 0 || old == (int)pid)
		return;
	for (i = 0; i < rs->cap; i++) {
		cur = atomic_load(&rs->lease[i]);
		if (cur != 0 && (cur & LEASE_PID_MASK) ==
		    ((unsigned long long)old & LEASE_PID_MASK))
			(void)atomic_compare_exchange_strong(&rs->lease[i],
			    &cur, 0);
	}
}
