/* SPDX-License-Identifier: ISC */
/*
 * The vote model and its JSON contract: what a valid vote is, and the
 * strict parser that turns a client's JSON body into votes.
 */
#ifndef MARIMBA_VOTE_H
#define MARIMBA_VOTE_H

#include <stddef.h>
#include <stdint.h>

#define VOTE_NAME_MAX		128	/* bytes of UTF-8 */
#define VOTE_ALBUM_MAX		128
#define VOTE_YEAR_MIN		1900
#define VOTE_YEAR_MAX		2100
#define VOTE_RANK_MIN		1
#define VOTE_RANK_MAX		1000
#define VOTE_ID_LEN		26	/* a ULID in Crockford base32 */
#define VOTE_SOURCE_MAX		7

enum vote_status {
	VOTE_OK = 0,
	VOTE_EINVAL,		/* the input breaks the contract */
	VOTE_ETOOBIG,		/* body or batch larger than allowed */
	VOTE_ENOMEM,
};

struct vote {
	char		id[VOTE_ID_LEN + 1];
	char		name[VOTE_NAME_MAX + 1];
	char		album[VOTE_ALBUM_MAX + 1];
	uint32_t	year;
	uint32_t	rank;
	char		source[VOTE_SOURCE_MAX + 1];	/* "rest", "grpc" */
	int64_t		received_at_ms;
};

/* Why an input was refused: the field (empty if none) and a sentence. */
struct vote_error {
	long		index;		/* position in a batch, -1 if none */
	char		field[32];
	char		message[192];
};

struct vote_limits {
	size_t		max_body;	/* bytes of JSON accepted */
	size_t		max_batch;	/* votes in one JSON array */
};

/*
 * Parses exactly one JSON object into *out. Only id, source and
 * received_at_ms are left zeroed; see vote_accept().
 */
enum vote_status	vote_parse_json(const uint8_t *, size_t,
			    const struct vote_limits *, struct vote *,
			    struct vote_error *);

/*
 * Parses one JSON object or a JSON array of 1..max_batch objects.
 * On VOTE_OK *out is an array of *count votes the caller frees with free().
 * On error nothing is returned and err says which element and field.
 */
enum vote_status	vote_parse_json_batch(const uint8_t *, size_t,
			    const struct vote_limits *, struct vote **,
			    size_t *, struct vote_error *);

/*
 * 1 if the first byte of body after JSON whitespace (space, tab, CR, LF)
 * is '[': the body is a batch. 0 otherwise. Does not parse the body.
 */
int			vote_json_is_array(const uint8_t *body, size_t len);

/* Checks name, album, year and rank against the contract. */
enum vote_status	vote_validate(const struct vote *, struct vote_error *);

/*
 * Checks one text field (name, album): len bytes at s, 1..max bytes of
 * well-formed UTF-8, no control character, no bidirectional override
 * or isolate, and at least one code point that is neither whitespace
 * nor default-ignorable (U+200B, U+FEFF, U+00AD ...).
 */
enum vote_status	vote_validate_text(const char *field, const char *,
			    size_t, size_t max, struct vote_error *);

/*
 * Fills name, album, year and rank of *v from another representation
 * (a protobuf message) and validates them. A string longer than its
 * field is refused, never truncated. The other members are zeroed.
 */
enum vote_status	vote_set_fields(struct vote *, const char *name,
			    size_t, const char *album, size_t, uint32_t year,
			    uint32_t rank, struct vote_error *);

/*
 * 1 if the len bytes at s are well-formed UTF-8 (RFC 3629: no overlong
 * forms, surrogates or code points past U+10FFFF); otherwise 0, and
 * *bad (if not NULL) gets the offset of the first offending byte.
 */
int			vote_utf8_is_valid(const uint8_t *, size_t,
			    size_t *bad);

/* Stamps an accepted vote: a new ULID, the source and the time now. */
int			vote_accept(struct vote *, const char *source);

/* Fills err; fmt is a printf format. */
void			vote_error_set(struct vote_error *, const char *field,
			    const char *fmt, ...)
			    __attribute__((format(printf, 3, 4)));

#endif
