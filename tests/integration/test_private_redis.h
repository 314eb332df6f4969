/* SPDX-License-Identifier: ISC */
/*
 * A Redis of a test's own: scripts/stack starts it on a free port with
 * its state under var/stack-<name> and stops and removes it at the end,
 * so a test may flush or break it without touching the shared instance.
 */
#ifndef MARIMBA_TEST_PRIVATE_REDIS_H
#define MARIMBA_TEST_PRIVATE_REDIS_H

struct private_redis {
	char	stack_dir[128];		/* relative to the source tree */
	int	port;
};

/* Starts one named name; 0, or -1 (and why on stderr). */
int	private_redis_up(struct private_redis *, const char *);

/* Stops it and removes its state directory. */
void	private_redis_down(struct private_redis *);

#endif
