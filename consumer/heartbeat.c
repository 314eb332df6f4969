/* SPDX-License-Identifier: ISC */
/*
 * The liveness heartbeat: while the main loop turns, the consumer touches
 * MARIMBA_HEARTBEAT_FILE every few seconds, so a probe without a port
 * (Kubernetes exec, Docker HEALTHCHECK) can tell a live consumer from a
 * wedged one. A paused consumer (a store is down) is alive: it still
 * touches the file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "consumer.h"
#include "log.h"

void
heartbeat_touch(struct consumer *c, int64_t now)
{
	const char	*path = c->cfg.heartbeat_file;
	int		 fd;

	if (path[0] == '\0' ||
	    now - c->last_heartbeat_ms < CONSUMER_HEARTBEAT_MS)
		return;
	c->last_heartbeat_ms = now;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		log_warn("heartbeat: open %s: %s", path, strerror(errno));
		return;
	}
	/* NULL times: now, also when the file already existed. */
	if (futimens(fd, NULL) == -1)
		log_warn("heartbeat: futimens %s: %s", path, strerror(errno));
	(void)close(fd);
}
