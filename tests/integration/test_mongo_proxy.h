/* SPDX-License-Identifier: ISC */
/*
 * The MongoDB wire proxies of the integration tests (mongo_stall_proxy.py,
 * mongo_hold_proxy.py): started on a free port in front of the MongoDB
 * of a URI, with the test waiting for the proxy's "ready" line.
 */
#ifndef MARIMBA_TEST_MONGO_PROXY_H
#define MARIMBA_TEST_MONGO_PROXY_H

#include <sys/types.h>

/*
 * Runs "python3 script LISTEN_PORT HOST PORT extra..." (extra ends with
 * NULL), HOST:PORT taken from the "mongodb://host:port/..." uri, and
 * waits up to 30 s for it to print "ready". Its listen port, with its pid
 * in *pid; -1 with nothing left running (and why on stderr).
 */
int	mongo_proxy_start(const char *, const char *, const char *const *,
	    pid_t *);

/* Stops the proxy *pid (if any) and sets *pid to -1. */
void	mongo_proxy_stop(pid_t *);

#endif
