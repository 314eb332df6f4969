/* SPDX-License-Identifier: ISC */
/*
 * Implements heartbeat.h. A sink waiting for a store that is down is
 * alive (its loop still turns while it backs off); the caller decides
 * whether every sink is alive and only then calls heartbeat_touch().
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "heartbeat.h"
#include "log.h"

void
heartbeat_touch(struct heartbeat *hb, int64_t now)
{
	int	fd;

	if (hb->path[0] == '\0' || now - hb->last_ms < HEARTBEAT_MS)
		return;
	hb->last_ms = now;

	if ((fd = open(hb->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) ==
	    -1) {
		log_warn("heartbeat: open %s: %s", hb->path, strerror(errno));
		return;
	}
	/* NULL times: now, also when the file already existed. */
	if (futimens(fd, NULL) == -1)
		log_warn("heartbeat: futimens %s: %s", hb->path,
		    strerror(errno));
	(void)close(fd);
}
