/* SPDX-License-Identifier: ISC */
/*
 * The framing of one HTTP/1.1 request head, checked before Kore 4.1's own
 * parser sees it. Kore reads a body only for POST, PUT and PATCH, only by
 * one Content-Length, ignores Transfer-Encoding and Content-Encoding and
 * keeps the first of repeated fields; a head that relies on any of that
 * is refused here with the status and sentence the module answers with.
 */
#ifndef MARIMBA_HTTP_FRAMING_H
#define MARIMBA_HTTP_FRAMING_H

#include <stddef.h>
#include <stdint.h>

/*
 * Kore keeps the request line and at most this many header fields
 * (HTTP_REQ_HEADER_MAX - 2) and silently drops the rest, so a head with
 * more is refused rather than read differently from how it was sent.
 */
#define HTTP_FRAMING_FIELDS_MAX	23
/* Kore's HTTP_URI_LEN - 1: its longest request-target. */
#define HTTP_FRAMING_TARGET_MAX	1998
/* Content-Length digits accepted (fits any size_t Kore uses). */
#define HTTP_FRAMING_DIGITS_MAX	18

struct http_framing {
	size_t		 head_len;	/* the head and its blank line */
	int		 reads_body;	/* POST, PUT, PATCH */
	/*
	 * A method Kore does not know (TRACE, CONNECT, QUERY, ...): to be
	 * answered as OPTIONS is (405 with Allow), the method_len bytes at
	 * method_off rewritten.
	 */
	int		 as_options;
	size_t		 method_off;
	size_t		 method_len;
	int		 has_length;	/* one valid Content-Length */
	uint64_t	 content_length;
	int		 status;	/* 0, or the status to refuse with */
	const char	*error;		/* why, when status != 0 */
};

/*
 * Looks for a whole request head at the start of the len bytes at buf
 * (the end found as Kore finds it: the first "\r\n\r\n", else the first
 * "\n\n"). Returns 0 if there is none yet, 1 with *f filled otherwise.
 * body_max is the largest Content-Length Kore accepts (http_body_max).
 */
int	http_framing_check(const uint8_t *, size_t, uint64_t,
	    struct http_framing *);

/* Bytes of the request at buf: head_len plus the body Kore reads. */
uint64_t	http_framing_request_len(const struct http_framing *);

#endif
