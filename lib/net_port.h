/* SPDX-License-Identifier: ISC */
/*
 * A free TCP port on 127.0.0.1, for tests and benches that start their
 * own servers next to the shared ones.
 */
#ifndef MARIMBA_NET_PORT_H
#define MARIMBA_NET_PORT_H

/* A TCP port on 127.0.0.1 nobody listens on right now; -1 (errno set). */
int	net_free_port(void);

#endif
