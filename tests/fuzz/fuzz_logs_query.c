/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target for the log viewer's query-string parser (lib/logs_query.c):
 * any bytes go through logs_query_parse(). Besides memory errors (ASan,
 * UBSan) it checks that an accepted query holds only values the header
 * allows, that a refused one has a well-formed error naming a parameter,
 * and that an accepted query written back in canonical form (every byte
 * of band percent-encoded) parses to the same query.
 */
#include <stdio.h>
#include <string.h>

#include "logs_query.h"
#include "vote_id.h"

#include "fuzz_check.h"
#include "fuzz_common.h"

/* The parameter names an error may carry besides an unknown one's. */
static int
known_field(const char *field)
{
	return (strcmp(field, "query") == 0 || strcmp(field, "limit") == 0 ||
	    strcmp(field, "band") == 0 || strcmp(field, "source") == 0 ||
	    strcmp(field, "before") == 0);
}

static void
check_query(const struct logs_query *q)
{
	struct vote_error	err;
	size_t			len;

	FUZZ_CHECK(q->limit >= 1 && q->limit <= LOGS_LIMIT_MAX);
	len = strnlen(q->band, sizeof(q->band));
	FUZZ_CHECK(len < sizeof(q->band));
	if (len > 0)
		FUZZ_CHECK(vote_validate_text("band", q->band, len,
		    VOTE_NAME_MAX, &err) == VOTE_OK);
	FUZZ_CHECK(q->source[0] == '\0' || strcmp(q->source, "rest") == 0 ||
	    strcmp(q->source, "grpc") == 0);
	FUZZ_CHECK(q->before[0] == '\0' || vote_id_is_valid(q->before));
}

/* q as a query string with every byte of band as %XX; its length. */
static size_t
canonical(const struct logs_query *q, char *buf, size_t cap)
{
	const uint8_t	*b;
	size_t		 len;
	int		 n;

	n = snprintf(buf, cap, "limit=%d", q->limit);
	FUZZ_CHECK(n > 0 && (size_t)n < cap);
	len = (size_t)n;
	if (q->band[0] != '\0') {
		n = snprintf(buf + len, cap - len, "&band=");
		FUZZ_CHECK(n > 0 && (size_t)n < cap - len);
		len += (size_t)n;
		for (b = (const uint8_t *)q->band; *b != '\0'; b++) {
			n = snprintf(buf + len, cap - len, "%%%02X", *b);
			FUZZ_CHECK(n == 3 && (size_t)n < cap - len);
			len += (size_t)n;
		}
	}
	if (q->source[0] != '\0') {
		n = snprintf(buf + len, cap - len, "&source=%s", q->source);
		FUZZ_CHECK(n > 0 && (size_t)n < cap - len);
		len += (size_t)n;
	}
	if (q->before[0] != '\0') {
		n = snprintf(buf + len, cap - len, "&before=%s", q->before);
		FUZZ_CHECK(n > 0 && (size_t)n < cap - len);
		len += (size_t)n;
	}

	return (len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logs_query	q, again;
	struct vote_error	err;
	char			buf[1024];
	size_t			len;
	int			rc;

	memset(&err, 0x5a, sizeof(err));
	rc = logs_query_parse((const char *)data, size, &q, &err);
	FUZZ_CHECK(rc == 0 || rc == -1);
	fuzz_check_error(&err, rc == 0 ? VOTE_OK : VOTE_EINVAL, -1);
	FUZZ_CHECK(err.index == -1);
	if (rc == -1) {
		/* An unknown parameter's name, or one of the known ones. */
		FUZZ_CHECK(err.field[0] != '\0');
		FUZZ_CHECK(known_field(err.field) ||
		    strstr(err.message, "unknown parameter") == err.message);
		return (0);
	}

	FUZZ_CHECK(err.field[0] == '\0' && err.message[0] == '\0');
	check_query(&q);

	len = canonical(&q, buf, sizeof(buf));
	FUZZ_CHECK(logs_query_parse(buf, len, &again, &err) == 0);
	FUZZ_CHECK(q.limit == again.limit);
	FUZZ_CHECK(strcmp(q.band, again.band) == 0);
	FUZZ_CHECK(strcmp(q.source, again.source) == 0);
	FUZZ_CHECK(strcmp(q.before, again.before) == 0);

	return (0);
}
