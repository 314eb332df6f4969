/* SPDX-License-Identifier: ISC */
/*
 * Request-head framing checks (see http_framing.h). Works on the bytes as
 * received, never writes to them and never allocates.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "http_framing.h"

/* What the fields of one head say about its framing. */
struct hf_fields {
	int		nfields;
	int		hosts;		/* fields named Host */
	int		host_like;	/* other names starting with "host" */
	int		lengths;
	int		length_bad;
	uint64_t	length;
	int		transfer_encoding;
	int		content_types;
	int		encoding_bad;	/* a Content-Encoding not identity */
	int		malformed;
	int		value_bad;	/* a byte Kore refuses in a value */
	int		value_empty;	/* Kore refuses those too */
};

static const uint8_t	*hf_find(const uint8_t *, size_t, const char *,
			    size_t);
static int	hf_next_line(const uint8_t *, size_t, size_t *,
		    const uint8_t **, size_t *);
static int	hf_name_is(const uint8_t *, size_t, const char *);
static int	hf_request_line(const uint8_t *, size_t,
		    struct http_framing *);
static void	hf_field(const uint8_t *, size_t, struct hf_fields *);
static int	hf_decimal(const uint8_t *, size_t, uint64_t *);
static int	hf_is_token(const uint8_t *, size_t);
static int	hf_is_visible(const uint8_t *, size_t);
static int	hf_refuse(struct http_framing *, int, const char *);

int
http_framing_check(const uint8_t *buf, size_t len, uint64_t body_max,
    struct http_framing *f)
{
	struct hf_fields	 h;
	const uint8_t		*end, *line;
	size_t			 hlen, off, n;

	memset(f, 0, sizeof(*f));
	if ((end = hf_find(buf, len, "\r\n\r\n", 4)) != NULL)
		f->head_len = (size_t)(end - buf) + 4;
	else if ((end = hf_find(buf, len, "\n\n", 2)) != NULL)
		f->head_len = (size_t)(end - buf) + 2;
	else
		return (0);
	hlen = (size_t)(end - buf);

	/* Kore reads the head as a C string: a NUL hides what follows. */
	if (memchr(buf, '\0', hlen) != NULL)
		return (hf_refuse(f, 400, "NUL byte in the request head"));

	off = 0;
	if (!hf_next_line(buf, hlen, &off, &line, &n))
		return (hf_refuse(f, 400, "malformed request line"));
	if (hf_request_line(line, n, f) == 1)
		return (1);
	f->method_off = (size_t)(line - buf);
	while (buf[f->method_off] == ' ')
		f->method_off++;

	memset(&h, 0, sizeof(h));
	while (hf_next_line(buf, hlen, &off, &line, &n))
		hf_field(line, n, &h);

	if (h.malformed)
		return (hf_refuse(f, 400, "malformed header field"));
	if (h.nfields > HTTP_FRAMING_FIELDS_MAX)
		return (hf_refuse(f, 431, "too many header fields"));
	if (h.hosts != 1 || h.host_like)
		return (hf_refuse(f, 400, "exactly one Host header is "
		    "required"));
	if (h.transfer_encoding)
		return (hf_refuse(f, 501, "Transfer-Encoding is not "
		    "supported; send Content-Length"));
	if (h.lengths > 1)
		return (hf_refuse(f, 400, "repeated Content-Length"));
	if (h.length_bad)
		return (hf_refuse(f, 400, "Content-Length must be decimal "
		    "digits"));
	if (h.content_types > 1)
		return (hf_refuse(f, 400, "repeated Content-Type"));
	if (h.encoding_bad)
		return (hf_refuse(f, 415, "Content-Encoding must be "
		    "identity"));
	if (h.value_empty)
		return (hf_refuse(f, 400, "empty header field value"));
	if (h.value_bad)
		return (hf_refuse(f, 400, "header field value with a control "
		    "or non-ASCII byte"));
	if (h.lengths == 1) {
		f->has_length = 1;
		f->content_length = h.length;
	}
	if (f->reads_body && !f->has_length)
		return (hf_refuse(f, 411, "Content-Length required"));
	if (f->reads_body && f->content_length > body_max)
		return (hf_refuse(f, 413, "request body too large"));
	return (1);
}

uint64_t
http_framing_request_len(const struct http_framing *f)
{
	if (f->reads_body && f->has_length)
		return (f->head_len + f->content_length);
	return (f->head_len);
}

static int
hf_refuse(struct http_framing *f, int status, const char *why)
{
	f->status = status;
	f->error = why;
	return (1);
}

static const uint8_t *
hf_find(const uint8_t *buf, size_t len, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i + n <= len; i++) {
		if (memcmp(buf + i, s, n) == 0)
			return (buf + i);
	}
	return (NULL);
}

/*
 * The next non-empty line of buf[0..len) from *off, lines ending at CR or
 * LF (as Kore splits them). 0 when there is none.
 */
static int
hf_next_line(const uint8_t *buf, size_t len, size_t *off,
    const uint8_t **line, size_t *n)
{
	size_t	i;

	while (*off < len && (buf[*off] == '\r' || buf[*off] == '\n'))
		(*off)++;
	if (*off >= len)
		return (0);
	for (i = *off; i < len && buf[i] != '\r' && buf[i] != '\n'; i++)
		;
	*line = buf + *off;
	*n = i - *off;
	*off = i;
	return (1);
}

/*
 * Method, request-target and version, separated by spaces. Returns 1
 * when the request is refused (f says why), 0 otherwise.
 */
static int
hf_request_line(const uint8_t *line, size_t n, struct http_framing *f)
{
	static const char	*body[] = { "post", "put", "patch" };
	static const char	*other[] = { "get", "head", "delete",
				    "options" };
	const uint8_t		*tok[3];
	size_t			 len[3], i, k;
	int			 known;

	k = 0;
	i = 0;
	while (i < n) {
		if (line[i] == ' ') {
			i++;
			continue;
		}
		if (k == 3)
			return (hf_refuse(f, 400, "malformed request line"));
		tok[k] = line + i;
		while (i < n && line[i] != ' ')
			i++;
		len[k] = (size_t)(line + i - tok[k]);
		k++;
	}
	if (k != 3)
		return (hf_refuse(f, 400, "malformed request line"));

	known = 0;
	for (i = 0; i < sizeof(body) / sizeof(body[0]); i++) {
		if (hf_name_is(tok[0], len[0], body[i]))
			known = f->reads_body = 1;
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (hf_name_is(tok[0], len[0], other[i]))
			known = 1;
	}
	if (!known) {
		/* RFC 9110 token characters, as Kore would need them. */
		if (!hf_is_token(tok[0], len[0]))
			return (hf_refuse(f, 400, "malformed request line"));
		f->as_options = 1;
	}
	f->method_len = len[0];
	if (len[1] > HTTP_FRAMING_TARGET_MAX)
		return (hf_refuse(f, 414, "request-target too long"));
	if (hf_name_is(tok[2], len[2], "http/1.1"))
		return (0);
	if (!hf_name_is(tok[2], len[2], "http/1.0"))
		return (hf_refuse(f, 505, "HTTP version not supported"));
	/* Kore 4.1 answers an empty 405 to any other HTTP/1.0 method. */
	if (!hf_name_is(tok[0], len[0], "get") &&
	    !hf_name_is(tok[0], len[0], "head") &&
	    !hf_name_is(tok[0], len[0], "post"))
		return (hf_refuse(f, 505, "HTTP/1.0 is supported for GET, "
		    "HEAD and POST only"));
	return (0);
}

/* One "name: value" line. */
static void
hf_field(const uint8_t *line, size_t n, struct hf_fields *h)
{
	const uint8_t	*colon, *v;
	size_t		 nlen, vlen;
	uint64_t	 cl;

	h->nfields++;
	if ((colon = memchr(line, ':', n)) == NULL || colon == line ||
	    !hf_is_token(line, (size_t)(colon - line))) {
		h->malformed = 1;
		return;
	}
	nlen = (size_t)(colon - line);
	v = colon + 1;
	vlen = n - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	/* Kore 4.1 answers an empty 400 to both (http_validate_header). */
	if (vlen == 0)
		h->value_empty = 1;
	else if (!hf_is_visible(v, vlen))
		h->value_bad = 1;
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;

	if (hf_name_is(line, nlen, "host"))
		h->hosts++;
	else if (nlen >= 4 && strncasecmp((const char *)line, "host", 4) == 0)
		h->host_like = 1;	/* Kore would take it for Host */
	else if (hf_name_is(line, nlen, "content-length")) {
		h->lengths++;
		if (hf_decimal(v, vlen, &cl) == -1)
			h->length_bad = 1;
		else
			h->length = cl;
	} else if (hf_name_is(line, nlen, "transfer-encoding"))
		h->transfer_encoding = 1;
	else if (hf_name_is(line, nlen, "content-type"))
		h->content_types++;
	else if (hf_name_is(line, nlen, "content-encoding")) {
		if (!hf_name_is(v, vlen, "identity"))
			h->encoding_bad = 1;
	}
}

/* An RFC 9110 token: what Kore's http_token table takes in a name. */
static int
hf_is_token(const uint8_t *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] >= 0x80 || (!isalnum(s[i]) &&
		    strchr("!#$%&'*+-.^_`|~", s[i]) == NULL))
			return (0);
	}
	return (1);
}

/* Space and visible ASCII only: Kore's http_field_content table. */
static int
hf_is_visible(const uint8_t *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return (0);
	}
	return (1);
}

/* 1..HTTP_FRAMING_DIGITS_MAX ASCII digits and nothing else. */
static int
hf_decimal(const uint8_t *s, size_t n, uint64_t *out)
{
	uint64_t	v;
	size_t		i;

	if (n == 0 || n > HTTP_FRAMING_DIGITS_MAX)
		return (-1);
	v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return (0);
}

/* The n bytes at s equal the lowercase word w, ignoring ASCII case. */
static int
hf_name_is(const uint8_t *s, size_t n, const char *w)
{
	return (n == strlen(w) && strncasecmp((const char *)s, w, n) == 0);
}
