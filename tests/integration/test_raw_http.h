/* SPDX-License-Identifier: ISC */
/*
 * HTTP/1.1 over a plain socket for the tests of the front door: send
 * bytes exactly as written (pipelined requests, odd framing) and split
 * what comes back into responses, so a test can count them.
 */
#ifndef MARIMBA_TEST_RAW_HTTP_H
#define MARIMBA_TEST_RAW_HTTP_H

#include <stddef.h>

#define RAW_MAX_RESPONSES	4

struct raw_response {
	int		status;
	char		head[2048];	/* status line and fields */
	char		body[4096];	/* NUL-terminated, cut to fit */
	size_t		body_len;	/* as announced by content-length */
};

struct raw_result {
	int			n;	/* complete responses */
	struct raw_response	r[RAW_MAX_RESPONSES];
	int			closed;	/* the server closed (EOF, reset) */
	size_t			extra;	/* bytes after the last response */
	long			ms;	/* until closed or idle */
};

/* Sends all len bytes (no SIGPIPE); 0, or -1 if the peer is gone. */
int	raw_send(int, const void *, size_t);

/*
 * Reads until the server closes, or until idle_ms pass with nothing new
 * (at most max_ms in all), and parses the responses. head_first: the
 * first response answers a HEAD (a body announced but not sent).
 */
void	raw_read(int, int, long, long, struct raw_result *);

/* raw_read() that also stops once want responses are complete. */
void	raw_read_n(int, int, int, long, long, struct raw_result *);

/*
 * One exchange on a new connection: sends req, then (if later is not
 * NULL) waits pause_ms and sends later, and reads as raw_read().
 * 0, or -1 if it could not connect.
 */
int	raw_exchange(int, const char *, size_t, const char *, size_t, long,
	    int, long, struct raw_result *);

/* Copies the value of field name (any case) of r into out; 0 if found. */
int	raw_field(const struct raw_response *, const char *, char *, size_t);

#endif
