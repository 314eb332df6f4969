/* SPDX-License-Identifier: ISC */
/*
 * The liveness heartbeat: the main thread touches MARIMBA_HEARTBEAT_FILE
 * every few seconds while every sink's loop is turning, so a probe
 * without a port (Kubernetes exec, Docker HEALTHCHECK) can tell a live
 * consumer from a wedged one.
 */
#ifndef MARIMBA_CONSUMER_HEARTBEAT_H
#define MARIMBA_CONSUMER_HEARTBEAT_H

#include <stdint.h>

#define HEARTBEAT_MS	5000

struct heartbeat {
	const char	*path;		/* "" = none */
	int64_t		 last_ms;
};

/* Touches the file if HEARTBEAT_MS passed since the last time. */
void	heartbeat_touch(struct heartbeat *, int64_t);

#endif
