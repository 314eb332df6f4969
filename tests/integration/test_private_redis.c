/* SPDX-License-Identifier: ISC */
/*
 * A private Redis for one test (test_private_redis.h), through the
 * project's own scripts/stack, as the shared services are started.
 */
#include <stdio.h>
#include <stdlib.h>

#include "net_port.h"
#include "test_private_redis.h"

static int	private_redis_stack(struct private_redis *, const char *);

int
private_redis_up(struct private_redis *pr, const char *name)
{
	(void)snprintf(pr->stack_dir, sizeof(pr->stack_dir), "var/stack-%s",
	    name);
	if ((pr->port = net_free_port()) == -1) {
		fprintf(stderr, "private redis: no free port\n");
		return (-1);
	}
	return (private_redis_stack(pr, "up"));
}

void
private_redis_down(struct private_redis *pr)
{
	char	line[512];

	(void)private_redis_stack(pr, "down");
	(void)snprintf(line, sizeof(line), "rm -rf '%s/%s'",
	    MARIMBA_SOURCE_DIR, pr->stack_dir);
	if (system(line) != 0)
		fprintf(stderr, "cannot remove %s\n", pr->stack_dir);
}

static int
private_redis_stack(struct private_redis *pr, const char *cmd)
{
	char	line[512];

	(void)snprintf(line, sizeof(line), "cd '%s' && MARIMBA_STACK_DIR='%s' "
	    "MARIMBA_REDIS_PORT=%d scripts/stack %s redis >&2",
	    MARIMBA_SOURCE_DIR, pr->stack_dir, pr->port, cmd);
	if (system(line) != 0) {
		fprintf(stderr, "private redis: scripts/stack %s failed\n",
		    cmd);
		return (-1);
	}
	return (0);
}
