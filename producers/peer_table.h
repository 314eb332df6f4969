/* SPDX-License-Identifier: ISC */
/*
 * Open calls per connection of marimba-grpc, keyed by the peer address
 * the gRPC core gives each call ("ipv4:127.0.0.1:40312"): one TCP
 * connection, one key. Lets the server refuse calls over
 * MARIMBA_GRPC_MAX_STREAMS with RESOURCE_EXHAUSTED.
 */
#ifndef MARIMBA_PEER_TABLE_H
#define MARIMBA_PEER_TABLE_H

#include <stddef.h>

struct peer_table;

/* An empty table; NULL if out of memory. */
struct peer_table	*peer_table_new(void);
void			 peer_table_free(struct peer_table *);

/* One more open call from peer: the new count, or 0 if out of memory. */
size_t			 peer_table_add(struct peer_table *, const char *);

/* One call fewer from peer; its entry goes when none is left. */
void			 peer_table_del(struct peer_table *, const char *);

/* Peers with at least one open call. */
size_t			 peer_table_len(const struct peer_table *);

#endif
