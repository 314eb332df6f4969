/* SPDX-License-Identifier: ISC */
/*
 * Converts votes to and from the protobuf-c Vote message of proto/vote.proto,
 * which is what travels on the Kafka topic.
 */
#ifndef MARIMBA_VOTE_CODEC_H
#define MARIMBA_VOTE_CODEC_H

#include "vote.h"

/* Bytes vote_encode() needs for this vote. */
size_t			vote_encoded_size(const struct vote *);

/* Encodes into buf (cap bytes); *len gets the size. VOTE_ETOOBIG if short. */
enum vote_status	vote_encode(const struct vote *, uint8_t *, size_t,
			    size_t *);

/*
 * Decodes a Vote message and checks it against the contract (including
 * id, source and received_at_ms). VOTE_EINVAL with err on any defect.
 */
enum vote_status	vote_decode(const uint8_t *, size_t, struct vote *,
			    struct vote_error *);

#endif
