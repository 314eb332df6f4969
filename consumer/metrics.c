/* SPDX-License-Identifier: ISC */
/*
 * Implements metrics.h with a blocking accept loop turn per call: one
 * client at a time, short socket timeouts, a bounded read of the request
 * line only (anything but "GET /metrics" gets a 404). The text is built
 * from each sink's published gauges, so serving never waits on a sink.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

#define METRICS_IO_TIMEOUT_MS	1000
#define METRICS_REQ_MAX		1024
#define METRICS_TEXT_MAX	8192

struct metrics {
	int	fd;
};

static void	metrics_answer(int, struct sink **, size_t);
static int	metrics_write(int, const char *, size_t);
static int	metrics_append(char *, size_t, size_t *, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

struct metrics *
metrics_new(const struct marimba_config *cfg, char *err, size_t errlen)
{
	struct metrics		*m;
	struct sockaddr_in	 sin;
	int			 fd, one;

	err[0] = '\0';
	if (cfg->metrics_port == 0)
		return (NULL);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)cfg->metrics_port);
	if (inet_pton(AF_INET, cfg->metrics_addr, &sin.sin_addr) != 1) {
		(void)snprintf(err, errlen, "MARIMBA_CONSUMER_METRICS_ADDR: "
		    "'%s' is not an IPv4 address", cfg->metrics_addr);
		return (NULL);
	}
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		(void)snprintf(err, errlen, "socket: %s", strerror(errno));
		return (NULL);
	}
	one = 1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 16) == -1) {
		(void)snprintf(err, errlen, "listen on %s:%d: %s",
		    cfg->metrics_addr, cfg->metrics_port, strerror(errno));
		(void)close(fd);
		return (NULL);
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		(void)close(fd);
		return (NULL);
	}
	m->fd = fd;
	return (m);
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	(void)close(m->fd);
	free(m);
}

void
metrics_serve(struct metrics *m, struct sink **sinks, size_t nsinks,
    int wait_ms)
{
	struct pollfd	pfd;
	struct timeval	tv;
	int		cfd;

	pfd.fd = m->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, wait_ms) <= 0)
		return;
	if ((cfd = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		return;
	tv.tv_sec = METRICS_IO_TIMEOUT_MS / 1000;
	tv.tv_usec = (METRICS_IO_TIMEOUT_MS % 1000) * 1000;
	(void)setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	metrics_answer(cfd, sinks, nsinks);
	(void)close(cfd);
}

/* Reads up to the end of the request line, then answers and closes. */
static void
metrics_answer(int fd, struct sink **sinks, size_t nsinks)
{
	static const char	 nf[] = "HTTP/1.0 404 Not Found\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 10\r\n"
	    "Connection: close\r\n\r\nnot found\n";
	char			 req[METRICS_REQ_MAX], text[METRICS_TEXT_MAX];
	char			 head[256];
	size_t			 got;
	ssize_t			 r;
	int			 len, hlen;

	got = 0;
	while (got < sizeof(req) - 1 && memchr(req, '\n', got) == NULL) {
		r = read(fd, req + got, sizeof(req) - 1 - got);
		if (r <= 0)
			return;
		got += (size_t)r;
	}
	req[got] = '\0';
	if (strncmp(req, "GET /metrics ", 13) != 0 &&
	    strncmp(req, "GET /metrics\r", 13) != 0) {
		(void)metrics_write(fd, nf, sizeof(nf) - 1);
		return;
	}
	if ((len = metrics_render(sinks, nsinks, text, sizeof(text))) == -1) {
		log_warn("metrics: text longer than %d bytes",
		    METRICS_TEXT_MAX);
		return;
	}
	hlen = snprintf(head, sizeof(head), "HTTP/1.0 200 OK\r\n"
	    "Content-Type: text/plain; version=0.0.4\r\n"
	    "Content-Length: %d\r\nConnection: close\r\n\r\n", len);
	if (hlen < 0 || (size_t)hlen >= sizeof(head))
		return;
	if (metrics_write(fd, head, (size_t)hlen) == 0)
		(void)metrics_write(fd, text, (size_t)len);
}

int
metrics_render(struct sink **sinks, size_t nsinks, char *buf, size_t len)
{
	struct sink_gauges	g;
	size_t			i, off;
	int			rv;

	off = 0;
	rv = metrics_append(buf, len, &off,
	    "# HELP marimba_consumer_lag_messages Votes on the topic the "
	    "sink's store lacks.\n"
	    "# TYPE marimba_consumer_lag_messages gauge\n"
	    "# HELP marimba_consumer_lag_seconds Age of the oldest vote the "
	    "sink's store lacks.\n"
	    "# TYPE marimba_consumer_lag_seconds gauge\n"
	    "# HELP marimba_consumer_processed_total Votes stored and "
	    "committed by the sink.\n"
	    "# TYPE marimba_consumer_processed_total counter\n"
	    "# HELP marimba_consumer_new_total Votes new to the sink's store "
	    "(not redeliveries).\n"
	    "# TYPE marimba_consumer_new_total counter\n"
	    "# HELP marimba_consumer_consumed_total Messages taken from "
	    "Kafka.\n"
	    "# TYPE marimba_consumer_consumed_total counter\n"
	    "# HELP marimba_consumer_dlq_total Poison messages sent to the "
	    "DLQ.\n"
	    "# TYPE marimba_consumer_dlq_total counter\n"
	    "# HELP marimba_consumer_batches_total Batches stored and "
	    "committed.\n"
	    "# TYPE marimba_consumer_batches_total counter\n"
	    "# HELP marimba_consumer_store_seconds_total Time spent writing "
	    "to the store.\n"
	    "# TYPE marimba_consumer_store_seconds_total counter\n"
	    "# HELP marimba_consumer_store_up 1 while the sink's store takes "
	    "its writes.\n"
	    "# TYPE marimba_consumer_store_up gauge\n");
	for (i = 0; rv == 0 && i < nsinks; i++) {
		sink_gauges(sinks[i], &g);
		rv = metrics_append(buf, len, &off,
		    "marimba_consumer_lag_messages{sink=\"%s\"} %lld\n"
		    "marimba_consumer_lag_seconds{sink=\"%s\"} %.3f\n"
		    "marimba_consumer_processed_total{sink=\"%s\"} %llu\n"
		    "marimba_consumer_new_total{sink=\"%s\"} %llu\n"
		    "marimba_consumer_consumed_total{sink=\"%s\"} %llu\n"
		    "marimba_consumer_dlq_total{sink=\"%s\"} %llu\n"
		    "marimba_consumer_batches_total{sink=\"%s\"} %llu\n"
		    "marimba_consumer_store_seconds_total{sink=\"%s\"} %.3f\n"
		    "marimba_consumer_store_up{sink=\"%s\"} %d\n",
		    g.name, (long long)g.lag_messages, g.name, g.lag_seconds,
		    g.name, (unsigned long long)g.stored,
		    g.name, (unsigned long long)g.fresh,
		    g.name, (unsigned long long)g.consumed,
		    g.name, (unsigned long long)g.poison,
		    g.name, (unsigned long long)g.batches,
		    g.name, (double)g.store_ms / 1000.0,
		    g.name, g.store_up);
	}
	return (rv == 0 ? (int)off : -1);
}

static int
metrics_append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off)
		return (-1);
	*off += (size_t)n;
	return (0);
}

static int
metrics_write(int fd, const char *p, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = write(fd, p, len)) <= 0) {
			if (w == -1 && errno == EINTR)
				continue;
			return (-1);
		}
		p += w;
		len -= (size_t)w;
	}
	return (0);
}
