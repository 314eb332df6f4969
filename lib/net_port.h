/* SPDX-License-Identifier: ISC */
/*
 * TCP on 127.0.0.1 for tests and benches: a free port for a server of
 * their own next to the shared ones, and a plain client connection.
 */
#ifndef MARIMBA_NET_PORT_H
#define MARIMBA_NET_PORT_H

/* A TCP port on 127.0.0.1 nobody listens on right now; -1 (errno set). */
int	net_free_port(void);

/* A blocking TCP_NODELAY connection to 127.0.0.1:port; -1 (errno set). */
int	net_connect_loopback(int);

#endif
