/* SPDX-License-Identifier: ISC */
/*
 * Starting and stopping the tests' MongoDB wire proxies (see
 * test_mongo_proxy.h).
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deconst.h"
#include "net_port.h"
#include "test_mongo_proxy.h"

#define PROXY_ARGS_MAX	8
#define PROXY_READY_MS	30000

static int	proxy_wait_ready(int, const char *, int);
static int	proxy_upstream(const char *, char *, size_t, char *, size_t);

int
mongo_proxy_start(const char *script, const char *uri,
    const char *const *extra, pid_t *pid)
{
	const char	*argv[PROXY_ARGS_MAX + 6];
	char		 lport[16], host[128], uport[16];
	size_t		 n, i;
	int		 p[2], port, rc;

	*pid = -1;
	if (proxy_upstream(uri, host, sizeof(host), uport,
	    sizeof(uport)) == -1) {
		fprintf(stderr, "mongo proxy: no host:port in %s\n", uri);
		return (-1);
	}
	if ((port = net_free_port()) == -1)
		return (-1);
	(void)snprintf(lport, sizeof(lport), "%d", port);
	n = 0;
	argv[n++] = "python3";
	argv[n++] = script;
	argv[n++] = lport;
	argv[n++] = host;
	argv[n++] = uport;
	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		if (i == PROXY_ARGS_MAX)
			return (-1);
		argv[n++] = extra[i];
	}
	argv[n] = NULL;

	if (pipe(p) == -1)
		return (-1);
	if ((*pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (*pid == 0) {
		(void)dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execvp("python3", DECONST(char *const *, argv));
		_exit(127);
	}
	close(p[1]);
	rc = proxy_wait_ready(p[0], script, PROXY_READY_MS);
	close(p[0]);
	if (rc == -1) {
		mongo_proxy_stop(pid);
		return (-1);
	}
	return (port);
}

void
mongo_proxy_stop(pid_t *pid)
{
	if (*pid > 0) {
		(void)kill(*pid, SIGTERM);
		(void)waitpid(*pid, NULL, 0);
	}
	*pid = -1;
}

/*
 * Reads the proxy's output until its "ready" line, for at most
 * timeout_ms; 0 once seen. EINTR is retried, and anything else it
 * printed is shown, so a failure says why.
 */
static int
proxy_wait_ready(int fd, const char *script, int timeout_ms)
{
	struct pollfd	pfd;
	char		buf[512];
	size_t		len;
	ssize_t		n;
	int		waited;

	len = 0;
	buf[0] = '\0';
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (waited = 0; waited < timeout_ms; waited += 100) {
		if (poll(&pfd, 1, 100) == -1 && errno != EINTR)
			break;
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "ready\n") != NULL)
			return (0);
		if (len == sizeof(buf) - 1)
			break;
	}
	fprintf(stderr, "%s never said ready; it said: \"%s\"\n", script, buf);
	return (-1);
}

/* host and port of a "mongodb://host:port/..." URI; 0 if found. */
static int
proxy_upstream(const char *uri, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const char	*h, *colon;
	int		 p;

	if ((h = strstr(uri, "://")) == NULL)
		return (-1);
	h += 3;
	if ((colon = strchr(h, ':')) == NULL || colon == h ||
	    (size_t)(colon - h) >= hostlen)
		return (-1);
	if ((p = atoi(colon + 1)) <= 0 || p > 65535)
		return (-1);
	(void)snprintf(host, hostlen, "%.*s", (int)(colon - h), h);
	(void)snprintf(port, portlen, "%d", p);
	return (0);
}
