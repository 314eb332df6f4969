/* SPDX-License-Identifier: ISC */
/*
 * The front door under hostile clients (issue 12), over plain sockets:
 * pipelined requests, Transfer-Encoding, odd Content-Length,
 * Content-Type and Content-Encoding, oversized heads and URLs, and
 * nosniff on every answer. Each case checks the status, the JSON body,
 * whether the connection was closed, and the topic's exact high
 * watermark: a refused or unanswered vote is never produced.
 */
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "net_port.h"
#include "test_raw_http.h"
#include "test_rest_support.h"

#define VOTE	"{\"name\":\"Los Prisioneros\",\"album\":\"Corazones\"," \
		"\"year\":1990,\"rank\":1}"
#define HOST	"Host: 127.0.0.1\r\n"
#define GET_HEALTHZ	"GET /healthz HTTP/1.1\r\n" HOST "\r\n"
/* A POST of VOTE with extra fields (each ending in \r\n) before the body. */
#define POST_VOTE(fields)	"POST /api/votes HTTP/1.1\r\n" HOST \
		"Content-Type: application/json\r\n" fields \
		"Content-Length: 67\r\n\r\n" VOTE
/* Idle wait for a server that keeps the connection open (ms). */
#define IDLE_MS	400

struct front {
	struct rest_fixture	rf;	/* first: see rest_fixture_new() */
	long			produced;	/* votes the topic must hold */
};

static int
front_setup(void **state)
{
	*state = rest_fixture_new(sizeof(struct front), "test-rest-front", 1,
	    NULL, 15000);
	return (*state == NULL ? -1 : 0);
}

/* The same with heads and bodies given 2 s (MARIMBA_HTTP_TIMEOUT_S). */
static int
front_setup_timeout(void **state)
{
	const char	*env[] = { "MARIMBA_HTTP_TIMEOUT_S=2", NULL };

	*state = rest_fixture_new(sizeof(struct front), "test-rest-front-t",
	    1, env, 15000);
	return (*state == NULL ? -1 : 0);
}

static int
front_teardown(void **state)
{
	return (rest_fixture_free(*state));
}

static void
assert_topic(struct front *f)
{
	assert_int_equal(rest_topic_count(f->rf.cfg.kafka_brokers, f->rf.topic),
	    f->produced);
}

/* One exchange; the server is expected to close (idle wait is long). */
static void
exchange(struct front *f, const char *req, size_t len, struct raw_result *r)
{
	assert_int_equal(raw_exchange(f->rf.kore.port, req, len, NULL, 0, 0, 0,
	    IDLE_MS, r), 0);
}

/*
 * Exactly one response with status, nosniff, a JSON body, and the
 * connection closed after it when closed says so.
 */
static void
assert_one(const struct raw_result *r, int status, int closed)
{
	char	v[128];

	if (r->n != 1 || r->r[0].status != status)
		fprintf(stderr, "got %d responses, first %d: %s\n%s\n", r->n,
		    r->r[0].status, r->r[0].head, r->r[0].body);
	assert_int_equal(r->n, 1);
	assert_int_equal(r->r[0].status, status);
	assert_int_equal(r->extra, 0);
	assert_int_equal(raw_field(&r->r[0], "x-content-type-options", v,
	    sizeof(v)), 0);
	assert_string_equal(v, "nosniff");
	assert_int_equal(raw_field(&r->r[0], "content-type", v, sizeof(v)),
	    0);
	assert_string_equal(v, "application/json");
	assert_int_equal(raw_field(&r->r[0], "connection", v, sizeof(v)), 0);
	assert_string_equal(v, closed ? "close" : "keep-alive");
	assert_int_equal(r->closed, closed);
}

/* assert_one() for an error: {"error": ...} holding why. */
static void
assert_error(const struct raw_result *r, int status, const char *why)
{
	char	msg[256];

	assert_one(r, status, 1);
	assert_int_equal(rest_json_string(r->r[0].body, "error", msg,
	    sizeof(msg)), 0);
	if (strstr(msg, why) == NULL)
		fprintf(stderr, "error \"%s\" lacks \"%s\"\n", msg, why);
	assert_non_null(strstr(msg, why));
}

/* A 202 with a vote id. */
static void
assert_accepted(const struct raw_result *r, int closed)
{
	char	id[64];

	assert_one(r, 202, closed);
	assert_int_equal(rest_json_string(r->r[0].body, "id", id,
	    sizeof(id)), 0);
	assert_int_equal(strlen(id), 26);
}

static void
test_pipelined_post_get(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		 req[] = POST_VOTE("") GET_HEALTHZ;

	/* Was: no answer for 10 s, then 408, the vote never produced. */
	exchange(f, req, sizeof(req) - 1, &r);
	assert_accepted(&r, 1);
	assert_true(r.ms < IDLE_MS);	/* closed, not left to idle */
	f->produced++;
	assert_topic(f);
}

static void
test_pipelined_get_post(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		 req[] = GET_HEALTHZ POST_VOTE("");
	char			 st[32];

	/* Was: the POST lost with no answer on an open connection. */
	exchange(f, req, sizeof(req) - 1, &r);
	assert_one(&r, 200, 1);
	assert_int_equal(rest_json_string(r.r[0].body, "status", st,
	    sizeof(st)), 0);
	assert_string_equal(st, "ok");
	assert_topic(f);	/* unanswered, so not produced */
}

static void
test_pipelined_three_gets(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		 req[] = GET_HEALTHZ GET_HEALTHZ GET_HEALTHZ;

	exchange(f, req, sizeof(req) - 1, &r);
	assert_one(&r, 200, 1);
	assert_topic(f);
}

/* Behind a POST parked for Kafka: its body arrives after its head. */
static void
test_pipelined_behind_parked_post(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		 head[] = "POST /api/votes HTTP/1.1\r\n" HOST
	    "Content-Type: application/json\r\nContent-Length: 67\r\n\r\n";
	const char		 rest[] = VOTE GET_HEALTHZ;

	assert_int_equal(raw_exchange(f->rf.kore.port, head, sizeof(head) - 1,
	    rest, sizeof(rest) - 1, 100, 0, IDLE_MS, &r), 0);
	assert_accepted(&r, 1);
	f->produced++;
	assert_topic(f);
}

/* Requests one at a time on one connection stay keep-alive. */
static void
test_keepalive_sequential(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		 get[] = GET_HEALTHZ;
	const char		 post[] = POST_VOTE("");
	int			 fd;

	assert_true((fd = net_connect_loopback(f->rf.kore.port)) != -1);
	assert_int_equal(raw_send(fd, get, sizeof(get) - 1), 0);
	raw_read(fd, 0, 300, 5000, &r);
	assert_one(&r, 200, 0);
	assert_int_equal(raw_send(fd, post, sizeof(post) - 1), 0);
	raw_read(fd, 0, 300, 5000, &r);
	assert_accepted(&r, 0);
	close(fd);
	f->produced++;
	assert_topic(f);
}

static void
test_transfer_encoding(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		*reqs[] = {
		/* CL and TE: CL was used, TE ignored. */
		"POST /api/votes HTTP/1.1\r\n" HOST
		    "Content-Type: application/json\r\n"
		    "Transfer-Encoding: chunked\r\nContent-Length: 67\r\n\r\n"
		    "43\r\n" VOTE "\r\n0\r\n\r\n",
		/* An unknown coding plus CL: was 202. */
		POST_VOTE("Transfer-Encoding: xchunked\r\n"),
		"POST /api/votes HTTP/1.1\r\n" HOST
		    "Content-Type: application/json\r\n"
		    "Transfer-Encoding: chunked\r\n\r\n"
		    "43\r\n" VOTE "\r\n0\r\n\r\n",
		POST_VOTE("Transfer-Encoding: identity\r\n"),
	};
	size_t			 i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		exchange(f, reqs[i], strlen(reqs[i]), &r);
		assert_error(&r, 501, "Transfer-Encoding");
	}
	assert_topic(f);
}

static void
test_content_length(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		*reqs[] = {
		/* Two different values: the first was used, 202. */
		POST_VOTE("Content-Length: 2\r\n"),
		POST_VOTE("Content-Length: 67\r\n"),
		"POST /api/votes HTTP/1.1\r\n" HOST
		    "Content-Type: application/json\r\nContent-Length: +67\r\n"
		    "\r\n" VOTE,
		"POST /api/votes HTTP/1.1\r\n" HOST
		    "Content-Type: application/json\r\nContent-Length: 0x43\r\n"
		    "\r\n" VOTE,
		"POST /api/votes HTTP/1.1\r\n" HOST
		    "Content-Type: application/json\r\nContent-Length: 67, 67"
		    "\r\n\r\n" VOTE,
		"POST /api/votes HTTP/1.1\r\n" HOST
		    "Content-Type: application/json\r\nContent-Length: -1\r\n"
		    "\r\n" VOTE,
	};
	size_t			 i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		exchange(f, reqs[i], strlen(reqs[i]), &r);
		assert_error(&r, 400, "Content-Length");
	}
	/* No Content-Length on a method with a body: JSON, not Kore's. */
	exchange(f, "PUT /api/votes HTTP/1.1\r\n" HOST "\r\n",
	    strlen("PUT /api/votes HTTP/1.1\r\n" HOST "\r\n"), &r);
	assert_error(&r, 411, "Content-Length");
	assert_topic(f);
}

/* Heads Kore refused itself, with an empty 400 or 405. */
static void
test_header_bytes(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		*reqs[][2] = {
		{ POST_VOTE("X-Name: Malacates Tr\xc3\xa9" "bol\r\n"),
		    "non-ASCII" },
		{ POST_VOTE("X-Tab: a\tb\r\n"), "control" },
		{ POST_VOTE("X-Esc: \x1b" "[31m\r\n"), "control" },
		{ POST_VOTE("Accept:\r\n"), "empty" },
		{ POST_VOTE("X-N\xc3\xa4me: b\r\n"), "malformed" },
		{ POST_VOTE("X(1): b\r\n"), "malformed" },
	};
	size_t			 i;

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		exchange(f, reqs[i][0], strlen(reqs[i][0]), &r);
		assert_error(&r, 400, reqs[i][1]);
	}
	/* HTTP/1.0 beyond GET, HEAD, POST: was Kore's empty 405. */
	exchange(f, "DELETE /api/votes HTTP/1.0\r\n" HOST "\r\n",
	    strlen("DELETE /api/votes HTTP/1.0\r\n" HOST "\r\n"), &r);
	assert_error(&r, 505, "HTTP/1.0");
	assert_topic(f);	/* none of them produced */
}

static void
test_content_type_repeated(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		 req[] =
	    POST_VOTE("Content-Type: text/plain\r\n");

	/* json, then text/plain: was 202. */
	exchange(f, req, sizeof(req) - 1, &r);
	assert_error(&r, 400, "Content-Type");
	assert_topic(f);
}

static void
test_content_encoding(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		 gz[] = POST_VOTE("Content-Encoding: gzip\r\n");
	const char		 br[] = POST_VOTE("Content-Encoding: br\r\n");
	const char		 id[] =
	    POST_VOTE("Content-Encoding: identity\r\n");

	exchange(f, gz, sizeof(gz) - 1, &r);
	assert_error(&r, 415, "Content-Encoding");
	exchange(f, br, sizeof(br) - 1, &r);
	assert_error(&r, 415, "Content-Encoding");
	assert_topic(f);

	assert_int_equal(raw_exchange(f->rf.kore.port, id, sizeof(id) - 1, NULL,
	    0, 0, 0, 300, &r), 0);
	assert_accepted(&r, 0);
	f->produced++;
	assert_topic(f);
}

/* Every kind of answer carries nosniff (was: only HTML and log errors). */
static void
test_nosniff_everywhere(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		*reqs[] = {
		"GET /api/votes HTTP/1.1\r\n" HOST "\r\n",
		"HEAD /api/votes HTTP/1.1\r\n" HOST "\r\n",
		"GET /api/logs?limit=1 HTTP/1.1\r\n" HOST "\r\n",
		"GET /api/logs?limit=0 HTTP/1.1\r\n" HOST "\r\n",
		"GET /healthz HTTP/1.1\r\n" HOST "\r\n",
		"GET /readyz HTTP/1.1\r\n" HOST "\r\n",
		"GET /metrics HTTP/1.1\r\n" HOST "\r\n",
		"GET / HTTP/1.1\r\n" HOST "\r\n",
		"GET /fragments/stats HTTP/1.1\r\n" HOST "\r\n",
		"GET /assets/marimba.css HTTP/1.1\r\n" HOST "\r\n",
		"GET /nope HTTP/1.1\r\n" HOST "\r\n",
		"DELETE /healthz HTTP/1.1\r\n" HOST "\r\n",
		"POST /api/votes HTTP/1.1\r\n" HOST
		    "Content-Type: application/json\r\nContent-Length: 2\r\n"
		    "\r\n{}",
		POST_VOTE(""),
		"BREW / HTTP/1.1\r\n" HOST "\r\n",
		"GET /healthz HTTP/1.1\r\n" HOST "Transfer-Encoding: x\r\n\r\n",
	};
	size_t			 i;
	char			 v[64];

	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		assert_int_equal(raw_exchange(f->rf.kore.port, reqs[i],
		    strlen(reqs[i]), NULL, 0, 0,
		    strncmp(reqs[i], "HEAD", 4) == 0, 200, &r), 0);
		assert_int_equal(r.n, 1);
		if (raw_field(&r.r[0], "x-content-type-options", v,
		    sizeof(v)) != 0)
			fprintf(stderr, "no nosniff: %s\n", r.r[0].head);
		assert_int_equal(raw_field(&r.r[0], "x-content-type-options",
		    v, sizeof(v)), 0);
		assert_string_equal(v, "nosniff");
	}
	f->produced++;		/* the one valid POST */
	assert_topic(f);
}

/* Was a TCP reset: now 414/431 with a JSON body. */
static void
test_oversized(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	char			*req, msg[64];
	size_t			 off, i;

	if ((req = malloc(64 * 1024)) == NULL)
		fail();

	/* One field over 4 KiB. */
	off = (size_t)snprintf(req, 64 * 1024, "GET /healthz HTTP/1.1\r\n"
	    HOST "X-Big: ");
	memset(req + off, 'a', 5000);
	off += 5000;
	memcpy(req + off, "\r\n\r\n", 5);
	exchange(f, req, strlen(req), &r);
	assert_error(&r, 431, "header");

	/* 1000 fields. */
	off = (size_t)snprintf(req, 64 * 1024, "GET /healthz HTTP/1.1\r\n"
	    HOST);
	for (i = 0; i < 1000; i++)
		off += (size_t)snprintf(req + off, 64 * 1024 - off,
		    "X-%zu: 1\r\n", i);
	memcpy(req + off, "\r\n", 3);
	exchange(f, req, strlen(req), &r);
	assert_error(&r, 431, "header");

	/* 30 short fields: Kore would drop those past its 23rd. */
	off = (size_t)snprintf(req, 64 * 1024, "GET /healthz HTTP/1.1\r\n"
	    HOST);
	for (i = 0; i < 30; i++)
		off += (size_t)snprintf(req + off, 64 * 1024 - off,
		    "X-%zu: 1\r\n", i);
	memcpy(req + off, "\r\n", 3);
	exchange(f, req, strlen(req), &r);
	assert_error(&r, 431, "header");

	/* An 8 KB URL, and one of 2500 bytes that fits the buffer. */
	memcpy(req, "GET /", 5);
	memset(req + 5, 'a', 8192);
	memcpy(req + 5 + 8192, " HTTP/1.1\r\n" HOST "\r\n",
	    sizeof(" HTTP/1.1\r\n" HOST "\r\n"));
	exchange(f, req, strlen(req), &r);
	assert_error(&r, 414, "too long");
	memcpy(req + 5 + 2500, " HTTP/1.1\r\n" HOST "\r\n",
	    sizeof(" HTTP/1.1\r\n" HOST "\r\n"));
	exchange(f, req, strlen(req), &r);
	assert_error(&r, 414, "too long");
	free(req);

	/*
	 * Methods Kore 4.1 does not know (it answered an empty 400): 405
	 * with Allow, as OPTIONS.
	 */
	assert_int_equal(raw_exchange(f->rf.kore.port, "QUERY /api/votes "
	    "HTTP/1.1\r\n" HOST "\r\n", strlen("QUERY /api/votes HTTP/1.1"
	    "\r\n" HOST "\r\n"), NULL, 0, 0, 0, 300, &r), 0);
	assert_one(&r, 405, 0);
	assert_int_equal(raw_field(&r.r[0], "allow", msg, sizeof(msg)), 0);
	assert_string_equal(msg, "GET, HEAD, POST");
	assert_int_equal(raw_exchange(f->rf.kore.port, "TRACE /healthz HTTP/1.1"
	    "\r\n" HOST "\r\n", strlen("TRACE /healthz HTTP/1.1\r\n" HOST
	    "\r\n"), NULL, 0, 0, 0, 300, &r), 0);
	assert_one(&r, 405, 0);
	assert_int_equal(raw_field(&r.r[0], "allow", msg, sizeof(msg)), 0);
	assert_string_equal(msg, "GET, HEAD");

	/* The server still answers. */
	exchange(f, GET_HEALTHZ "", strlen(GET_HEALTHZ), &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.r[0].status, 200);
	assert_topic(f);
}

/*
 * Sends first, then one byte of more every 300 ms (so the idle timer
 * never fires) until the server answers or 5 s pass, and reads what it
 * answers. Stops sending as soon as anything arrives: a byte sent after
 * the server closed would draw a reset that can eat the answer.
 */
static void
trickle(struct front *f, const char *first, const char *more,
    struct raw_result *r)
{
	struct pollfd	pfd;
	size_t		i;
	int		fd;

	assert_true((fd = net_connect_loopback(f->rf.kore.port)) != -1);
	assert_int_equal(raw_send(fd, first, strlen(first)), 0);
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (i = 0; i < 16 && more[i] != '\0'; i++) {
		if (poll(&pfd, 1, 300) != 0)
			break;
		if (raw_send(fd, more + i, 1) == -1)
			break;
	}
	raw_read(fd, 0, 1000, 5000, r);
	close(fd);
}

/*
 * A head or a body that never completes: a JSON 408 once
 * MARIMBA_HTTP_TIMEOUT_S (2 s) has passed (was Kore's empty 408), the
 * connection closed, nothing produced.
 */
static void
test_late_head_and_body(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		 head[] = "GET /healthz HTTP/1.1\r\n" HOST;
	const char		 post[] = "POST /api/votes HTTP/1.1\r\n" HOST
	    "Content-Type: application/json\r\nContent-Length: 67\r\n\r\n";
	int64_t			 t0;

	t0 = marimba_mono_ms();
	trickle(f, head, "X-Slow: aaaaaaaaaaaaaaa", &r);
	assert_error(&r, 408, "in time");
	assert_true(marimba_mono_ms() - t0 < 4000);

	t0 = marimba_mono_ms();
	trickle(f, post, "{\"name\":\"Alux Nahu", &r);
	assert_error(&r, 408, "in time");
	assert_true(marimba_mono_ms() - t0 < 4000);
	assert_topic(f);
}

/* An idle keep-alive connection is closed quietly, never given a 408. */
static void
test_idle_keepalive_quiet(void **state)
{
	struct front		*f = *state;
	struct raw_result	 r;
	const char		 get[] = GET_HEALTHZ;
	int			 fd;

	assert_true((fd = net_connect_loopback(f->rf.kore.port)) != -1);
	assert_int_equal(raw_send(fd, get, sizeof(get) - 1), 0);
	/* Read until the server closes (keep-alive 1 s here), up to 5 s. */
	raw_read(fd, 0, 5000, 5000, &r);
	close(fd);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.r[0].status, 200);
	assert_int_equal(r.extra, 0);
	assert_true(r.closed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined_post_get),
		cmocka_unit_test(test_pipelined_get_post),
		cmocka_unit_test(test_pipelined_three_gets),
		cmocka_unit_test(test_pipelined_behind_parked_post),
		cmocka_unit_test(test_keepalive_sequential),
		cmocka_unit_test(test_transfer_encoding),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_content_type_repeated),
		cmocka_unit_test(test_header_bytes),
		cmocka_unit_test(test_content_encoding),
		cmocka_unit_test(test_nosniff_everywhere),
		cmocka_unit_test(test_oversized),
	};
	const struct CMUnitTest timeouts[] = {
		cmocka_unit_test(test_late_head_and_body),
		cmocka_unit_test(test_idle_keepalive_quiet),
	};
	int			failed;

	failed = cmocka_run_group_tests(tests, front_setup, front_teardown);
	failed += cmocka_run_group_tests(timeouts, front_setup_timeout,
	    front_teardown);
	return (failed);
}
