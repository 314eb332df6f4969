/* SPDX-License-Identifier: ISC */
/*
 * MARIMBA_REDIS_PASSWORD against a private redis-server started with
 * --requirepass on a free port: lib/config.c reads it, and
 * marimba_redis_auth() (used by the Kore app and the consumer on every
 * new connection) authenticates with it, fails cleanly with a wrong one
 * and sends nothing without one.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "config.h"
#include "net_port.h"
#include "redis_auth.h"

/* A space and a quote: the password must travel as one argument. */
#define PASSWORD	"s3cret pass\"word"

struct private_redis {
	pid_t	pid;
	int	port;
};

static redisContext *
connect_port(int port)
{
	struct timeval	 tv = { 1, 0 };
	redisContext	*c;

	c = redisConnectWithTimeout("127.0.0.1", port, tv);
	assert_non_null(c);
	if (c->err != 0) {
		redisFree(c);
		return (NULL);
	}
	return (c);
}

static int
setup(void **state)
{
	static struct private_redis	 pr;
	char				 port[16];
	redisContext			*c;
	int				 i;

	if ((pr.port = net_free_port()) == -1)
		return (-1);
	(void)snprintf(port, sizeof(port), "%d", pr.port);
	if ((pr.pid = fork()) == -1)
		return (-1);
	if (pr.pid == 0) {
		execlp("redis-server", "redis-server", "--port", port,
		    "--bind", "127.0.0.1", "--requirepass", PASSWORD,
		    "--save", "", "--appendonly", "no", "--loglevel",
		    "warning", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {	/* up to 5 s */
		if ((c = connect_port(pr.port)) != NULL) {
			redisFree(c);
			*state = &pr;
			return (0);
		}
		(void)usleep(50 * 1000);
	}
	(void)kill(pr.pid, SIGKILL);
	(void)waitpid(pr.pid, NULL, 0);
	return (-1);
}

static int
teardown(void **state)
{
	struct private_redis	*pr = *state;

	(void)kill(pr->pid, SIGTERM);
	(void)waitpid(pr->pid, NULL, 0);
	return (0);
}

static void
test_config_reads_password(void **state)
{
	struct marimba_config	cfg;
	char			err[256];

	(void)state;
	unsetenv("MARIMBA_REDIS_PASSWORD");
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.redis_password, "");
	setenv("MARIMBA_REDIS_PASSWORD", PASSWORD, 1);
	assert_int_equal(marimba_config_load(&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.redis_password, PASSWORD);
	unsetenv("MARIMBA_REDIS_PASSWORD");
}

static void
test_right_password(void **state)
{
	struct private_redis	*pr = *state;
	redisContext		*c;
	redisReply		*r;
	char			 err[256];

	assert_non_null(c = connect_port(pr->port));
	assert_int_equal(marimba_redis_auth(c, PASSWORD, err, sizeof(err)),
	    0);
	assert_non_null(r = redisCommand(c, "INCR marimba-auth-test"));
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	freeReplyObject(r);
	redisFree(c);
}

static void
test_wrong_password(void **state)
{
	struct private_redis	*pr = *state;
	redisContext		*c;
	char			 err[256];

	assert_non_null(c = connect_port(pr->port));
	err[0] = '\0';
	assert_int_equal(marimba_redis_auth(c, "not-it", err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "redis auth: WRONGPASS"));
	assert_null(strstr(err, "not-it"));
	redisFree(c);
}

static void
test_no_password_sends_nothing(void **state)
{
	struct private_redis	*pr = *state;
	redisContext		*c;
	redisReply		*r;
	char			 err[256];

	assert_non_null(c = connect_port(pr->port));
	assert_int_equal(marimba_redis_auth(c, "", err, sizeof(err)), 0);
	assert_int_equal(marimba_redis_auth(c, NULL, err, sizeof(err)), 0);
	/* Not authenticated: the server still refuses commands. */
	assert_non_null(r = redisCommand(c, "GET marimba-auth-test"));
	assert_int_equal(r->type, REDIS_REPLY_ERROR);
	assert_non_null(strstr(r->str, "NOAUTH"));
	freeReplyObject(r);
	redisFree(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_reads_password),
		cmocka_unit_test(test_right_password),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_no_password_sends_nothing),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
