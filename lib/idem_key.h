/* SPDX-License-Identifier: ISC */
/*
 * Idempotency keys: a client names one request (an HTTP POST, a gRPC
 * call) with a key that carries its creation time, a ULID or a UUIDv7,
 * and sends the same key again when it retries. The votes of a keyed
 * request get ids derived from the key, so a retry yields the same ids
 * and the consumer's dedupe counts each vote once.
 *
 * A vote's id is the ULID whose 48-bit time is the key's time (ids stay
 * ordered by time) and whose 80 other bits are the first 80 bits of
 * SHA-256 over the key's 128 bits, the vote's position in the request
 * and the vote's fields (name, album, year, rank). That last part is the
 * scope: two requests share ids only if they carry the same key and the
 * same votes in the same order, i.e. if one is a retry of the other. A
 * key reused by mistake for other votes gives other ids (those votes
 * are counted, not swallowed as duplicates), and the key's own 74 or 80
 * random bits keep two clients' keys apart.
 */
#ifndef MARIMBA_IDEM_KEY_H
#define MARIMBA_IDEM_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "vote.h"

#define IDEM_KEY_ULID_LEN	26	/* Crockford base32 */
#define IDEM_KEY_UUID_LEN	36	/* 8-4-4-4-12 hex digits */
#define IDEM_KEY_MAX_LEN	IDEM_KEY_UUID_LEN
/* How far ahead of this server's clock a key's time may be. */
#define IDEM_KEY_SKEW_MS	60000

enum idem_status {
	IDEM_OK = 0,
	IDEM_EFORMAT,		/* neither a ULID nor a UUIDv7 */
	IDEM_EFUTURE,		/* created after now + IDEM_KEY_SKEW_MS */
	IDEM_EEXPIRED,		/* older than the dedupe window */
};

struct idem_key {
	uint8_t		bytes[16];	/* the key's 128 bits */
	int64_t		ms;		/* its creation time, ms since epoch */
};

/*
 * Parses the len bytes at s (no NUL needed): a ULID (26 characters of
 * Crockford base32, either case, first one 0-7) or a UUIDv7 (36
 * characters, hex digits of either case, version 7, RFC 9562 variant).
 * Then checks its time against now_ms: at most IDEM_KEY_SKEW_MS ahead,
 * at most window_ms behind (the consumer's dedupe window, after which a
 * retry would be counted again). On error err holds a sentence for the
 * client.
 */
enum idem_status	idem_key_parse(const char *, size_t, int64_t now_ms,
			    int64_t window_ms, struct idem_key *, char *,
			    size_t);

/* Writes a new key (a ULID of time ms) plus a NUL; -1 if no entropy. */
int	idem_key_new(char out[IDEM_KEY_ULID_LEN + 1], int64_t ms);

/*
 * Gives *v the id derived from key and index (its position in the
 * request) and its fields, the source ("rest", "grpc") and now as its
 * received_at_ms, like vote_accept(). -1 on a bad source.
 */
int	idem_vote_accept(struct vote *, const char *, const struct idem_key *,
	    uint32_t, int64_t);

/*
 * Accepts the n votes of one request from source: ids derived from key
 * and each vote's index, or random ids (vote_accept()) if key is NULL.
 * -1 if an id could not be made.
 */
int	idem_votes_accept(struct vote *, size_t, const char *,
	    const struct idem_key *);

#endif
