/* SPDX-License-Identifier: ISC */
/*
 * The strict JSON parser for votes: a yajl 2.1 callback (streaming) parser
 * that refuses a body at the first event that breaks the contract (unknown,
 * duplicate or mistyped field, nested value, batch too big), fills struct
 * vote and leaves the checks of the values to vote_validate() in vote.c.
 * The contract is written down in docs/vote-contract.md.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "grow.h"
#include "vote.h"

#define DEFAULT_MAX_BODY	524288
#define DEFAULT_MAX_BATCH	1000
#define NO_OFFSET		SIZE_MAX

enum vote_field {
	FIELD_NAME = 0,
	FIELD_ALBUM,
	FIELD_YEAR,
	FIELD_RANK,
	FIELD_COUNT,
	FIELD_NONE = -1,
};

static const char *const	field_names[FIELD_COUNT] = {
	"name", "album", "year", "rank"
};

enum json_kind {
	KIND_NULL,
	KIND_BOOLEAN,
	KIND_NUMBER,
	KIND_STRING,
	KIND_OBJECT,
	KIND_ARRAY,
};

static const char *const	kind_names[] = {
	"null", "a boolean", "a number", "a string", "an object", "an array"
};

struct json_ctx {
	yajl_handle		 handle;
	struct vote_error	*err;
	enum vote_status	 status;	/* a callback refused: why */
	int			 failed;
	int			 batch;		/* a top-level array allowed */
	size_t			 max_batch;
	size_t			 bad_escape;	/* offset of a lone surrogate */

	int			 in_array;
	int			 in_vote;
	int			 done;		/* the top-level value ended */
	enum vote_field		 key;		/* waiting for this value */
	unsigned int		 seen;		/* bit per field */

	struct vote		*single;	/* vote_parse_json()'s output */
	struct vote		*votes;		/* batch output, grown */
	size_t			 count;
	size_t			 cap;
	struct vote		*cur;
};

static int	json_fail(struct json_ctx *, enum vote_status, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
static int	json_refused(struct json_ctx *, enum vote_status);
static int	json_value(struct json_ctx *, enum json_kind,
		    const unsigned char *, size_t);
static int	json_field(struct json_ctx *, enum json_kind,
		    const unsigned char *, size_t);
static int	json_begin_vote(struct json_ctx *);
static int	json_token_has_bad_escape(struct json_ctx *);
static size_t	json_lone_surrogate(const uint8_t *, size_t);
static void	json_copy_key(char *, size_t, const unsigned char *, size_t);

static int	cb_null(void *);
static int	cb_boolean(void *, int);
static int	cb_number(void *, const char *, size_t);
static int	json_integral_number(struct json_ctx *, const char *,
		    const char *, size_t, uint32_t *);
static int	cb_string(void *, const unsigned char *, size_t);
static int	cb_start_map(void *);
static int	cb_map_key(void *, const unsigned char *, size_t);
static int	cb_end_map(void *);
static int	cb_start_array(void *);
static int	cb_end_array(void *);

static const yajl_callbacks	json_callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_boolean,
	.yajl_number = cb_number,
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = cb_end_map,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end_array,
};

/*
 * Records why the body is refused and stops the parse (a yajl callback
 * returning 0). The index is the batch element being parsed, if any.
 */
static int
json_fail(struct json_ctx *ctx, enum vote_status st, const char *field,
    const char *fmt, ...)
{
	va_list		ap;
	char		msg[sizeof(ctx->err->message)];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	vote_error_set(ctx->err, field, "%s", msg);
	ctx->err->index = ctx->in_array ? (long)ctx->count : -1;
	ctx->status = st;
	ctx->failed = 1;

	return (0);
}

/* Like json_fail(), for an error vote.c already wrote into ctx->err. */
static int
json_refused(struct json_ctx *ctx, enum vote_status st)
{
	ctx->err->index = ctx->in_array ? (long)ctx->count : -1;
	ctx->status = st;
	ctx->failed = 1;

	return (0);
}

/*
 * Offset of the first \u escape of a UTF-16 surrogate that is not part of
 * a high+low pair, or NO_OFFSET. yajl replaces a lone high surrogate by
 * '?' instead of refusing it; this finds it before yajl hides it. Outside
 * strings a backslash is a syntax error yajl reports, so escapes line up.
 */
static size_t
json_lone_surrogate(const uint8_t *s, size_t len)
{
	size_t		i, k;
	unsigned int	u[2];
	int		n, d;

	for (i = 0; i < len; i++) {
		if (s[i] != '\\')
			continue;
		if (i + 1 >= len)
			return (NO_OFFSET);
		if (s[i + 1] != 'u') {
			i++;
			continue;
		}

		for (n = 0; n < 2; n++) {
			u[n] = 0;
			if (i + 6 * n + 6 > len ||
			    s[i + 6 * n] != '\\' || s[i + 6 * n + 1] != 'u') {
				u[n] = 0x10000;		/* not an escape */
				break;
			}
			for (k = 2; k < 6; k++) {
				d = s[i + 6 * n + k];
				if (d >= '0' && d <= '9')
					d -= '0';
				else if (d >= 'a' && d <= 'f')
					d -= 'a' - 10;
				else if (d >= 'A' && d <= 'F')
					d -= 'A' - 10;
				else
					return (NO_OFFSET); /* yajl's */
				u[n] = u[n] << 4 | (unsigned int)d;
			}
			if (n == 0 && (u[0] < 0xd800 || u[0] > 0xdbff))
				break;
		}

		if (u[0] >= 0xdc00 && u[0] <= 0xdfff)
			return (i);
		if (u[0] >= 0xd800 && u[0] <= 0xdbff) {
			if (u[1] < 0xdc00 || u[1] > 0xdfff)
				return (i);
			i += 11;
		} else
			i += 5;
	}

	return (NO_OFFSET);
}

/* 1 if the string or key yajl just delivered holds the lone surrogate. */
static int
json_token_has_bad_escape(struct json_ctx *ctx)
{
	if (ctx->bad_escape == NO_OFFSET)
		return (0);
	return (yajl_get_bytes_consumed(ctx->handle) > ctx->bad_escape);
}

/*
 * Copies a key for an error message: valid UTF-8 only, cut on a character
 * boundary, with controls (C0, DEL and C1), quotes and backslashes shown
 * as '?', so the message can go into JSON or a log line as it is.
 */
static void
json_copy_key(char *dst, size_t dstlen, const unsigned char *key, size_t len)
{
	size_t		n, i, o;

	if (!vote_utf8_is_valid(key, len, NULL) || memchr(key, '\0', len)) {
		(void)snprintf(dst, dstlen, "?");
		return;
	}

	n = len < dstlen - 1 ? len : dstlen - 1;
	while (n > 0 && n < len && (key[n] & 0xc0) == 0x80)
		n--;
	for (i = 0, o = 0; i < n; i++) {
		if (key[i] == 0xc2 && i + 1 < n && key[i + 1] <= 0x9f) {
			dst[o++] = '?';		/* U+0080..U+009F */
			i++;
		} else if (key[i] < 0x20 || key[i] == 0x7f || key[i] == '"' ||
		    key[i] == '\\')
			dst[o++] = '?';
		else
			dst[o++] = (char)key[i];
	}
	dst[o] = '\0';
}

static int
json_begin_vote(struct json_ctx *ctx)
{
	struct vote	*grown;

	if (ctx->single != NULL)
		ctx->cur = ctx->single;
	else {
		if (ctx->in_array && ctx->count >= ctx->max_batch) {
			return (json_fail(ctx, VOTE_ETOOBIG, "body",
			    "batch has more than %zu votes", ctx->max_batch));
		}
		/* count < max_batch here, so there is room to grow. */
		grown = grow_array(ctx->votes, &ctx->cap, ctx->count,
		    sizeof(*grown), ctx->in_array ? 16 : 1,
		    ctx->in_array ? ctx->max_batch : 1);
		if (grown == NULL) {
			return (json_fail(ctx, VOTE_ENOMEM, "body",
			    "out of memory"));
		}
		ctx->votes = grown;
		ctx->cur = &ctx->votes[ctx->count];
	}

	memset(ctx->cur, 0, sizeof(*ctx->cur));
	ctx->in_vote = 1;
	ctx->seen = 0;
	ctx->key = FIELD_NONE;

	return (1);
}

/*
 * Parses a year or rank written as a JSON string: decimal digits only,
 * no sign, fraction, exponent, spaces or leading zero. Values past
 * UINT32_MAX saturate; vote_validate() refuses them.
 */
static int
json_number_field(struct json_ctx *ctx, const char *field, const char *s,
    size_t len, uint32_t *out)
{
	uint64_t	v;
	size_t		i;

	if (len == 0)
		return (json_fail(ctx, VOTE_EINVAL, field,
		    "%s must not be empty", field));

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			return (json_fail(ctx, VOTE_EINVAL, field,
			    "%s must be a whole number in decimal digits only "
			    "(no sign, fraction, exponent or spaces)", field));
		}
	}
	if (len > 1 && s[0] == '0')
		return (json_fail(ctx, VOTE_EINVAL, field,
		    "%s must not have leading zeros", field));

	v = 0;
	for (i = 0; i < len && v <= UINT32_MAX; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	*out = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;

	return (1);
}

/*
 * A year or rank written as a JSON number (RFC 8259 grammar, checked by
 * yajl): any notation of a whole number counts, as JSON Schema's
 * "integer" does (2015, 2015.0, 2.015e3, 20150e-1). A negative or
 * fractional value is refused; values past UINT32_MAX saturate, and
 * vote_validate() refuses them like other out-of-range values.
 */
static int
json_integral_number(struct json_ctx *ctx, const char *field, const char *s,
    size_t len, uint32_t *out)
{
	size_t		i, end, ndig, nfrac, lead, last, k;
	long		exp, scale;
	uint64_t	v;
	int		neg, esign, frac, nonzero;

	neg = len > 0 && s[0] == '-';
	for (end = neg; end < len && s[end] != 'e' && s[end] != 'E'; end++)
		;
	/* The mantissa's digits (skipping '.'), as one sequence. */
	ndig = nfrac = lead = last = 0;
	frac = nonzero = 0;
	for (i = neg; i < end; i++) {
		if (s[i] == '.') {
			frac = 1;
			continue;
		}
		if (s[i] != '0') {
			if (!nonzero)
				lead = ndig;
			nonzero = 1;
			last = ndig;
		}
		ndig++;
		nfrac += frac;
	}
	if (!nonzero) {
		*out = 0;	/* zero, of any sign: out of range */
		return (1);
	}
	exp = 0;
	esign = 1;
	if (end < len) {
		i = end + 1;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			esign = s[i++] == '-' ? -1 : 1;
		for (; i < len; i++) {
			if (exp < 100000)
				exp = exp * 10 + (s[i] - '0');
		}
	}
	/* value = digits[lead..last] x 10^scale */
	scale = esign * exp - (long)nfrac + (long)(ndig - 1 - last);
	if (scale < 0)
		return (json_fail(ctx, VOTE_EINVAL, field,
		    "%s must be a whole number", field));
	if (neg)
		return (json_fail(ctx, VOTE_EINVAL, field,
		    "%s must not be negative", field));
	v = 0;
	k = 0;
	for (i = neg; i < end && v <= UINT32_MAX; i++) {
		if (s[i] == '.')
			continue;
		if (k >= lead && k <= last)
			v = v * 10 + (uint64_t)(s[i] - '0');
		k++;
	}
	for (; scale > 0 && v <= UINT32_MAX; scale--)
		v *= 10;
	*out = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	return (1);
}

/* The value of the field named by the key before it. */
static int
json_field(struct json_ctx *ctx, enum json_kind kind, const unsigned char *s,
    size_t len)
{
	struct vote		*v;
	enum vote_status	 st;
	enum vote_field		 f;
	const char		*name;
	char			*dst;
	size_t			 max;

	v = ctx->cur;
	f = ctx->key;
	ctx->key = FIELD_NONE;
	if (f == FIELD_NONE) {
		/* yajl gives a key before every value of an object. */
		return (json_fail(ctx, VOTE_EINVAL, "body",
		    "value without a field"));
	}
	name = field_names[f];

	switch (f) {
	case FIELD_NAME:
	case FIELD_ALBUM:
		if (kind != KIND_STRING) {
			return (json_fail(ctx, VOTE_EINVAL, name,
			    "%s must be a string, not %s", name,
			    kind_names[kind]));
		}
		if (json_token_has_bad_escape(ctx)) {
			return (json_fail(ctx, VOTE_EINVAL, name,
			    "%s is not valid UTF-8 (escape of a lone UTF-16 "
			    "surrogate)", name));
		}
		dst = f == FIELD_NAME ? v->name : v->album;
		max = f == FIELD_NAME ? VOTE_NAME_MAX : VOTE_ALBUM_MAX;
		if ((st = vote_validate_text(name, (const char *)s, len, max,
		    ctx->err)) != VOTE_OK)
			return (json_refused(ctx, st));
		memcpy(dst, s, len);
		dst[len] = '\0';
		return (1);
	case FIELD_YEAR:
	case FIELD_RANK:
		if (kind != KIND_STRING && kind != KIND_NUMBER) {
			return (json_fail(ctx, VOTE_EINVAL, name,
			    "%s must be an integer or a string of digits, "
			    "not %s", name, kind_names[kind]));
		}
		if (kind == KIND_NUMBER)
			return (json_integral_number(ctx, name,
			    (const char *)s, len, f == FIELD_YEAR ? &v->year :
			    &v->rank));
		return (json_number_field(ctx, name, (const char *)s, len,
		    f == FIELD_YEAR ? &v->year : &v->rank));
	default:
		return (json_fail(ctx, VOTE_EINVAL, "body",
		    "value without a field"));
	}
}

/* Every value event: where it is decides what it may be. */
static int
json_value(struct json_ctx *ctx, enum json_kind kind, const unsigned char *s,
    size_t len)
{
	if (ctx->in_vote)
		return (json_field(ctx, kind, s, len));

	if (ctx->in_array) {
		if (kind == KIND_OBJECT)
			return (json_begin_vote(ctx));
		return (json_fail(ctx, VOTE_EINVAL, "",
		    "element %zu of the batch must be an object, not %s",
		    ctx->count, kind_names[kind]));
	}

	if (kind == KIND_OBJECT)
		return (json_begin_vote(ctx));
	if (kind == KIND_ARRAY && ctx->batch) {
		ctx->in_array = 1;
		return (1);
	}
	return (json_fail(ctx, VOTE_EINVAL, "body", "body must be a JSON %s, "
	    "not %s", ctx->batch ? "object or an array of objects" : "object",
	    kind_names[kind]));
}

static int
cb_null(void *arg)
{
	return (json_value(arg, KIND_NULL, NULL, 0));
}

static int
cb_boolean(void *arg, int b)
{
	(void)b;
	return (json_value(arg, KIND_BOOLEAN, NULL, 0));
}

static int
cb_number(void *arg, const char *s, size_t len)
{
	return (json_value(arg, KIND_NUMBER, (const unsigned char *)s, len));
}

static int
cb_string(void *arg, const unsigned char *s, size_t len)
{
	return (json_value(arg, KIND_STRING, s, len));
}

static int
cb_start_map(void *arg)
{
	return (json_value(arg, KIND_OBJECT, NULL, 0));
}

static int
cb_start_array(void *arg)
{
	return (json_value(arg, KIND_ARRAY, NULL, 0));
}

static int
cb_map_key(void *arg, const unsigned char *key, size_t len)
{
	struct json_ctx		*ctx;
	char			 shown[32];
	int			 f;

	ctx = arg;
	for (f = 0; f < FIELD_COUNT; f++) {
		if (strlen(field_names[f]) == len &&
		    memcmp(field_names[f], key, len) == 0)
			break;
	}

	if (f == FIELD_COUNT) {
		json_copy_key(shown, sizeof(shown), key, len);
		return (json_fail(ctx, VOTE_EINVAL, shown,
		    "unknown field %s", shown));
	}
	if (ctx->seen & (1U << f)) {
		return (json_fail(ctx, VOTE_EINVAL, field_names[f],
		    "duplicate field %s", field_names[f]));
	}

	ctx->seen |= 1U << f;
	ctx->key = f;

	return (1);
}

static int
cb_end_map(void *arg)
{
	struct json_ctx		*ctx;
	enum vote_status	 st;
	int			 f;

	ctx = arg;
	for (f = 0; f < FIELD_COUNT; f++) {
		if (!(ctx->seen & (1U << f))) {
			return (json_fail(ctx, VOTE_EINVAL, field_names[f],
			    "missing field %s", field_names[f]));
		}
	}

	if ((st = vote_validate(ctx->cur, ctx->err)) != VOTE_OK)
		return (json_refused(ctx, st));

	ctx->count++;
	ctx->in_vote = 0;
	ctx->cur = NULL;
	if (!ctx->in_array)
		ctx->done = 1;

	return (1);
}

static int
cb_end_array(void *arg)
{
	struct json_ctx		*ctx;

	ctx = arg;
	ctx->in_array = 0;
	if (ctx->count == 0)
		return (json_fail(ctx, VOTE_EINVAL, "body", "batch is empty"));
	ctx->done = 1;

	return (1);
}

/* Turns a yajl error into the contract's words. */
static enum vote_status
json_syntax_error(struct json_ctx *ctx, const uint8_t *body, size_t len,
    size_t at)
{
	unsigned char	*yerr;
	const char	*field;
	size_t		 bad, n, i;
	char		 shown[96];

	field = ctx->in_vote && ctx->key != FIELD_NONE ?
	    field_names[ctx->key] : "body";

	if (ctx->done) {
		json_fail(ctx, VOTE_EINVAL, "body",
		    "body has data after the JSON value (byte %zu)", at);
	} else if (!vote_utf8_is_valid(body, len, &bad) && bad <= at) {
		json_fail(ctx, VOTE_EINVAL, field,
		    "%s is not valid UTF-8 (byte %zu of the body)", field, bad);
	} else if (at >= len) {
		json_fail(ctx, VOTE_EINVAL, "body",
		    "body ends before the JSON value is complete");
	} else {
		yerr = yajl_get_error(ctx->handle, 0, body, len);
		(void)snprintf(shown, sizeof(shown), "%s",
		    yerr != NULL ? (const char *)yerr : "unknown error");
		if (yerr != NULL)
			yajl_free_error(ctx->handle, yerr);
		n = strlen(shown);
		while (n > 0 && (shown[n - 1] == '\n' || shown[n - 1] == '.'))
			shown[--n] = '\0';
		/* yajl writes '\u' in one message: no backslash in ours. */
		for (i = 0; i < n; i++) {
			if ((unsigned char)shown[i] < 0x20 ||
			    shown[i] == 0x7f || shown[i] == '"' ||
			    shown[i] == '\\')
				shown[i] = '?';
		}
		json_fail(ctx, VOTE_EINVAL, field,
		    "body is not valid JSON: %s (byte %zu)", shown, at);
	}

	return (VOTE_EINVAL);
}

/* JSON's whitespace (RFC 8259): never the locale's isspace(3). */
static int
json_is_space(uint8_t c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\n');
}

static int
json_is_blank(const uint8_t *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (!json_is_space(s[i]))
			return (0);
	}

	return (1);
}

int
vote_json_is_array(const uint8_t *body, size_t len)
{
	size_t	i;

	for (i = 0; i < len && json_is_space(body[i]); i++)
		;

	return (i < len && body[i] == '[');
}

/*
 * Offset of the first vertical tab or form feed, or NO_OFFSET. yajl skips
 * both as whitespace between tokens, but RFC 8259 allows neither there,
 * and inside a string they must be escaped: raw, they are never valid.
 */
static size_t
json_find_vt_ff(const uint8_t *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\v' || s[i] == '\f')
			return (i);
	}

	return (NO_OFFSET);
}

/* The parse both entry points share; ctx says what may come. */
static enum vote_status
json_parse(struct json_ctx *ctx, const uint8_t *body, size_t len,
    const struct vote_limits *limits)
{
	size_t		max_body, ff;
	yajl_status	ys;

	max_body = limits != NULL ? limits->max_body : DEFAULT_MAX_BODY;
	ctx->max_batch = limits != NULL ? limits->max_batch :
	    DEFAULT_MAX_BATCH;
	ctx->key = FIELD_NONE;

	if (len > max_body) {
		json_fail(ctx, VOTE_ETOOBIG, "body",
		    "body is %zu bytes, more than the limit of %zu", len,
		    max_body);
		return (VOTE_ETOOBIG);
	}
	if (body == NULL || json_is_blank(body, len)) {
		json_fail(ctx, VOTE_EINVAL, "body", "body is empty");
		return (VOTE_EINVAL);
	}

	if ((ff = json_find_vt_ff(body, len)) != NO_OFFSET) {
		json_fail(ctx, VOTE_EINVAL, "body", "body is not valid JSON: "
		    "control character 0x%02x at byte %zu", body[ff], ff);
		return (VOTE_EINVAL);
	}

	ctx->bad_escape = json_lone_surrogate(body, len);

	if ((ctx->handle = yajl_alloc(&json_callbacks, NULL, ctx)) == NULL) {
		json_fail(ctx, VOTE_ENOMEM, "body", "out of memory");
		return (VOTE_ENOMEM);
	}
	/* yajl's defaults, spelled out: the contract depends on them. */
	(void)yajl_config(ctx->handle, yajl_allow_comments, 0);
	(void)yajl_config(ctx->handle, yajl_dont_validate_strings, 0);
	(void)yajl_config(ctx->handle, yajl_allow_trailing_garbage, 0);
	(void)yajl_config(ctx->handle, yajl_allow_multiple_values, 0);
	(void)yajl_config(ctx->handle, yajl_allow_partial_values, 0);

	ys = yajl_parse(ctx->handle, body, len);
	if (ys != yajl_status_ok && !ctx->failed)
		json_syntax_error(ctx, body, len,
		    yajl_get_bytes_consumed(ctx->handle));
	if (ys == yajl_status_ok) {
		ys = yajl_complete_parse(ctx->handle);
		if (ys != yajl_status_ok && !ctx->failed)
			json_syntax_error(ctx, body, len, len);
	}
	/* yajl said ok but the value never ended: refuse, never half a vote. */
	if (ys == yajl_status_ok && !ctx->failed && !ctx->done)
		json_fail(ctx, VOTE_EINVAL, "body", "body is incomplete");

	yajl_free(ctx->handle);
	ctx->handle = NULL;

	return (ctx->failed ? ctx->status : VOTE_OK);
}

static void
json_error_clear(struct vote_error *err)
{
	err->index = -1;
	err->field[0] = '\0';
	err->message[0] = '\0';
}

enum vote_status
vote_parse_json(const uint8_t *body, size_t len,
    const struct vote_limits *limits, struct vote *out,
    struct vote_error *err)
{
	struct json_ctx		ctx;
	struct vote_error	scratch;
	enum vote_status	st;

	if (err == NULL)
		err = &scratch;
	json_error_clear(err);

	memset(&ctx, 0, sizeof(ctx));
	ctx.err = err;
	ctx.single = out;

	if ((st = json_parse(&ctx, body, len, limits)) != VOTE_OK)
		memset(out, 0, sizeof(*out));

	return (st);
}

enum vote_status
vote_parse_json_batch(const uint8_t *body, size_t len,
    const struct vote_limits *limits, struct vote **out, size_t *count,
    struct vote_error *err)
{
	struct json_ctx		ctx;
	struct vote_error	scratch;
	enum vote_status	st;

	*out = NULL;
	*count = 0;
	if (err == NULL)
		err = &scratch;
	json_error_clear(err);

	memset(&ctx, 0, sizeof(ctx));
	ctx.err = err;
	ctx.batch = 1;

	if ((st = json_parse(&ctx, body, len, limits)) != VOTE_OK) {
		free(ctx.votes);
		return (st);
	}

	*out = ctx.votes;
	*count = ctx.count;

	return (VOTE_OK);
}
