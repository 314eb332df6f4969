/* SPDX-License-Identifier: ISC */
/*
 * The idempotency key of a gRPC call: the "idempotency-key" metadata a
 * client sends so that a retry of a Cast or CastStream yields the same
 * vote ids (lib/idem_key.h, docs/grpc.md).
 */
#ifndef MARIMBA_CALL_KEY_H
#define MARIMBA_CALL_KEY_H

#include <stddef.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "idem_key.h"

/*
 * Finds the key in the call's metadata and checks it at now_ms against
 * the dedupe window. 1 with *k filled, 0 if the call has none, -1 (a
 * sentence in err) if it is malformed, out of the window, or sent more
 * than once.
 */
int	call_key(const grpc_metadata_array *, int64_t now_ms,
	    int64_t window_ms, struct idem_key *, char *, size_t);

#endif
