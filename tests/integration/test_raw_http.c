/* SPDX-License-Identifier: ISC */
/*
 * Plain-socket HTTP for the front door's tests (see test_raw_http.h).
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "net_port.h"
#include "test_raw_http.h"

#define RAW_BUF_MAX	(256 * 1024)

static size_t	raw_parse_one(const char *, size_t, int,
		    struct raw_response *);
static void	raw_split(const char *, size_t, int, struct raw_result *);

int
raw_send(int fd, const void *data, size_t len)
{
	const char	*p = data;
	ssize_t		 n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/*
 * One response at buf (len bytes): 0 if it is not complete, else the
 * bytes it takes.
 */
static size_t
raw_parse_one(const char *buf, size_t len, int head,
    struct raw_response *r)
{
	const char	*end, *p;
	char		 cl[32];
	size_t		 hlen, blen;

	memset(r, 0, sizeof(*r));
	if ((end = memmem(buf, len, "\r\n\r\n", 4)) == NULL)
		return (0);
	hlen = (size_t)(end - buf) + 4;
	if (sscanf(buf, "HTTP/1.%*c %d", &r->status) != 1)
		return (0);
	(void)snprintf(r->head, sizeof(r->head), "%.*s", (int)(hlen - 4),
	    buf);
	blen = 0;
	if (!head && r->status != 204 && r->status != 304 &&
	    raw_field(r, "content-length", cl, sizeof(cl)) == 0)
		blen = strtoul(cl, NULL, 10);
	if (len - hlen < blen)
		return (0);
	p = buf + hlen;
	r->body_len = blen;
	(void)snprintf(r->body, sizeof(r->body), "%.*s", (int)blen, p);
	return (hlen + blen);
}

void
raw_read(int fd, int head_first, long idle_ms, long max_ms,
    struct raw_result *res)
{
	raw_read_n(fd, head_first, 0, idle_ms, max_ms, res);
}

/* Splits the len bytes at buf into res's responses. */
static void
raw_split(const char *buf, size_t len, int head_first,
    struct raw_result *res)
{
	size_t	off, used;

	res->n = 0;
	off = 0;
	while (res->n < RAW_MAX_RESPONSES && (used = raw_parse_one(buf + off,
	    len - off, head_first && res->n == 0, &res->r[res->n])) > 0) {
		off += used;
		res->n++;
	}
	res->extra = len - off;
}

void
raw_read_n(int fd, int head_first, int want, long idle_ms, long max_ms,
    struct raw_result *res)
{
	struct pollfd	 pfd;
	char		*buf;
	size_t		 len;
	ssize_t		 n;
	long		 start, last, now, wait;

	memset(res, 0, sizeof(*res));
	start = last = marimba_mono_ms();
	len = 0;
	if ((buf = malloc(RAW_BUF_MAX)) == NULL)
		return;
	for (;;) {
		now = marimba_mono_ms();
		wait = idle_ms - (now - last);
		if (max_ms - (now - start) < wait)
			wait = max_ms - (now - start);
		if (wait <= 0)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)wait) <= 0)
			continue;
		n = recv(fd, buf + len, RAW_BUF_MAX - len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			res->closed = 1;
			break;
		}
		len += (size_t)n;
		last = marimba_mono_ms();
		if (len == RAW_BUF_MAX)
			break;
		if (want > 0) {
			raw_split(buf, len, head_first, res);
			if (res->n >= want)
				break;
		}
	}
	res->ms = marimba_mono_ms() - start;
	raw_split(buf, len, head_first, res);
	free(buf);
}

int
raw_exchange(int port, const char *req, size_t len, const char *later,
    size_t laterlen, long pause_ms, int head_first, long idle_ms,
    struct raw_result *res)
{
	struct timespec	ts;
	int		fd;

	if ((fd = net_connect_loopback(port)) == -1)
		return (-1);
	(void)raw_send(fd, req, len);
	if (later != NULL) {
		ts.tv_sec = pause_ms / 1000;
		ts.tv_nsec = (pause_ms % 1000) * 1000000L;
		(void)nanosleep(&ts, NULL);
		/* The server may have closed already: that is fine. */
		(void)raw_send(fd, later, laterlen);
	}
	raw_read(fd, head_first, idle_ms, 15000, res);
	close(fd);
	return (0);
}

int
raw_field(const struct raw_response *r, const char *name, char *out,
    size_t outlen)
{
	const char	*p, *v, *e;
	size_t		 n;

	n = strlen(name);
	for (p = strstr(r->head, "\r\n"); p != NULL; p = strstr(p, "\r\n")) {
		p += 2;
		if (strncasecmp(p, name, n) != 0 || p[n] != ':')
			continue;
		v = p + n + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		if ((e = strstr(v, "\r\n")) == NULL)
			e = v + strlen(v);
		(void)snprintf(out, outlen, "%.*s", (int)(e - v), v);
		return (0);
	}
	return (-1);
}
