/* SPDX-License-Identifier: ISC */
/*
 * 1,600 idle keep-alive connections (issue 12): with Kore's default
 * worker_rlimit_nofiles (768) a worker ran out of descriptors below its
 * 1024 connections, spun on EMFILE and a /healthz took 6-8.5 s; the
 * connections also piled up on one worker. Here every connection must
 * be accepted and answered, spread over both workers, keep working, and
 * a control request on a new connection must be answered at once (the
 * latency itself is measured by bench/keepalive-bench).
 */
#include <sys/resource.h>

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "net_port.h"
#include "test_raw_http.h"
#include "test_rest_support.h"

#define IDLE_CONNS	1600
#define GET_HEALTHZ	"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
/* A stall guard, not a performance bound: it was 6000-8500 ms. */
#define CONTROL_MAX_MS	2000

static long
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Sockets open in process pid. */
static int
count_sockets(int pid)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[64], link[384], target[64];
	ssize_t		 n;
	int		 count;

	(void)snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	if ((d = opendir(path)) == NULL)
		return (-1);
	count = 0;
	while ((e = readdir(d)) != NULL) {
		(void)snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0 && strncmp(target, "socket:", 7) == 0)
			count++;
	}
	closedir(d);
	return (count);
}

/* The worker processes of Kore's parent pid: up to max into out. */
static int
workers_of(int pid, int *out, int max)
{
	FILE	*fp;
	char	 path[64];
	int	 n, w;

	(void)snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid,
	    pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	n = 0;
	while (n < max && fscanf(fp, "%d", &w) == 1)
		out[n++] = w;
	fclose(fp);
	return (n);
}

/* A GET /healthz on fd answered 200, keep-alive. */
static void
healthz_on(int fd)
{
	struct raw_result	r;

	assert_int_equal(raw_send(fd, GET_HEALTHZ, strlen(GET_HEALTHZ)), 0);
	raw_read_n(fd, 0, 1, 5000, 5000, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.r[0].status, 200);
	assert_false(r.closed);
}

static void
test_idle_keepalive_flood(void **state)
{
	struct marimba_config	 cfg;
	struct rest_kore	*kore;
	struct rest_resp	 resp;
	struct rlimit		 rl;
	char			 topic[128];
	int			*fds, workers[8], nworkers, i, s;
	long			 t0, ms;

	kore = calloc(1, sizeof(*kore));
	assert_non_null(kore);
	*state = kore;

	/* The test itself holds IDLE_CONNS sockets. */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < IDLE_CONNS + 256) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	if (rl.rlim_cur < IDLE_CONNS + 256)
		skip();

	assert_int_equal(rest_setup(&cfg, kore, topic, sizeof(topic),
	    "test-rest-flood", 1, NULL), 0);
	fds = calloc(IDLE_CONNS, sizeof(*fds));
	assert_non_null(fds);

	/* Each connection answered once, then left idle (keep-alive 8 s). */
	t0 = now_ms();
	for (i = 0; i < IDLE_CONNS; i++) {
		fds[i] = net_connect_loopback(kore->port);
		assert_true(fds[i] != -1);
		healthz_on(fds[i]);
	}
	fprintf(stderr, "flood: %d keep-alive connections in %ld ms\n",
	    IDLE_CONNS, now_ms() - t0);

	/* Spread over the workers (was 210 vs 779). */
	nworkers = workers_of(kore->pid, workers, 8);
	assert_true(nworkers >= 2);
	for (i = 0; i < nworkers; i++) {
		s = count_sockets(workers[i]);
		fprintf(stderr, "flood: worker %d holds %d sockets\n",
		    workers[i], s);
		assert_true(s >= IDLE_CONNS / nworkers / 2);
	}

	/* A control request on a new connection is not stalled. */
	t0 = now_ms();
	assert_int_equal(rest_request(kore, "GET", "/healthz", NULL, NULL, 0,
	    &resp), 0);
	ms = now_ms() - t0;
	fprintf(stderr, "flood: control /healthz %ld ms\n", ms);
	assert_int_equal(resp.status, 200);
	assert_true(ms < CONTROL_MAX_MS);

	/* Every idle connection still works. */
	for (i = 0; i < IDLE_CONNS; i++)
		healthz_on(fds[i]);
	for (i = 0; i < IDLE_CONNS; i++)
		close(fds[i]);
	free(fds);
	assert_int_equal(rest_kore_stop(kore, 20000), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_idle_keepalive_flood,
		    rest_kore_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
