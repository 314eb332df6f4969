/* SPDX-License-Identifier: ISC */
/*
 * Turns the bytes of a marimba.v1.CastRequest into a validated struct vote:
 * what the gRPC server does with every message before producing it.
 */
#ifndef MARIMBA_CAST_REQUEST_H
#define MARIMBA_CAST_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "vote.h"

/*
 * Decodes and validates one CastRequest into *v (id, source and time left
 * zero). VOTE_EINVAL with err filled if the bytes are not a CastRequest,
 * a string does not fit (never truncated) or the vote breaks the contract;
 * VOTE_ENOMEM if out of memory.
 */
enum vote_status	cast_request_decode(const uint8_t *, size_t,
			    struct vote *, struct vote_error *);

/*
 * Encodes a vote's client fields as a CastRequest into a malloc'ed
 * buffer (*out, *len). -1 if out of memory.
 */
int			cast_request_encode(const struct vote *, uint8_t **,
			    size_t *);

#endif
