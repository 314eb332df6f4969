/* SPDX-License-Identifier: ISC */
/*
 * keepalive_flood PORT IDLE SAMPLES: opens IDLE keep-alive connections to
 * 127.0.0.1:PORT (each answers one GET /healthz, then stays open and
 * idle), then times SAMPLES control requests (a new connection, GET
 * /healthz, the whole answer) and prints their latency. bench/
 * keepalive-bench runs it with no idle connections (the baseline) and
 * with 1,600.
 */
#include <sys/resource.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net_port.h"

#define REQ	"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

static double
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6);
}

/* Sends one GET /healthz on fd and reads its whole answer. 0 if 200. */
static int
healthz(int fd)
{
	char		 buf[2048];
	const char	*end, *cl;
	size_t		 len, want;
	ssize_t		 n;

	if (send(fd, REQ, strlen(REQ), MSG_NOSIGNAL) != (ssize_t)strlen(REQ))
		return (-1);
	len = 0;
	want = 0;
	for (;;) {
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		len += (size_t)n;
		buf[len] = '\0';
		if (want == 0 && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			if ((cl = strcasestr(buf, "content-length:")) == NULL)
				return (-1);
			want = (size_t)(end - buf) + 4 +
			    strtoul(cl + 15, NULL, 10);
		}
		if (want > 0 && len >= want)
			break;
		if (len == sizeof(buf) - 1)
			return (-1);
	}
	return (strncmp(buf, "HTTP/1.1 200", 12) == 0 ? 0 : -1);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

int
main(int argc, char **argv)
{
	struct rlimit	 rl;
	double		*lat, t0;
	int		*fds, port, idle, samples, i, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: keepalive_flood port idle samples\n");
		return (2);
	}
	port = atoi(argv[1]);
	idle = atoi(argv[2]);
	samples = atoi(argv[3]);
	if (port <= 0 || idle < 0 || samples <= 0)
		return (2);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)idle + 64) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((fds = calloc((size_t)idle + 1, sizeof(*fds))) == NULL ||
	    (lat = calloc((size_t)samples, sizeof(*lat))) == NULL)
		return (1);

	for (i = 0; i < idle; i++) {
		if ((fds[i] = net_connect_loopback(port)) == -1 ||
		    healthz(fds[i]) != 0) {
			fprintf(stderr, "idle connection %d failed: %s\n", i,
			    strerror(errno));
			return (1);
		}
	}
	for (i = 0; i < samples; i++) {
		t0 = now_ms();
		if ((fd = net_connect_loopback(port)) == -1 ||
		    healthz(fd) != 0) {
			fprintf(stderr, "control request %d failed\n", i);
			return (1);
		}
		lat[i] = now_ms() - t0;
		close(fd);
	}
	qsort(lat, (size_t)samples, sizeof(*lat), cmp_double);
	printf("idle=%-5d samples=%d p50=%.2f ms p99=%.2f ms max=%.2f ms\n",
	    idle, samples, lat[samples / 2], lat[(samples * 99) / 100],
	    lat[samples - 1]);
	for (i = 0; i < idle; i++)
		close(fds[i]);
	free(fds);
	free(lat);
	return (0);
}
