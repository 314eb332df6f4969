/* SPDX-License-Identifier: ISC */
/*
 * Readiness that reflects the reads the page depends on (issue 21): a
 * MongoDB that answers hello and ping but never answers a log read (the
 * find is swallowed by mongo_stall_proxy.py in front of the real
 * server) makes /api/logs answer 503 "did not answer in time", and then
 * /readyz says "degraded" (still 200: votes are taken) and /metrics
 * marimba_dependency_degraded{dependency="mongo"} 1.
 *
 * The same stalled store behind four Kore workers with
 * MARIMBA_LOG_READS_MAX=2 (issue 22): of a burst of eight log reads at
 * once, at most two reach the store (and time out), the others get
 * 503 "too many log reads" with Retry-After; every slot comes back when
 * a read times out, and when the workers holding them are killed
 * (their restarted successors free them).
 */
#include <sys/types.h>
#include <sys/wait.h>

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

#include <dirent.h>

#include "config.h"
#include "net_port.h"
#include "test_mongo_proxy.h"
#include "test_raw_http.h"
#include "test_rest_support.h"

#ifndef MARIMBA_SOURCE_DIR
#error "MARIMBA_SOURCE_DIR must be defined by CMake"
#endif

#define STALL_PROXY	\
	MARIMBA_SOURCE_DIR "/tests/integration/mongo_stall_proxy.py"

struct degraded {
	struct rest_kore	kore;
	pid_t			proxy;
};

static int
degraded_teardown(void **state)
{
	struct degraded	*d = *state;

	if (d == NULL)
		return (0);
	if (d->kore.pid > 0)
		(void)rest_kore_stop(&d->kore, 15000);
	mongo_proxy_stop(&d->proxy);
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
	const char		*env[4];
	int			 port;

	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	*state = d;
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), 0);
	port = mongo_proxy_start(STALL_PROXY, cfg.mongo_uri, NULL, &d->proxy);
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

	/*
	 * hello and ping pass: ready, and MongoDB up in every worker once
	 * each has run its first check ("down" until then).
	 */
	assert_int_equal(rest_wait_ready_field(&d->kore, 30000, 200,
	    "mongo", "up"), 0);

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

/* Starts the proxy and a Kore behind it with env; fills d. */
static void
degraded_start(struct degraded *d, const char *db, const char **extra)
{
	struct marimba_config	 cfg;
	char			 topic[128], err[256];
	char			 uri[256], dbenv[128];
	const char		*env[12];
	int			 port, n;

	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), 0);
	port = mongo_proxy_start(STALL_PROXY, cfg.mongo_uri, NULL, &d->proxy);
	assert_true(port > 0);
	(void)snprintf(uri, sizeof(uri),
	    "MARIMBA_MONGO_URI=mongodb://127.0.0.1:%d/?appname=marimba", port);
	(void)snprintf(dbenv, sizeof(dbenv), "MARIMBA_MONGO_DB=%s", db);
	n = 0;
	env[n++] = uri;
	env[n++] = dbenv;
	env[n++] = "MARIMBA_LOG_WINDOW=0";
	while (*extra != NULL && n < 11)
		env[n++] = *extra++;
	env[n] = NULL;
	assert_int_equal(rest_setup(&cfg, &d->kore, topic, sizeof(topic),
	    db, 1, env), 0);
	assert_int_equal(rest_wait_ready(&d->kore, 30000, 200), 0);
}

#define BURST		8
#define READS_MAX	2

struct burst {
	int	timed_out;	/* reached the store, which never answered */
	int	refused;	/* 503 too many log reads, with Retry-After */
	int	other;
};

/* n log reads sent at once on n connections; what came back. */
static void
burst(struct degraded *d, int n, struct burst *b)
{
	static const char	req[] = "GET /api/logs?limit=5 HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\nConnection: close\r\n\r\n";
	struct raw_result	res;
	char			ra[16];
	int			fd[BURST], i;

	memset(b, 0, sizeof(*b));
	assert_true(n <= BURST);
	for (i = 0; i < n; i++) {
		assert_true((fd[i] = net_connect_loopback(d->kore.port)) != -1);
		assert_int_equal(raw_send(fd[i], req, sizeof(req) - 1), 0);
	}
	for (i = 0; i < n; i++) {
		raw_read_n(fd[i], 0, 1, 10000, 10000, &res);
		close(fd[i]);
		if (res.n == 1 && res.r[0].status == 503 &&
		    strstr(res.r[0].body, "did not answer in time") != NULL)
			b->timed_out++;
		else if (res.n == 1 && res.r[0].status == 503 &&
		    strstr(res.r[0].body, "too many log reads") != NULL &&
		    raw_field(&res.r[0], "retry-after", ra, sizeof(ra)) == 0 &&
		    strcmp(ra, "1") == 0)
			b->refused++;
		else {
			fprintf(stderr, "unexpected answer (%d): %s\n",
			    res.n > 0 ? res.r[0].status : 0,
			    res.n > 0 ? res.r[0].body : "none");
			b->other++;
		}
	}
}

/* Kore's workers: the live (not zombie) children of its parent process. */
static int
kore_workers(pid_t parent, pid_t *pids, int max)
{
	DIR		*dir;
	struct dirent	*de;
	FILE		*f;
	char		 path[300], line[256];
	int		 n, ppid, zombie;

	n = 0;
	if ((dir = opendir("/proc")) == NULL)
		return (-1);
	while (n < max && (de = readdir(dir)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%s/status",
		    de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		ppid = -1;
		zombie = 0;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "State:\tZ", 8) == 0)
				zombie = 1;
			if (sscanf(line, "PPid: %d", &ppid) == 1)
				break;
		}
		fclose(f);
		if (ppid == parent && !zombie)
			pids[n++] = (pid_t)atoi(de->d_name);
	}
	closedir(dir);
	return (n);
}

/* True when Kore runs four workers, none of them one of the killed. */
static int
workers_replaced(pid_t parent, const pid_t *killed, int nkilled)
{
	pid_t	now[16];
	int	n, i, j;

	if ((n = kore_workers(parent, now, 16)) != 4)
		return (0);
	for (i = 0; i < n; i++)
		for (j = 0; j < nkilled; j++)
			if (now[i] == killed[j])
				return (0);
	return (1);
}

/* marimba_log_reads_in_use from /metrics, or -1. */
static int
log_reads_in_use(struct degraded *d)
{
	struct rest_resp	 resp;
	const char		*p;
	static const char	 key[] = "\nmarimba_log_reads_in_use ";

	if (rest_request(&d->kore, "GET", "/metrics", NULL, NULL, 0,
	    &resp) != 0 || resp.status != 200 ||
	    (p = strstr(resp.body, key)) == NULL)
		return (-1);
	return (atoi(p + sizeof(key) - 1));
}

/* /metrics counts the log reads running now and those refused. */
static void
assert_log_reads_metrics(struct degraded *d, int in_use, int refused)
{
	struct rest_resp	resp;
	char			line[96];

	assert_int_equal(rest_request(&d->kore, "GET", "/metrics", NULL, NULL,
	    0, &resp), 0);
	assert_int_equal(resp.status, 200);
	(void)snprintf(line, sizeof(line), "\nmarimba_log_reads_in_use %d\n",
	    in_use);
	assert_non_null(strstr(resp.body, line));
	(void)snprintf(line, sizeof(line), "\nmarimba_log_reads_max %d\n",
	    READS_MAX);
	assert_non_null(strstr(resp.body, line));
	(void)snprintf(line, sizeof(line),
	    "\nmarimba_log_reads_refused_total %d\n", refused);
	assert_non_null(strstr(resp.body, line));
}

static void
test_log_reads_capped(void **state)
{
	struct degraded	*d;
	struct burst	 b;
	pid_t		 w[16];
	const char	*extra[] = { "MARIMBA_KORE_WORKERS=4",
			    "MARIMBA_LOG_READS_MAX=2",
			    "MARIMBA_LOG_READ_TIMEOUT_MS=1000", NULL };
	int		 i, nw, refused;

	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	*state = d;
	degraded_start(d, "test_rest_capped", extra);

	/* Eight at once over four workers: two reach the store. */
	burst(d, BURST, &b);
	fprintf(stderr, "burst of %d: %d timed out, %d refused\n", BURST,
	    b.timed_out, b.refused);
	assert_int_equal(b.other, 0);
	assert_in_range(b.timed_out, 1, READS_MAX);
	assert_int_equal(b.refused, BURST - b.timed_out);
	refused = b.refused;
	assert_log_reads_metrics(d, 0, refused);

	/* A read that timed out gave its slot back. */
	for (i = 0; i < 2; i++) {
		burst(d, READS_MAX, &b);
		assert_int_equal(b.timed_out, READS_MAX);
	}

	/* Workers killed while they hold both slots. */
	{
		static const char req[] = "GET /api/logs HTTP/1.1\r\n"
		    "Host: 127.0.0.1\r\nConnection: close\r\n\r\n";
		struct raw_result	res;
		int			fd[READS_MAX + 1];

		for (i = 0; i < READS_MAX; i++) {
			fd[i] = net_connect_loopback(d->kore.port);
			assert_true(fd[i] != -1);
			assert_int_equal(raw_send(fd[i], req,
			    sizeof(req) - 1), 0);
		}
		usleep(300000);
		/* Both slots are held now: a third read is refused. */
		fd[READS_MAX] = net_connect_loopback(d->kore.port);
		assert_true(fd[READS_MAX] != -1);
		assert_int_equal(raw_send(fd[READS_MAX], req,
		    sizeof(req) - 1), 0);
		raw_read_n(fd[READS_MAX], 0, 1, 5000, 5000, &res);
		assert_int_equal(res.n, 1);
		assert_int_equal(res.r[0].status, 503);
		assert_non_null(strstr(res.r[0].body, "too many log reads"));
		assert_log_reads_metrics(d, READS_MAX, refused + 1);
		nw = kore_workers(d->kore.pid, w, 16);
		assert_int_equal(nw, 4);
		for (i = 0; i < nw; i++)
			assert_int_equal(kill(w[i], SIGKILL), 0);
		for (i = 0; i <= READS_MAX; i++)
			close(fd[i]);
	}
	/*
	 * Restarted: four new pids (a killed worker not yet reaped still
	 * lists its parent), and every slot given back by the replacements.
	 */
	for (i = 0; i < 100; i++) {
		usleep(100000);
		if (workers_replaced(d->kore.pid, w, nw) &&
		    rest_wait_ready(&d->kore, 100, 200) == 0 &&
		    log_reads_in_use(d) == 0)
			break;
	}
	assert_true(i < 100);
	burst(d, READS_MAX, &b);
	assert_int_equal(b.timed_out, READS_MAX);

	assert_int_equal(rest_kore_stop(&d->kore, 20000), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_log_reads_time_out,
		    degraded_teardown),
		cmocka_unit_test_teardown(test_log_reads_capped,
		    degraded_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
