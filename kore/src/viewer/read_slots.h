/* SPDX-License-Identifier: ISC */
/*
 * The cap on MongoDB log reads running at once across all Kore workers
 * (read_slots.c): MARIMBA_LOG_READS_MAX slots in one anonymous shared
 * mapping made by the parent before the fork. A read takes a slot or is
 * refused at once (503), so a burst cannot queue scans in the store.
 *
 * A slot holds a lease: the taker's pid and the time it was taken. It
 * comes back when the read gives it back, when a worker restarted in
 * the place of a dead one claims its Kore worker id (the dead one's
 * slots are freed), and, as a last resort, once the lease is older than
 * READ_SLOTS_LEASE_MS (no read lives that long: it is bounded by
 * MARIMBA_LOG_READ_TIMEOUT_MS).
 */
#ifndef MARIMBA_KORE_VIEWER_READ_SLOTS_H
#define MARIMBA_KORE_VIEWER_READ_SLOTS_H

#include <sys/types.h>

#include <stddef.h>

#define READ_SLOTS_MAX		256
#define READ_SLOTS_LEASE_MS	60000
/* Kore worker ids remembered (higher ones rely on the lease). */
#define READ_SLOTS_OWNERS	64

struct read_slots;

/* A slot taken: give it back with read_slots_give. */
struct read_slot {
	int			index;
	unsigned long long	lease;
};

/* In the parent, before the workers are forked. NULL on error. */
struct read_slots	*read_slots_new(int, char *, size_t);

/* 1 and *slot filled when a slot was free (or its lease stale), else 0. */
int	read_slots_take(struct read_slots *, struct read_slot *);
/* Gives a taken slot back (nothing if it was reclaimed meanwhile). */
void	read_slots_give(struct read_slots *, const struct read_slot *);
/* 1 if no slot could be taken now. */
int	read_slots_are_full(struct read_slots *);
/* Slots held now. */
int	read_slots_held(struct read_slots *);
/* Reads refused since the start, all workers. */
long long	read_slots_refused(struct read_slots *);
/* Counts a read refused before it asked for a slot (full at admission). */
void		read_slots_note_refusal(struct read_slots *);

/*
 * A worker starting as Kore worker id with pid: frees the slots of the
 * process that had this id before (a worker that died holding them).
 */
void	read_slots_claim(struct read_slots *, int, pid_t);

/* The same with the pid and clock given (tests). */
int	read_slots_take_at(struct read_slots *, pid_t, long long,
	    struct read_slot *);
int	read_slots_are_full_at(struct read_slots *, long long);

#endif
