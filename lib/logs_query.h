/* SPDX-License-Identifier: ISC */
/*
 * The query string of GET /api/logs (and of the log viewer's page):
 * limit, band, source and before, checked strictly. A pure function with
 * no I/O, unit-tested and fuzzed.
 */
#ifndef MARIMBA_LOGS_QUERY_H
#define MARIMBA_LOGS_QUERY_H

#include <stddef.h>

#include "vote.h"

#define LOGS_LIMIT_DEFAULT	20
#define LOGS_LIMIT_MAX		100

struct logs_query {
	int	limit;				/* 1..LOGS_LIMIT_MAX */
	char	band[VOTE_NAME_MAX + 1];	/* "" = every band */
	char	source[VOTE_SOURCE_MAX + 1];	/* "" = both sources */
	char	before[VOTE_ID_LEN + 1];	/* "" = from the newest */
};

/*
 * Parses len bytes of an application/x-www-form-urlencoded query string
 * (without the '?'; may be NULL when len is 0) into *out.
 *
 *   limit	decimal 1..100, default 20
 *   band	1..128 bytes of well-formed UTF-8 after percent-decoding
 *		(vote_validate_text's rules); empty means every band
 *   source	"rest" or "grpc"; empty means both
 *   before	a vote id (ULID): the cursor a previous page returned
 *
 * A parameter given twice, an unknown parameter or a bad value is an
 * error. Returns 0, or -1 with err->field naming the parameter and
 * err->message saying why (err->index is -1).
 */
int	logs_query_parse(const char *, size_t, struct logs_query *,
	    struct vote_error *);

#endif
