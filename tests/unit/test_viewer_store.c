/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the set-up and tear-down of kore/src/viewer/store.c
 * (no server needed: nothing answers on the ports used). stores_new()
 * either makes everything or undoes what it made in one cleanup path;
 * in the ASan tree LeakSanitizer fails this test on anything a failed
 * or a whole set-up leaves behind. And a Redis that takes connections
 * but never answers (a socket listening on loopback, never accepting)
 * costs a tallies read its 1 s command timeout, not forever (issue 22).
 */
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "store.h"
#include "store_redis.h"

static void
config(struct marimba_config *cfg)
{
	char	err[256];

	assert_int_equal(marimba_config_load(cfg, err, sizeof(err)), 0);
	/* Port 1 on loopback: refused at once, nothing listens there. */
	(void)snprintf(cfg->redis_host, sizeof(cfg->redis_host), "127.0.0.1");
	cfg->redis_port = 1;
	(void)snprintf(cfg->mongo_uri, sizeof(cfg->mongo_uri),
	    "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=100");
}

/* A bad URI fails before anything is made, and says which setting. */
static void
test_bad_uri(void **state)
{
	struct marimba_config	cfg;
	char			err[256];

	(void)state;
	config(&cfg);
	(void)snprintf(cfg.mongo_uri, sizeof(cfg.mongo_uri), "not a uri");
	err[0] = '\0';
	assert_null(stores_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "MARIMBA_MONGO_URI"));
}

/*
 * The whole set-up, then the tear-down: the health thread is joined
 * and every lock, pool and connection freed. Nothing is up before a
 * check reached it.
 */
static void
test_new_free(void **state)
{
	struct marimba_config	 cfg;
	struct stores		*st;
	char			 err[256];
	int			 i;

	(void)state;
	config(&cfg);
	for (i = 0; i < 3; i++) {
		st = stores_new(&cfg, err, sizeof(err));
		assert_non_null(st);
		assert_false(stores_redis_up(st));
		assert_false(stores_mongo_up(st));
		stores_free(st);
	}
	stores_free(NULL);
}

static long
now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* A listening socket on a free loopback port that never answers. */
static int
silent_listener(int *port)
{
	struct sockaddr_in	sa;
	socklen_t		len;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	len = sizeof(sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(fd, 16) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1) {
		close(fd);
		return (-1);
	}
	*port = ntohs(sa.sin_port);
	return (fd);
}

/* Connected (the kernel's backlog) but never answered: a timeout. */
static void
test_redis_silent(void **state)
{
	struct marimba_config	 cfg;
	struct stores		*st;
	struct tallies		 t;
	char			 err[256];
	long			 t0, ms;
	int			 fd, port = 0;

	(void)state;
	config(&cfg);
	cfg.redis_password[0] = '\0';
	assert_true((fd = silent_listener(&port)) != -1);
	cfg.redis_port = port;
	assert_non_null(st = stores_new(&cfg, err, sizeof(err)));
	memset(&t, 0, sizeof(t));
	t0 = now_ms();
	assert_int_equal(store_tallies(st, &t, err, sizeof(err)), -1);
	ms = now_ms() - t0;
	fprintf(stderr, "tallies from a silent Redis: %ld ms (%s)\n", ms,
	    err);
	/* The 1 s command timeout ended it (room for a loaded machine). */
	assert_in_range(ms, 900, 5000);
	tallies_free(&t);
	stores_free(st);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_bad_uri),
		cmocka_unit_test(test_new_free),
		cmocka_unit_test(test_redis_silent),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
