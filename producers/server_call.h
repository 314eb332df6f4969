/* SPDX-License-Identifier: ISC */
/*
 * One gRPC call on the server and its state machine: requested, reading
 * request messages, confirming a stream's half-close, waiting for Kafka's
 * acknowledgements, replying, done. Every function here is called with
 * the server's mutex held (by the completion-queue thread, by the
 * delivery-report thread for call_delivered(), by the burst thread for
 * call_produce_parked()).
 */
#ifndef MARIMBA_SERVER_CALL_H
#define MARIMBA_SERVER_CALL_H

#include "server.h"

/*
 * Registers the served methods with the core (before grpc_server_start):
 * the unary ones have their request message read by the core before the
 * call is handed over. -1 if the core refused one.
 */
int	call_register_methods(struct server *);

/* Asks the core for the next incoming call of a method. -1 if it could not. */
int	call_request(struct server *, enum call_method);

/* A completion-queue event for one of the call's tags. */
void	call_event(struct tag *, int);

/* A delivery report for one of the call's votes. */
void	call_delivered(struct call *, int, const char *);

/*
 * Produces the votes of the calls parked while a burst was in flight
 * (server_burst.h); those produced are counted with burst_count().
 */
void	call_produce_parked(struct server *);

/* Answers UNAVAILABLE for calls whose votes were not acknowledged in time. */
void	call_sweep(struct server *, int64_t);

#endif
