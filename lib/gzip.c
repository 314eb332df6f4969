/* SPDX-License-Identifier: ISC */
/*
 * gzip for HTTP answers: the Accept-Encoding test (RFC 9110 12.5.3: a
 * coding is refused only by q=0) and one-shot compression with zlib's
 * deflate in gzip format, at a level that costs little CPU per answer.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "gzip.h"

#define GZIP_LEVEL	6
#define GZIP_WINDOW	(15 + 16)	/* 32 KB window, gzip header */
#define GZIP_MEMLEVEL	8

static int	coding_q_zero(const char *, const char *);

int
gzip_accepted(const char *ae)
{
	const char	*p, *end, *semi;
	size_t		 n;
	int		 star = 0, gzip = -1;

	if (ae == NULL)
		return (0);
	for (p = ae; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
			semi = end;
		n = (size_t)(semi - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if ((n == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(p, "x-gzip", 6) == 0))
			gzip = !coding_q_zero(semi, end);
		else if (n == 1 && *p == '*')
			star = !coding_q_zero(semi, end);
		if (*end == '\0')
			break;
	}
	/* A coding named outright wins over "*". */
	return (gzip != -1 ? gzip : star);
}

/* 1 if the parameters in [p, end) say q=0 (0, 0.0, 0.00, 0.000). */
static int
coding_q_zero(const char *p, const char *end)
{
	const char	*v;

	for (; p < end; p++) {
		if (*p != ';')
			continue;
		v = p + 1;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if (v + 1 >= end || (v[0] != 'q' && v[0] != 'Q'))
			continue;
		v++;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if (v >= end || *v != '=')
			continue;
		v++;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		if (v >= end || *v != '0')
			return (0);
		for (v++; v < end && *v != ';' && *v != ' ' && *v != '\t';
		    v++) {
			if (*v != '.' && *v != '0')
				return (0);
		}
		return (1);
	}
	return (0);
}

int
gzip_compress(const void *src, size_t len, uint8_t **out, size_t *outlen)
{
	z_stream	z;
	uLong		cap;
	int		rc;

	*out = NULL;
	*outlen = 0;
	if (len > 0x7fffffffUL)
		return (-1);
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, GZIP_WINDOW,
	    GZIP_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
		return (-1);
	/* deflateBound covers the zlib wrapper; the gzip one is 12 more. */
	cap = deflateBound(&z, (uLong)len) + 12;
	if ((*out = malloc(cap)) == NULL) {
		(void)deflateEnd(&z);
		return (-1);
	}
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = (uInt)len;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	*outlen = z.total_out;
	(void)deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		return (-1);
	}
	return (0);
}
