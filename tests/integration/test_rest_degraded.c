/* SPDX-License-Identifier: ISC */
/*
 * Readiness that reflects the reads the page depends on (issue 21): a
 * MongoDB that answers hello and ping but never answers a log read (the
 * find is swallowed by mongo_stall_proxy.py in front of the real
 * server) makes /api/logs answer 503 "did not answer in time", and then
 * /readyz says "degraded" (still 200: votes are taken) and /metrics
 * marimba_dependency_degraded{dependency="mongo"} 1.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "net_port.h"
#include "test_rest_support.h"

#ifndef MARIMBA_SOURCE_DIR
#error "MARIMBA_SOURCE_DIR must be defined by CMake"
#endif

struct degraded {
	struct rest_kore	kore;
	pid_t			proxy;
};

/*
 * Reads the proxy's output until its "ready" line, for at most
 * timeout_ms; 0 once seen. EINTR is retried, and anything else it
 * printed is shown, so a failure says why.
 */
static int
proxy_wait_ready(int fd, int timeout_ms)
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
	fprintf(stderr, "mongo_stall_proxy.py never said ready; it said: "
	    "\"%s\"\n", buf);
	return (-1);
}

/* Starts the proxy on a free port in front of host:port; its port. */
static int
proxy_start(struct degraded *d, const char *host, int port)
{
	char	lport[16], uport[16];
	int	p[2], listen_port, rc;

	if ((listen_port = net_free_port()) == -1 || pipe(p) == -1)
		return (-1);
	(void)snprintf(lport, sizeof(lport), "%d", listen_port);
	(void)snprintf(uport, sizeof(uport), "%d", port);
	if ((d->proxy = fork()) == -1)
		return (-1);
	if (d->proxy == 0) {
		(void)dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execlp("python3", "python3", MARIMBA_SOURCE_DIR
		    "/tests/integration/mongo_stall_proxy.py", lport, host,
		    uport, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	rc = proxy_wait_ready(p[0], 30000);
	close(p[0]);
	return (rc == 0 ? listen_port : -1);
}

/* host and port of a "mongodb://host:port/..." URI; 0 if found. */
static int
mongo_host_port(const char *uri, char *host, size_t hostlen, int *port)
{
	const char	*h, *colon;

	if ((h = strstr(uri, "://")) == NULL)
		return (-1);
	h += 3;
	if ((colon = strchr(h, ':')) == NULL || (size_t)(colon - h) >= hostlen)
		return (-1);
	(void)snprintf(host, hostlen, "%.*s", (int)(colon - h), h);
	*port = atoi(colon + 1);
	return (*port > 0 ? 0 : -1);
}

static int
degraded_teardown(void **state)
{
	struct degraded	*d = *state;

	if (d == NULL)
		return (0);
	if (d->kore.pid > 0)
		(void)rest_kore_stop(&d->kore, 15000);
	if (d->proxy > 0) {
		(void)kill(d->proxy, SIGTERM);
		(void)waitpid(d->proxy, NULL, 0);
	}
	free(d);
	return (0);
}

static void
test_log_reads_time_out(void **state)
{
	struct marimba_config	 cfg;
	struct degraded		*d;
	struct rest_resp	 resp;
	char			 topic[128], uri[256], err[256], v[64];
	char			 host[128];
	const char		*env[4];
	int			 port, mport;

	mport = 0;
	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	*state = d;
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), 0);
	assert_int_equal(mongo_host_port(cfg.mongo_uri, host, sizeof(host),
	    &mport), 0);
	port = proxy_start(d, host, mport);
	assert_true(port > 0);
	(void)snprintf(uri, sizeof(uri),
	    "MARIMBA_MONGO_URI=mongodb://127.0.0.1:%d/?appname=marimba", port);
	env[0] = uri;
	env[1] = "MARIMBA_MONGO_DB=test_rest_degraded";
	/* Log reads must reach MongoDB, not the Redis log window. */
	env[2] = "MARIMBA_LOG_WINDOW=0";
	env[3] = NULL;
	assert_int_equal(rest_setup(&cfg, &d->kore, topic, sizeof(topic),
	    "test-rest-degraded", 1, env), 0);

	/* hello and ping pass: ready, MongoDB up. */
	assert_int_equal(rest_wait_ready(&d->kore, 30000, 200), 0);
	assert_int_equal(rest_request(&d->kore, "GET", "/readyz", NULL, NULL,
	    0, &resp), 0);
	assert_int_equal(rest_json_string(resp.body, "mongo", v, sizeof(v)),
	    0);
	assert_string_equal(v, "up");

	/* Every log read times out. */
	assert_int_equal(rest_request(&d->kore, "GET", "/api/logs?limit=5",
	    NULL, NULL, 0, &resp), 0);
	assert_int_equal(resp.status, 503);
	assert_non_null(strstr(resp.body, "did not answer in time"));

	/* Whichever worker answers: degraded, still ready. */
	assert_int_equal(rest_request(&d->kore, "GET", "/readyz", NULL, NULL,
	    0, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_int_equal(rest_json_string(resp.body, "status", v, sizeof(v)),
	    0);
	assert_string_equal(v, "degraded");
	assert_int_equal(rest_json_string(resp.body, "mongo", v, sizeof(v)),
	    0);
	assert_string_equal(v, "degraded");
	assert_int_equal(rest_json_string(resp.body, "redis", v, sizeof(v)),
	    0);
	assert_string_equal(v, "up");

	assert_int_equal(rest_request(&d->kore, "GET", "/metrics", NULL, NULL,
	    0, &resp), 0);
	assert_int_equal(resp.status, 200);
	assert_non_null(strstr(resp.body,
	    "marimba_dependency_degraded{dependency=\"mongo\"} 1\n"));
	assert_non_null(strstr(resp.body,
	    "marimba_dependency_up{dependency=\"mongo\"} 1\n"));
	assert_non_null(strstr(resp.body,
	    "marimba_dependency_degraded{dependency=\"redis\"} 0\n"));

	assert_int_equal(rest_kore_stop(&d->kore, 20000), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_log_reads_time_out,
		    degraded_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
