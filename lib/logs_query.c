/* SPDX-License-Identifier: ISC */
/*
 * Parser of the log queries' query string (see logs_query.h). It works
 * on a bounded copy of each decoded name and value, so no input length
 * can overflow anything, and it never allocates.
 */
#include <string.h>

#include "hex.h"
#include "logs_query.h"
#include "vote_id.h"

/* Longest parameter name kept for an error message. */
#define LQ_NAME_MAX	16
/* Room for a decoded value: the longest valid one plus one byte to tell
 * "too long" from "just fits". */
#define LQ_VALUE_MAX	(VOTE_NAME_MAX + 1)

enum lq_param {
	LQ_LIMIT = 0,
	LQ_BAND,
	LQ_SOURCE,
	LQ_BEFORE,
	LQ_NPARAMS
};

static const char	*lq_names[LQ_NPARAMS] = {
	"limit", "band", "source", "before"
};

static int	lq_decode(const char *, size_t, char *, size_t, size_t *,
		    int *);
static int	lq_value(enum lq_param, const char *, size_t,
		    struct logs_query *, struct vote_error *);
static void	lq_unknown(const char *, size_t, int, struct vote_error *);

int
logs_query_parse(const char *qs, size_t len, struct logs_query *out,
    struct vote_error *err)
{
	char		 name[LQ_NAME_MAX + 1], value[LQ_VALUE_MAX + 1];
	const char	*seg, *end, *eq;
	size_t		 seglen, namelen, valuelen, pos;
	int		 seen[LQ_NPARAMS], i, param, truncated;

	memset(out, 0, sizeof(*out));
	out->limit = LOGS_LIMIT_DEFAULT;
	memset(seen, 0, sizeof(seen));
	err->index = -1;
	err->field[0] = '\0';
	err->message[0] = '\0';

	pos = 0;
	while (qs != NULL && pos < len) {
		seg = qs + pos;
		if ((end = memchr(seg, '&', len - pos)) == NULL)
			end = qs + len;
		seglen = (size_t)(end - seg);
		pos += seglen + 1;
		if (seglen == 0)
			continue;	/* "a=1&&b=2", a trailing '&' */

		if ((eq = memchr(seg, '=', seglen)) == NULL)
			eq = seg + seglen;
		if (lq_decode(seg, (size_t)(eq - seg), name, sizeof(name),
		    &namelen, &truncated) == -1) {
			vote_error_set(err, "query",
			    "malformed percent-encoding in a parameter name");
			return (-1);
		}
		param = -1;
		for (i = 0; i < LQ_NPARAMS && !truncated; i++) {
			if (namelen == strlen(lq_names[i]) &&
			    memcmp(name, lq_names[i], namelen) == 0)
				param = i;
		}
		if (param == -1) {
			lq_unknown(name, namelen, truncated, err);
			return (-1);
		}
		if (seen[param]) {
			vote_error_set(err, lq_names[param],
			    "%s is given more than once", lq_names[param]);
			return (-1);
		}
		seen[param] = 1;

		if (eq == seg + seglen)
			valuelen = 0, value[0] = '\0', truncated = 0;
		else if (lq_decode(eq + 1, (size_t)(seg + seglen - eq - 1),
		    value, sizeof(value), &valuelen, &truncated) == -1) {
			vote_error_set(err, lq_names[param],
			    "malformed percent-encoding in %s",
			    lq_names[param]);
			return (-1);
		}
		if (truncated) {
			vote_error_set(err, lq_names[param], "%s is too long",
			    lq_names[param]);
			return (-1);
		}
		if (lq_value(param, value, valuelen, out, err) == -1)
			return (-1);
	}
	return (0);
}

/* Checks one decoded value and stores it in *out. */
static int
lq_value(enum lq_param param, const char *v, size_t len,
    struct logs_query *out, struct vote_error *err)
{
	size_t	i;
	int	n;

	switch (param) {
	case LQ_LIMIT:
		n = 0;
		for (i = 0; i < len; i++) {
			if (v[i] < '0' || v[i] > '9' || n > LOGS_LIMIT_MAX)
				break;
			n = n * 10 + (v[i] - '0');
		}
		if (len == 0 || i < len || n < 1 || n > LOGS_LIMIT_MAX) {
			vote_error_set(err, "limit",
			    "limit must be a whole number from 1 to %d",
			    LOGS_LIMIT_MAX);
			return (-1);
		}
		out->limit = n;
		return (0);
	case LQ_BAND:
		if (len == 0)
			return (0);	/* a form's "every band" */
		if (vote_validate_text("band", v, len, VOTE_NAME_MAX, err) !=
		    VOTE_OK) {
			err->index = -1;
			return (-1);
		}
		memcpy(out->band, v, len);
		out->band[len] = '\0';
		return (0);
	case LQ_SOURCE:
		if (len == 0)
			return (0);
		if ((len == 4 && memcmp(v, "rest", 4) == 0) ||
		    (len == 4 && memcmp(v, "grpc", 4) == 0)) {
			memcpy(out->source, v, len);
			out->source[len] = '\0';
			return (0);
		}
		vote_error_set(err, "source", "source must be rest or grpc");
		return (-1);
	case LQ_BEFORE:
		if (len == VOTE_ID_LEN && memchr(v, '\0', len) == NULL) {
			memcpy(out->before, v, len);
			out->before[len] = '\0';
			if (vote_id_is_valid(out->before))
				return (0);
			out->before[0] = '\0';
		}
		vote_error_set(err, "before",
		    "before must be a cursor from a previous page (a vote id)");
		return (-1);
	default:
		vote_error_set(err, "query", "unknown parameter");
		return (-1);
	}
}

/*
 * Percent-decodes len bytes at s ('+' is a space) into out (outlen bytes
 * with the NUL). *truncated is 1 if the decoded text did not fit.
 * Returns -1 on a malformed escape.
 */
static int
lq_decode(const char *s, size_t len, char *out, size_t outlen,
    size_t *outused, int *truncated)
{
	size_t	i, o;
	int	hi, lo;
	char	c;

	*truncated = 0;
	o = 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			if (len - i < 3 ||
			    (hi = hex_digit_value(s[i + 1])) == -1 ||
			    (lo = hex_digit_value(s[i + 2])) == -1)
				return (-1);
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (o + 1 < outlen)
			out[o++] = c;
		else
			*truncated = 1;
	}
	out[o] = '\0';
	*outused = o;
	return (0);
}

/* The error for a parameter nobody knows; its name only if printable. */
static void
lq_unknown(const char *name, size_t len, int truncated,
    struct vote_error *err)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (name[i] < 0x21 || name[i] > 0x7e || name[i] == '"' ||
		    name[i] == '\\')
			break;
	}
	if (len > 0 && i == len && !truncated) {
		vote_error_set(err, name, "unknown parameter %s", name);
		return;
	}
	vote_error_set(err, "query", "unknown parameter");
}
