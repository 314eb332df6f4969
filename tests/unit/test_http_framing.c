/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for lib/http_framing.c: which request heads the front door
 * lets Kore parse, which it refuses and with what status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http_framing.h"

#define BODY_MAX	1000

static int
check(const char *s, struct http_framing *f)
{
	return (http_framing_check((const uint8_t *)s, strlen(s), BODY_MAX,
	    f));
}

/* s is a whole head refused with status and a message holding why. */
static void
refused(const char *s, int status, const char *why)
{
	struct http_framing	f;

	assert_int_equal(check(s, &f), 1);
	if (f.status != status)
		fprintf(stderr, "%s: got %d\n", s, f.status);
	assert_int_equal(f.status, status);
	assert_non_null(f.error);
	assert_non_null(strstr(f.error, why));
}

static void
test_incomplete(void **state)
{
	struct http_framing	f;

	(void)state;
	assert_int_equal(check("", &f), 0);
	assert_int_equal(check("GET / HTTP/1.1\r\nHost: a\r\n", &f), 0);
	assert_int_equal(check("GET / HTTP/1.1\r\nHost: a\r\n\r", &f), 0);
}

static void
test_plain(void **state)
{
	struct http_framing	f;
	const char		get[] =
	    "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n";
	const char		post[] = "POST /api/votes HTTP/1.1\r\n"
	    "host: a\r\nContent-Type: application/json\r\n"
	    "Content-Length:  12 \r\nContent-Encoding: Identity\r\n\r\n"
	    "{\"a\":1}";

	(void)state;
	assert_int_equal(check(get, &f), 1);
	assert_int_equal(f.status, 0);
	assert_int_equal(f.head_len, strlen(get));
	assert_false(f.reads_body);
	assert_int_equal(http_framing_request_len(&f), strlen(get));

	assert_int_equal(check(post, &f), 1);
	assert_int_equal(f.status, 0);
	assert_true(f.reads_body);
	assert_true(f.has_length);
	assert_int_equal(f.content_length, 12);
	assert_int_equal(http_framing_request_len(&f), f.head_len + 12);

	/* LF-only heads, as Kore also takes them. */
	assert_int_equal(check("HEAD /x HTTP/1.0\nHost: a\n\n", &f), 1);
	assert_int_equal(f.status, 0);
	assert_int_equal(f.head_len, strlen("HEAD /x HTTP/1.0\nHost: a\n\n"));
	/* Other HTTP/1.0 methods were Kore's empty 405. */
	refused("DELETE /x HTTP/1.0\nHost: a\n\n", 505, "HTTP/1.0");
	refused("OPTIONS /x HTTP/1.0\r\nHost: a\r\n\r\n", 505, "HTTP/1.0");
	refused("QUERY /x HTTP/1.0\r\nHost: a\r\n\r\n", 505, "HTTP/1.0");
}

/* A body on GET, DELETE, OPTIONS: Kore does not read it. */
static void
test_unread_body(void **state)
{
	struct http_framing	f;
	const char		s[] =
	    "OPTIONS /api/votes HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 34\r\n\r\n";

	(void)state;
	assert_int_equal(check(s, &f), 1);
	assert_int_equal(f.status, 0);
	assert_false(f.reads_body);
	assert_true(f.has_length);
	assert_int_equal(f.content_length, 34);
	/* Only the head is Kore's request: the rest must not be parsed. */
	assert_int_equal(http_framing_request_len(&f), strlen(s));
}

/* Two heads back to back: only the first is this request. */
static void
test_pipelined(void **state)
{
	struct http_framing	f;
	const char		a[] = "POST /api/votes HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 2\r\n\r\n{}";
	char			s[256];

	(void)state;
	snprintf(s, sizeof(s), "%sGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
	    a);
	assert_int_equal(check(s, &f), 1);
	assert_int_equal(f.status, 0);
	assert_int_equal(http_framing_request_len(&f), strlen(a));
}

static void
test_transfer_encoding(void **state)
{
	(void)state;
	refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", 501, "Transfer-Encoding");
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "transfer-encoding: xchunked\r\n\r\n", 501, "Transfer-Encoding");
	refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked"
	    "\r\n\r\n", 501, "Transfer-Encoding");
	refused("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity"
	    "\r\n\r\n", 501, "Transfer-Encoding");
}

static void
test_content_length(void **state)
{
	(void)state;
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
	    "Content-Length: 3\r\n\r\n", 400, "repeated Content-Length");
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
	    "Content-Length: 2\r\n\r\n", 400, "repeated Content-Length");
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +2\r\n\r\n",
	    400, "decimal");
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
	    400, "decimal");
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n",
	    400, "decimal");
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n",
	    400, "decimal");
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\n",
	    400, "decimal");
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n",
	    400, "decimal");
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "9999999999999999999\r\n\r\n", 400, "decimal");
	refused("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n",
	    400, "decimal");
	refused("POST / HTTP/1.1\r\nHost: a\r\n\r\n", 411, "required");
	refused("PATCH / HTTP/1.1\r\nHost: a\r\n\r\n", 411, "required");
	refused("PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n",
	    413, "too large");
}

static void
test_fields(void **state)
{
	char	s[2048];
	size_t	off;
	int	i;

	(void)state;
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
	    "Content-Type: application/json\r\nContent-Type: text/plain"
	    "\r\n\r\n", 400, "repeated Content-Type");
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
	    "Content-Encoding: gzip\r\n\r\n", 415, "identity");
	refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"
	    "Content-Encoding: br\r\n\r\n", 415, "identity");
	refused("GET / HTTP/1.1\r\n\r\n", 400, "Host");
	refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host");
	refused("GET / HTTP/1.1\r\nHostile: b\r\nHost: a\r\n\r\n", 400,
	    "Host");
	refused("GET / HTTP/1.1\r\nHost: a\r\nBad Name: b\r\n\r\n", 400,
	    "malformed header");
	refused("GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n",
	    400, "malformed header");
	refused("GET / HTTP/1.1\r\nHost: a\r\nno colon\r\n\r\n", 400,
	    "malformed header");
	/* Bytes Kore's own tables refuse (it answered an empty 400). */
	refused("GET / HTTP/1.1\r\nHost: a\r\nX(y): b\r\n\r\n", 400,
	    "malformed header");
	refused("GET / HTTP/1.1\r\nHost: a\r\nN\xc3\xa9: b\r\n\r\n", 400,
	    "malformed header");
	refused("GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n", 400,
	    "non-ASCII");
	refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n", 400,
	    "control");
	refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", 400,
	    "control");
	refused("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", 400, "control");
	refused("GET / HTTP/1.1\r\nHost: a\r\nAccept:\r\n\r\n", 400,
	    "empty header field value");
	refused("GET / HTTP/1.1\r\nHost:  \r\n\r\n", 400,
	    "empty header field value");
	{
		struct http_framing	f;

		/* Spaces around a value and inside it are fine. */
		assert_int_equal(check("GET / HTTP/1.1\r\nHost: a\r\n"
		    "User-Agent:  x y/1.0 (z) \r\n\r\n", &f), 1);
		assert_int_equal(f.status, 0);
	}
	{
		struct http_framing	f;
		const char		nul[] = "GET / HTTP/1.1\r\nHost: a\r\n"
		    "X: a\0\r\nContent-Length: 5\r\n\r\n";

		assert_int_equal(http_framing_check((const uint8_t *)nul,
		    sizeof(nul) - 1, BODY_MAX, &f), 1);
		assert_int_equal(f.status, 400);
		assert_non_null(strstr(f.error, "NUL"));
	}

	off = (size_t)snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 1; i < HTTP_FRAMING_FIELDS_MAX; i++)
		off += (size_t)snprintf(s + off, sizeof(s) - off, "X%d: 1\r\n",
		    i);
	snprintf(s + off, sizeof(s) - off, "\r\n");
	{
		struct http_framing	f;

		assert_int_equal(check(s, &f), 1);
		assert_int_equal(f.status, 0);
	}
	snprintf(s + off, sizeof(s) - off, "X0: 1\r\n\r\n");
	refused(s, 431, "too many");
}

static void
test_request_line(void **state)
{
	char	s[4096];

	(void)state;
	{
		struct http_framing	f;
		const char		lead[] = "\r\n  trace / HTTP/1.1\r\n"
		    "Host: a\r\n\r\n";

		assert_int_equal(check(lead, &f), 1);
		assert_int_equal(f.status, 0);
		assert_true(f.as_options);
		assert_int_equal(f.method_off, 4);
		assert_int_equal(f.method_len, 5);
		assert_false(f.reads_body);
		assert_int_equal(check("QUERY / HTTP/1.1\r\nHost: a\r\n\r\n",
		    &f), 1);
		assert_true(f.as_options);
		assert_int_equal(f.method_len, 5);
		assert_int_equal(check("M / HTTP/1.1\r\nHost: a\r\n\r\n",
		    &f), 1);
		assert_true(f.as_options);
		assert_int_equal(f.method_len, 1);
	}
	refused("BR(W / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "request line");
	refused("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "version");
	refused("GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", 400, "request line");
	refused("GET /\r\nHost: a\r\n\r\n", 400, "request line");
	memset(s, 0, sizeof(s));
	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', HTTP_FRAMING_TARGET_MAX);
	strcat(s, " HTTP/1.1\r\nHost: a\r\n\r\n");
	refused(s, 414, "too long");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_unread_body),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_transfer_encoding),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_request_line),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
